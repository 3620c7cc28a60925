/**
 * The bench's report: the records of every phase, the verdicts against the
 * targets of issue 3 ("Speed"), a table for the terminal, and the JSON file.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ProfileSummary } from "./profile";
import type { Attribution } from "./redis-stats";
import type { LoadResult, StreamResult } from "./load";
import { round1, round3 } from "./stats";

export type TargetName = "gateway" | "direct";

export interface PhaseRecord {
  upstreamLatencyMs: number;
  scenario: "open-loop" | "saturation";
  target: TargetName;
  /** Open loop: the arrival rate asked for (req/s). */
  rate: number | null;
  /** Closed loop: connections. */
  concurrency: number | null;
  result: LoadResult;
  /** Every request of the phase, warm-up included (the divisor of the per-request figures). */
  requestsTotal: number;
  /**
   * The process that served: the gateway, or the simulator for the direct phases. With
   * several gateway processes (a node:cluster primary and its workers), CPU is summed over
   * all of them, `rssMaxMb` is the largest single process's peak and `rssMaxTotalMb` the
   * largest sampled total; `processesChanged`: processes started/ended during the phase.
   */
  server: {
    process: "gateway" | "simulator";
    cpuUsPerRequest: number;
    cpuPctOfOneCore: number;
    rssMaxMb: number;
    processes: number;
    rssMaxTotalMb: number;
    processesChanged: { started: number; ended: number } | null;
  };
  /** Gateway phases: the request-log worker's CPU meanwhile. */
  worker: { cpuUsPerRequest: number } | null;
  /** The whole machine in the phase, in % of one core (2 cores = 200%): how much CPU others took. */
  machine: { busyPctOfOneCore: number; benchProcessesPct: number; othersPct: number; loadAvg1: number };
  redis: {
    /**
     * Gateway phases: every command the Redis server ran per request (gateway, worker,
     * BullMQ's Lua internals). On a shared server, minus the background rate of the direct
     * phase before (`approximate`: other users' bursts are not ours).
     */
    commandsPerRequest: number | null;
    approximate: boolean;
    rawCommands: number;
    backgroundPerSecond: number;
    byCommand: Record<string, number>;
    /**
     * Gateway phases: TCP segments the gateway itself sent to Redis per request. Under load
     * Node coalesces queued writes, so this falls well below the command count: the network
     * cost, not the number of calls.
     */
    gatewayTcpSegmentsPerRequest: number | null;
    gatewayBytesPerRequest: number | null;
  };
  /** Gateway phases: what the gateway wrote to Postgres in the phase. */
  postgres: { writes: number; bytes: number; writesPerRequest: number } | null;
  /** Gateway phases: request-log backlog after the phase and the time the worker took to clear it. */
  requestLogDrain: { backlogAfterPhase: number; drainMs: number; remaining: number } | null;
}

export interface StreamRecord {
  upstreamLatencyMs: number;
  target: TargetName;
  result: StreamResult;
}

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean | null;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memGb: number; node: string; platform: string };
  endpoint: "chat" | "models";
  endpointNote: string;
  redis: { url: string; private: boolean; note: string };
  phases: PhaseRecord[];
  streaming: StreamRecord[];
  redisAttribution: Attribution | null;
  /**
   * idleCpuMsPerSecond: the gateway's CPU with no traffic, after the run (all its processes).
   * processes: GATEHOUSE_GATEWAY_PROCESSES as asked; pids: the process tree at the end
   * (the spawned process first: with several, the primary, then its workers).
   * rssHwmMb / rssAtStartMb: the largest single process's; rssHwmSumMb: every process's
   * VmHWM summed (an upper bound: peaks need not coincide); rssAtStartTotalMb,
   * rssMaxTotalMb: the whole tree after start and its largest sampled total.
   */
  gateway: {
    rssHwmMb: number;
    rssAtStartMb: number;
    pid: number;
    idleCpuMsPerSecond: number;
    processes: number | "auto";
    pids: number[];
    rssHwmSumMb: number;
    rssAtStartTotalMb: number;
    rssMaxTotalMb: number;
  };
  /** --profile: where the gateway's CPU went. */
  profile: ProfileSummary | null;
  loadAvgAtStart: number[];
  requestLog: { gatewayRequests: number; rowsPersisted: number; backlogAtEnd: number };
  verdicts: Verdict[];
}

export function machine(): BenchReport["machine"] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

