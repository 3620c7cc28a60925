/**
 * `npm run guards:measure [-- --datasets ../shared/datasets] [--quick]`
 *
 * Runs the CLI's code (guardLine = runTextGuard with DEFAULT_GUARD_POLICY)
 * over the shared guard datasets and prints:
 * - injection and moderation: precision, recall, F1 and the false-positive
 *   rate on the negatives, overall and flagged share per source / category;
 * - PII: span-level precision and recall per entity type. The dataset's
 *   Presidio types are mapped to ours (PERSON -> person, EMAIL_ADDRESS ->
 *   email, PHONE_NUMBER -> phone, CREDIT_CARD -> credit_card, IBAN_CODE ->
 *   iban, US_SSN -> national_id, IP_ADDRESS -> ip_address, STREET_ADDRESS ->
 *   street_address); a predicted span matches a gold span of the same type
 *   when they overlap by at least one character ("overlap"), and also when
 *   their boundaries are equal ("exact"). A gold span is recalled when some
 *   prediction of its type overlaps it; a prediction is correct when it
 *   overlaps some gold span of its type. Gold types with no counterpart
 *   (ORGANIZATION, LOCATION, DATE_TIME, ...) are not scored, but our
 *   predictions on them count as false positives;
 * - throughput per guard (items/s, MB/s over its dataset), p50 / p99 latency
 *   of all in-line input guards together (injection + PII) on 2 KB prompts,
 *   and the time on 1 MB adversarial input against 10x the time on 100 KB.
 *
 * Figures only: nothing here asserts a time (tests never do).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import nlp from "compromise";
import { DEFAULT_GUARD_POLICY } from "@/lib/guards/policy";
import type { PiiEntity } from "@/lib/guards/policy";
import { runTextGuard } from "@/lib/guards/text-guards";
import { scoreInjection } from "@/lib/guards/injection";
import { detectPii } from "@/lib/guards/pii";
import { moderateText } from "@/lib/guards/moderation";
import { guardLine } from "./guards";

interface Item {
  id: string;
  text: string;
  label: number;
  source: string;
  categories?: string[];
  spans?: { start: number; end: number; type: string }[];
}

const PRESIDIO_TO_OURS: Record<string, PiiEntity> = {
  PERSON: "person",
  EMAIL_ADDRESS: "email",
  PHONE_NUMBER: "phone",
  CREDIT_CARD: "credit_card",
  IBAN_CODE: "iban",
  US_SSN: "national_id",
  IP_ADDRESS: "ip_address",
  STREET_ADDRESS: "street_address",
};

function load(dir: string, name: string): Item[] {
  const file = path.join(dir, name, "dev.jsonl");
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Item);
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) + "%" : "n/a");

function binary(items: Item[], guard: "injection" | "moderation") {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const bySource = new Map<string, { n: number; flagged: number }>();
  const byCategory = new Map<string, { n: number; flagged: number }>();
  for (const it of items) {
    const out = guardLine(guard, { id: it.id, text: it.text });
    if (it.label === 1) out.flagged ? tp++ : fn++;
    else out.flagged ? fp++ : tn++;
    const key = `${it.source} (label ${it.label})`;
    const s = bySource.get(key) ?? { n: 0, flagged: 0 };
    s.n++;
    if (out.flagged) s.flagged++;
    bySource.set(key, s);
    for (const c of it.categories ?? []) {
      const k = byCategory.get(c) ?? { n: 0, flagged: 0 };
      k.n++;
      if (out.flagged) k.flagged++;
      byCategory.set(c, k);
    }
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f1 = (2 * precision * recall) / (precision + recall);
  const fpr = fp / (fp + tn);
  return { tp, fp, fn, tn, precision, recall, f1, fpr, bySource, byCategory };
}

function printBinary(title: string, r: ReturnType<typeof binary>): void {
  console.log(`\n## ${title}`);
  console.log(`items ${r.tp + r.fp + r.fn + r.tn} (pos ${r.tp + r.fn}, neg ${r.fp + r.tn}); TP ${r.tp} FP ${r.fp} FN ${r.fn} TN ${r.tn}`);
  console.log(`precision ${pct(r.precision)}  recall ${pct(r.recall)}  F1 ${pct(r.f1)}  FPR on negatives ${pct(r.fpr)}`);
  console.log("flagged share by source:");
  for (const [k, v] of [...r.bySource.entries()].sort()) console.log(`  ${k.padEnd(36)} ${String(v.flagged).padStart(4)}/${String(v.n).padEnd(4)} ${pct(v.flagged / v.n)}`);
  if (r.byCategory.size > 0) {
    console.log("recall by labelled category:");
    for (const [k, v] of [...r.byCategory.entries()].sort()) console.log(`  ${k.padEnd(36)} ${String(v.flagged).padStart(4)}/${String(v.n).padEnd(4)} ${pct(v.flagged / v.n)}`);
  }
}

type Span = { start: number; end: number; type: string };
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

function spanScores(items: Item[], predict: (text: string) => Span[]) {
  const stats = new Map<string, { gold: number; recalled: number; exactRecalled: number; pred: number; correct: number }>();
  const get = (t: string) => {
    let s = stats.get(t);
    if (!s) stats.set(t, (s = { gold: 0, recalled: 0, exactRecalled: 0, pred: 0, correct: 0 }));
    return s;
  };
  let negItems = 0;
  let negFlagged = 0;
  for (const it of items) {
    const gold: Span[] = (it.spans ?? []).flatMap((s) => (PRESIDIO_TO_OURS[s.type] ? [{ start: s.start, end: s.end, type: PRESIDIO_TO_OURS[s.type]! }] : []));
    const pred = predict(it.text);
    if (it.label === 0) {
      negItems++;
      if (pred.length > 0) negFlagged++;
    }
    for (const g of gold) {
      const s = get(g.type);
      s.gold++;
      if (pred.some((p) => p.type === g.type && overlaps(p, g))) s.recalled++;
      if (pred.some((p) => p.type === g.type && p.start === g.start && p.end === g.end)) s.exactRecalled++;
    }
    for (const p of pred) {
      const s = get(p.type);
      s.pred++;
      if (gold.some((g) => g.type === p.type && overlaps(p, g))) s.correct++;
    }
  }
  return { stats, negItems, negFlagged };
}

function printSpans(title: string, r: ReturnType<typeof spanScores>): void {
  console.log(`\n## ${title}`);
  console.log("type            gold  pred  precision  recall(overlap)  recall(exact)");
  let g = 0;
  let rec = 0;
  let p = 0;
  let c = 0;
  for (const [t, s] of [...r.stats.entries()].sort()) {
    g += s.gold;
    rec += s.recalled;
    p += s.pred;
    c += s.correct;
    console.log(`${t.padEnd(15)} ${String(s.gold).padStart(5)} ${String(s.pred).padStart(5)}  ${pct(s.correct / s.pred).padStart(9)}  ${pct(s.recalled / s.gold).padStart(15)}  ${pct(s.exactRecalled / s.gold).padStart(13)}`);
  }
  console.log(`${"all".padEnd(15)} ${String(g).padStart(5)} ${String(p).padStart(5)}  ${pct(c / p).padStart(9)}  ${pct(rec / g).padStart(15)}`);
  console.log(`items without PII that got a finding: ${r.negFlagged}/${r.negItems}`);
}

function timeIt(fn: () => void, minMs: number): { runs: number; ms: number } {
  const t0 = performance.now();
  let runs = 0;
  do {
    fn();
    runs++;
  } while (performance.now() - t0 < minMs);
  return { runs, ms: performance.now() - t0 };
}

function throughput(name: string, guard: "injection" | "pii" | "moderation", items: Item[], minMs: number): void {
  const bytes = items.reduce((n, it) => n + Buffer.byteLength(it.text), 0);
  for (const it of items.slice(0, 50)) runTextGuard(guard, it.text, DEFAULT_GUARD_POLICY); // warm up
  const c0 = process.cpuUsage();
  const { runs, ms } = timeIt(() => {
    for (const it of items) runTextGuard(guard, it.text, DEFAULT_GUARD_POLICY);
  }, minMs);
  const c = process.cpuUsage(c0);
  const secs = ms / 1000;
  const cpuSecs = (c.user + c.system) / 1e6;
  console.log(
    `${name.padEnd(11)} wall: ${((items.length * runs) / secs).toFixed(0).padStart(7)} items/s ${((bytes * runs) / secs / 1e6).toFixed(2).padStart(6)} MB/s; CPU: ${((items.length * runs) / cpuSecs).toFixed(0).padStart(7)} items/s ${((bytes * runs) / cpuSecs / 1e6).toFixed(2).padStart(6)} MB/s  (${items.length} items, mean ${(bytes / items.length).toFixed(0)} B)`,
  );
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function main(): void {
  const { values } = parseArgs({ options: { datasets: { type: "string" }, quick: { type: "boolean" } } });
  const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
  const dir = path.resolve(values.datasets ?? process.env.GATEHOUSE_DATASETS ?? path.join(root, "..", "..", "shared", "datasets"));
  const dirs = [dir, "/work/shared/datasets"].filter((d) => fs.existsSync(path.join(d, "injection", "dev.jsonl")));
  const base = dirs[0];
  if (!base) throw new Error(`no datasets under ${dir} (pass --datasets)`);
  const minMs = values.quick ? 200 : 1500;
  console.log(`# Guards measured on ${base} (default policy: injection threshold ${DEFAULT_GUARD_POLICY.injection.threshold}, moderation threshold ${DEFAULT_GUARD_POLICY.moderation.threshold})`);

  const injection = load(base, "injection");
  const moderation = load(base, "moderation");
  const pii = load(base, "pii");

  printBinary("Injection / jailbreak", binary(injection, "injection"));
  printBinary("Moderation (in-line)", binary(moderation, "moderation"));
  printSpans(
    "PII spans (detectPii through the CLI, overlap match)",
    spanScores(pii, (text) => guardLine("pii", { id: "x", text }).spans),
  );
  if (!values.quick) {
    // names: the full compromise parse, for comparison with the lexicon scan used in line
    const t0 = performance.now();
    const r = spanScores(pii, (text) =>
      (nlp(text).people().json({ offset: true }) as { offset: { start: number; length: number } }[]).map((p) => ({ start: p.offset.start, end: p.offset.start + p.offset.length, type: "person" })),
    );
    const ms = performance.now() - t0;
    const s = r.stats.get("person");
    if (s) console.log(`\nperson, full compromise parse (comparison): precision ${pct(s.correct / s.pred)} recall ${pct(s.recalled / s.gold)}, ${(ms / pii.length).toFixed(2)} ms/item vs lexicon scan below`);
  }

  console.log("\n## Throughput per guard (runTextGuard, default policy, one core)");
  throughput("injection", "injection", injection, minMs);
  throughput("pii", "pii", pii, minMs);
  throughput("moderation", "moderation", moderation, minMs);

  // 2 KB prompts: benign and attack texts cut or padded to 2048 characters
  const prompts: string[] = [];
  const pool = injection.map((i) => i.text);
  for (let k = 0; prompts.length < 200; k++) {
    let p = "";
    let j = k;
    while (p.length < 2048) p += pool[j++ % pool.length] + "\n";
    prompts.push(p.slice(0, 2048));
  }
  for (const p of prompts) {
    runTextGuard("injection", p, DEFAULT_GUARD_POLICY);
    runTextGuard("pii", p, DEFAULT_GUARD_POLICY);
  }
  // wall-clock and CPU time per call: on a shared, loaded machine the CPU time is the
  // guard's own cost, the wall-clock time adds waiting for a core
  const lat: number[] = [];
  const cpu: number[] = [];
  const rounds = values.quick ? 2 : 10;
  for (let round = 0; round < rounds; round++) {
    for (const p of prompts) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      runTextGuard("injection", p, DEFAULT_GUARD_POLICY);
      runTextGuard("pii", p, DEFAULT_GUARD_POLICY);
      lat.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  const loadAvg = os.loadavg()[0]!.toFixed(1);
  console.log(
    `\n## In-line input guards together (injection + PII) on a 2 KB prompt: p50 ${quantile(lat, 0.5).toFixed(3)} ms wall (p99 ${quantile(lat, 0.99).toFixed(3)}), p50 ${quantile(cpu, 0.5).toFixed(3)} ms CPU; ${lat.length} runs, load average ${loadAvg} on ${os.cpus().length} cores`,
  );

  // linearity: 1 MB vs 10 x 100 KB on adversarial inputs
  console.log("\n## Linearity (CPU time on 1 MB / (10 x CPU time on 100 KB), best of 3; ~1 means linear)");
  const adversarial: Record<string, (n: number) => string> = {
    "digits": (n) => "1".repeat(n),
    "digit groups": (n) => "12 ".repeat(Math.ceil(n / 3)).slice(0, n),
    "at signs": (n) => "a@".repeat(n / 2),
    "words": (n) => "ignore all previous ".repeat(Math.ceil(n / 20)).slice(0, n),
    "base64-ish": (n) => "QUJD".repeat(n / 4),
    "brackets": (n) => "<!--<a ".repeat(Math.ceil(n / 7)).slice(0, n),
    "unicode mix": (n) => "a\u200bі\ud800Ｂ😀\u0301 ".repeat(Math.ceil(n / 9)).slice(0, n),
  };
  const detectors: Record<string, (s: string) => unknown> = { injection: scoreInjection, pii: (s) => detectPii(s), moderation: moderateText };
  for (const [dn, det] of Object.entries(detectors)) {
    const parts: string[] = [];
    for (const [an, make] of Object.entries(adversarial)) {
      const small = make(100_000);
      const big = make(1_000_000);
      det(small);
      // best of three CPU times each, so other processes on the machine do not skew the ratio
      const cpuMs = (input: string): number => {
        let best = Infinity;
        for (let k = 0; k < 3; k++) {
          const c0 = process.cpuUsage();
          det(input);
          const c = process.cpuUsage(c0);
          best = Math.min(best, (c.user + c.system) / 1000);
        }
        return best;
      };
      const tSmall = cpuMs(small);
      const tBig = cpuMs(big);
      parts.push(`${an} ${(tBig / (10 * tSmall)).toFixed(2)} (${tBig.toFixed(0)} ms/MB)`);
    }
    console.log(`${dn.padEnd(11)} ${parts.join("; ")}`);
  }
}

main();
