/**
 * `--profile`: the gateway runs with `node --cpu-prof`, which writes a V8 CPU
 * profile when it exits (open it in Chrome DevTools or speedscope). This
 * prints where its CPU went, by self time: per source file (node_modules
 * grouped by package) and per function.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const CpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
});

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  byFile: Array<{ name: string; selfMs: number; pct: number }>;
  byFunction: Array<{ name: string; selfMs: number; pct: number }>;
}

function where(url: string, root: string): string {
  if (url === "") return "(native/V8)";
  const p = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = p.lastIndexOf("node_modules/");
  if (nm !== -1) {
    const rest = p.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? "?")}`;
  }
  if (p.startsWith("node:")) return p;
  return path.isAbsolute(p) ? path.relative(root, p) : p;
}

/**
 * The busiest .cpuprofile in `dir`, summarised (top `n` rows each). Node writes
 * one per thread: the main thread's, and one for tsx's module-loader thread.
 */
export async function summariseProfile(dir: string, root: string, n = 15): Promise<ProfileSummary | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".cpuprofile"));
  let best: ProfileSummary | null = null;
  for (const f of files) {
    const s = summarise(path.join(dir, f), CpuProfile.parse(JSON.parse(await readFile(path.join(dir, f), "utf8"))), root, n);
    if (!best || s.busyMs > best.busyMs) best = s;
  }
  return best;
}

function summarise(file: string, profile: z.infer<typeof CpuProfile>, root: string, n: number): ProfileSummary {
  const allHits = profile.nodes.reduce((s, node) => s + (node.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = allHits > 0 ? totalMs / allHits : 0;
  // Percentages of the time the thread was busy: (idle) is left out.
  const totalHits = profile.nodes.reduce((s, node) => s + (node.callFrame.functionName === "(idle)" ? 0 : (node.hitCount ?? 0)), 0);
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === "(idle)") continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // GC and (program) are V8's own nodes: keep them visible, by name.
    const file = functionName.startsWith("(") ? functionName : where(url, root);
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
    const fn = `${functionName || "(anonymous)"} ${file}${url ? `:${lineNumber + 1}` : ""}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
  }
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, hits]) => ({ name, selfMs: Math.round(hits * msPerHit), pct: Math.round((hits / Math.max(1, totalHits)) * 1000) / 10 }));
  return { file, totalMs: Math.round(totalMs), busyMs: Math.round(totalHits * msPerHit), byFile: top(byFile), byFunction: top(byFunction) };
}

export function profileLines(s: ProfileSummary): string {
  const rows = (list: ProfileSummary["byFile"]) => list.map((r) => `    ${String(r.pct).padStart(5)}%  ${String(r.selfMs).padStart(7)} ms  ${r.name}`).join("\n");
  return `gateway CPU profile (${s.file}): ${s.busyMs} ms busy of ${s.totalMs} ms; self time, % of busy:\n  by file:\n${rows(s.byFile)}\n  by function:\n${rows(s.byFunction)}`;
}