function findPhase(phases: PhaseRecord[], latency: number, scenario: PhaseRecord["scenario"], target: TargetName, rate: number | null) {
  return phases.find((p) => p.upstreamLatencyMs === latency && p.scenario === scenario && p.target === target && (rate === null || p.rate === rate));
}

/** Gateway minus direct at the same latency and rate (open loop). */
export function addedLatency(phases: PhaseRecord[], gw: PhaseRecord): { p50: number; p99: number } | null {
  if (gw.target !== "gateway" || gw.scenario !== "open-loop") return null;
  const direct = findPhase(phases, gw.upstreamLatencyMs, "open-loop", "direct", gw.rate);
  if (!gw.result.latency || !direct?.result.latency) return null;
  return { p50: round3(gw.result.latency.p50Ms - direct.result.latency.p50Ms), p99: round3(gw.result.latency.p99Ms - direct.result.latency.p99Ms) };
}

function maxSaturation(phases: PhaseRecord[], latency: number, target: TargetName): PhaseRecord | undefined {
  return phases
    .filter((p) => p.upstreamLatencyMs === latency && p.scenario === "saturation" && p.target === target)
    .sort((a, b) => b.result.achievedRps - a.result.achievedRps)[0];
}

export function verdicts(r: Omit<BenchReport, "verdicts" | "finishedAt">): Verdict[] {
  const out: Verdict[] = [];
  const latencies = [...new Set(r.phases.map((p) => p.upstreamLatencyMs))];
  for (const l of latencies) {
    const best = maxSaturation(r.phases, l, "gateway");
    const direct = maxSaturation(r.phases, l, "direct");
    if (best) {
      out.push({
        target: `saturation >= 5,000 req/s (upstream ${l} ms)`,
        measured: `${Math.round(best.result.achievedRps)} req/s at ${best.concurrency} connections (direct: ${Math.round(direct?.result.achievedRps ?? 0)})`,
        pass: best.result.achievedRps >= 5_000,
      });
    }
  }
  for (const l of latencies) {
    const gw = findPhase(r.phases, l, "open-loop", "gateway", 1_000);
    const added = gw ? addedLatency(r.phases, gw) : null;
    if (gw && added) {
      const errors = gw.result.errors > 0 ? `, ${gw.result.errors} errors` : "";
      const target = `added latency <= 1 ms p50, <= 4 ms p99 at 1,000 req/s (upstream ${l} ms${r.endpoint === "models" ? ", GET /v1/models" : ""})`;
      const measured = `${signed(added.p50)} ms p50, ${signed(added.p99)} ms p99${errors}`;
      if (r.endpoint === "models" && l > 0) {
        out.push({ target, measured: `${measured}: not comparable (the gateway's /v1/models never waits for upstream)`, pass: null });
      } else {
        out.push({ target, measured, pass: added.p50 <= 1 && added.p99 <= 4 && gw.result.errors === 0 });
      }
    }
  }
  for (const l of latencies) {
    const gw = r.streaming.find((s) => s.upstreamLatencyMs === l && s.target === "gateway");
    const direct = r.streaming.find((s) => s.upstreamLatencyMs === l && s.target === "direct");
    if (gw?.result.firstByte && direct?.result.firstByte) {
      const d50 = round3(gw.result.firstByte.p50Ms - direct.result.firstByte.p50Ms);
      out.push({
        target: `streamed first byte within 1 ms of direct (upstream ${l} ms)`,
        measured: `${signed(d50)} ms p50 (${gw.result.firstByte.p50Ms} vs ${direct.result.firstByte.p50Ms} ms), ${signed(round3(gw.result.firstByte.p99Ms - direct.result.firstByte.p99Ms))} ms p99`,
        pass: d50 <= 1 && gw.result.errors === 0,
      });
    }
  }
  if (r.streaming.length === 0) {
    out.push({ target: "streamed first byte within 1 ms of direct", measured: "not measured: the run used GET /v1/models (see endpoint)", pass: null });
  }
  // The target is per process: with several, the largest one's peak, and the tree's total beside it.
  const n = r.gateway.pids.length;
  out.push({
    target: "gateway RSS < 300 MB",
    measured:
      n > 1
        ? `${round1(r.gateway.rssHwmMb)} MB peak per process (VmHWM of the largest; ${n} processes: primary + ${n - 1} workers, ` +
          `${r.gateway.rssMaxTotalMb} MB in all at the largest sample; ${r.gateway.rssAtStartMb} MB per process right after start)`
        : `${round1(r.gateway.rssHwmMb)} MB peak (VmHWM; ${r.gateway.rssAtStartMb} MB right after start)`,
    pass: r.gateway.rssHwmMb < 300,
  });
  const gwPhases = r.phases.filter((p) => p.target === "gateway" && p.postgres);
  const pgWrites = gwPhases.reduce((s, p) => s + (p.postgres?.writes ?? 0), 0);
  const gwRequests = gwPhases.reduce((s, p) => s + p.requestsTotal, 0);
  out.push({
    target: "no Postgres query on the hot path after warm-up",
    measured: `${pgWrites} writes to Postgres by the gateway over ${gwRequests} requests (a snapshot reload is ~10; per request would be >= ${gwRequests})`,
    pass: pgWrites <= gwRequests / 100,
  });
  const a = r.redisAttribution;
  if (a) {
    const list = (m: Record<string, number>) =>
      Object.entries(m)
        .map(([cmd, n]) => `${cmd} ${n}`)
        .join(", ");
    out.push({
      target: "Redis round trips per request (stated)",
      measured:
        `${a.gateway.total} commands/request from the gateway (${list(a.gateway.byCommand)}); ` +
        `request-log worker ${a.worker.total}/request; BullMQ Lua internals ${a.lua.total}/request (MONITOR on the bench's db, ${a.requests} requests)`,
      pass: null,
    });
  }
  return out;
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : ""}${v}`;
}

function signedFmt(v: number): string {
  return `${v >= 0 ? "+" : ""}${fmt(v)}`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  return v.toFixed(digits);
}

export function table(r: BenchReport): string {
  const header = ["scenario", "target", "load", "achieved/s", "p50 ms", "p99 ms", "added p50", "added p99", "CPU µs/req", "RSS MB", "Redis cmd/req", "errors"];
  const rows: string[][] = [];
  const scenarioName = (p: PhaseRecord) => `${p.scenario} @${p.upstreamLatencyMs}ms`;
  for (const p of r.phases) {
    const added = addedLatency(r.phases, p);
    rows.push([
      scenarioName(p),
      p.target,
      p.rate !== null ? `${p.rate}/s` : `c=${p.concurrency}`,
      fmt(p.result.achievedRps, 0),
      fmt(p.result.latency?.p50Ms),
      fmt(p.result.latency?.p99Ms),
      added ? signedFmt(added.p50) : "",
      added ? signedFmt(added.p99) : "",
      `${fmt(p.server.cpuUsPerRequest, 0)}${p.server.process === "simulator" ? "*" : ""}`,
      p.server.processes > 1 ? `${fmt(p.server.rssMaxMb, 0)}/${fmt(p.server.rssMaxTotalMb, 0)}` : fmt(p.server.rssMaxMb, 0),
      p.redis.commandsPerRequest === null ? "-" : `${p.redis.approximate ? "~" : ""}${fmt(p.redis.commandsPerRequest)}`,
      String(p.result.errors),
    ]);
  }
  for (const s of r.streaming) {
    const direct = r.streaming.find((d) => d.upstreamLatencyMs === s.upstreamLatencyMs && d.target === "direct");
    const fb = s.result.firstByte;
    const dfb = direct?.result.firstByte;
    const isGw = s.target === "gateway" && fb && dfb;
    rows.push([
      `stream TTFB @${s.upstreamLatencyMs}ms`,
      s.target,
      `x${s.result.count}`,
      "",
      fmt(fb?.p50Ms),
      fmt(fb?.p99Ms),
      isGw ? signedFmt(fb.p50Ms - dfb.p50Ms) : "",
      isGw ? signedFmt(fb.p99Ms - dfb.p99Ms) : "",
      "",
      "",
      "",
      String(s.result.errors),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i] ?? 0, i >= 3)).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  return out.join("\n");
}

export function verdictLines(vs: Verdict[]): string {
  return vs.map((v) => `  ${v.pass === null ? "INFO" : v.pass ? "PASS" : "MISS"}  ${v.target}: ${v.measured}`).join("\n");
}

export async function writeReport(r: BenchReport, dir: string): Promise<{ file: string; latest: string }> {
  await mkdir(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, "-");
  const file = path.join(dir, `bench-${stamp}.json`);
  const latest = path.join(dir, "latest.json");
  const json = `${JSON.stringify(r, null, 2)}\n`;
  await writeFile(file, json);
  await writeFile(latest, json);
  return { file, latest };
}
