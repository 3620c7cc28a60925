/**
 * The load generator: undici Pools in this process, one per target.
 *
 * - Open loop (`openLoop`): request i is due at t0 + i/rate and is sent when
 *   due whatever is still outstanding (undici queues it if every connection is
 *   busy). Its latency runs from the time it was DUE, not from when it left,
 *   so a stalled server is charged for the requests that piled up behind it
 *   (no coordinated omission). The scheduler runs on timers (1 ms grain), so
 *   the same small send lag is in both the gateway's and the direct figures;
 *   it is reported separately (`sendLag`).
 * - Closed loop (`closedLoop`): N connections, each sends its next request as
 *   soon as the previous one is answered: the maximum rate at that concurrency.
 * - Streaming (`streamFirstByte`): one request at a time; time from send to
 *   the first byte of the body (the first SSE event), and to the end.
 */
import { Pool } from "undici";
import { Samples, type LatencySummary } from "./stats";

export interface RequestSpec {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Requests sent inside the measured window (after warm-up). */
  sent: number;
  /** Every request sent, warm-up included. */
  sentTotal: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Measured window: from the first measured send to the last measured completion. */
  windowMs: number;
  achievedRps: number;
  latency: LatencySummary | null;
  /** Open loop only: how late the scheduler sent requests (the generator's own lag). */
  sendLag: LatencySummary | null;
  /** CPU the generator (this process) used in the window, as % of one core. */
  generatorCpuPct: number;
}

export function createClient(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    connect: { timeout: 10_000 },
  });
}

/** Sends one request and reads its body; resolves with the status, rejects on a network error. */
export async function send(client: Pool, spec: RequestSpec): Promise<number> {
  const res = await client.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? null });
  await res.body.dump({ limit: 1024 * 1024 });
  return res.statusCode;
}

function errorKind(err: unknown): string {
  if (err && typeof err === "object") {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return err instanceof Error ? err.name : "error";
}

class Tally {
  ok = 0;
  errors = 0;
  readonly kinds: Record<string, number> = {};
  readonly latency = new Samples();

  add(status: number | null, kind: string | null, latencyMs: number): void {
    if (status !== null && status >= 200 && status < 300) {
      this.ok++;
      this.latency.push(latencyMs);
      return;
    }
    this.errors++;
    const k = kind ?? `http_${status ?? "none"}`;
    this.kinds[k] = (this.kinds[k] ?? 0) + 1;
  }
}

function cpuPct(startUsage: NodeJS.CpuUsage, windowMs: number): number {
  const u = process.cpuUsage(startUsage);
  return windowMs > 0 ? Math.round(((u.user + u.system) / 1000 / windowMs) * 1000) / 10 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface OpenLoopOptions {
  rate: number;
  durationMs: number;
  warmupMs: number;
  /** How long to wait for the last responses after the last send; what is still out then counts as errors. */
  drainTimeoutMs?: number;
}

export async function openLoop(client: Pool, spec: RequestSpec, opts: OpenLoopOptions): Promise<LoadResult> {
  const interval = 1000 / opts.rate;
  const warmCount = Math.round((opts.rate * opts.warmupMs) / 1000);
  const total = warmCount + Math.round((opts.rate * opts.durationMs) / 1000);
  const tally = new Tally();
  const lag = new Samples();
  const inflight = new Set<Promise<void>>();
  let lastDone = 0;
  let cpuStart = process.cpuUsage();

  const t0 = performance.now() + 5;
  const measureStart = t0 + warmCount * interval;

  const fire = (index: number, due: number): void => {
    const measured = index >= warmCount;
    if (measured) lag.push(performance.now() - due);
    const p: Promise<void> = send(client, spec).then(
      (status) => {
        const done = performance.now();
        if (measured) {
          tally.add(status, null, done - due);
          lastDone = Math.max(lastDone, done);
        }
      },
      (err: unknown) => {
        if (measured) {
          tally.add(null, errorKind(err), 0);
          lastDone = Math.max(lastDone, performance.now());
        }
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  let i = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      try {
        const now = performance.now();
        while (i < total) {
          const due = t0 + i * interval;
          if (due > now) break;
          if (i === warmCount) cpuStart = process.cpuUsage();
          fire(i, due);
          i++;
        }
        if (i >= total) return resolve();
        setTimeout(tick, Math.max(0, t0 + i * interval - performance.now()));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });

  const drain = Promise.allSettled([...inflight]).then(() => "done" as const);
  const outcome = await Promise.race([drain, sleep(opts.drainTimeoutMs ?? 15_000).then(() => "timeout" as const)]);
  if (outcome === "timeout") {
    const stuck = inflight.size;
    tally.errors += stuck;
    tally.kinds.still_outstanding = (tally.kinds.still_outstanding ?? 0) + stuck;
  }
  const windowMs = Math.max(lastDone, t0 + total * interval) - measureStart;
  return {
    sent: total - warmCount,
    sentTotal: total,
    ok: tally.ok,
    errors: tally.errors,
    errorKinds: tally.kinds,
    windowMs,
    achievedRps: windowMs > 0 ? tally.ok / (windowMs / 1000) : 0,
    latency: tally.latency.summary(),
    sendLag: lag.summary(),
    generatorCpuPct: cpuPct(cpuStart, windowMs),
  };
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

export async function closedLoop(client: Pool, spec: RequestSpec, opts: ClosedLoopOptions): Promise<LoadResult> {
  const tally = new Tally();
  const start = performance.now();
  const measureStart = start + opts.warmupMs;
  const end = measureStart + opts.durationMs;
  let sent = 0;
  let sentTotal = 0;
  let lastDone = measureStart;
  let cpuStart = process.cpuUsage();
  const startTimer = setTimeout(() => {
    cpuStart = process.cpuUsage();
  }, opts.warmupMs);

  const connection = async (): Promise<void> => {
    for (;;) {
      const t = performance.now();
      if (t >= end) return;
      const measured = t >= measureStart;
      sentTotal++;
      if (measured) sent++;
      let status: number | null = null;
      let kind: string | null = null;
      try {
        status = await send(client, spec);
      } catch (err) {
        kind = errorKind(err);
        // A refused or reset connection must not turn into a hot loop.
        await sleep(5);
      }
      const done = performance.now();
      if (measured) {
        tally.add(status, kind, done - t);
        lastDone = Math.max(lastDone, done);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, connection));
  clearTimeout(startTimer);
  const windowMs = lastDone - measureStart;
  return {
    sent,
    sentTotal,
    ok: tally.ok,
    errors: tally.errors,
    errorKinds: tally.kinds,
    windowMs,
    achievedRps: windowMs > 0 ? tally.ok / (windowMs / 1000) : 0,
    latency: tally.latency.summary(),
    sendLag: null,
    generatorCpuPct: cpuPct(cpuStart, windowMs),
  };
}

export interface StreamResult {
  count: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Send -> response headers. */
  headers: LatencySummary | null;
  /** Send -> first byte of the body (the first SSE event). */
  firstByte: LatencySummary | null;
  /** Send -> end of the stream. */
  total: LatencySummary | null;
}

/** Reads one streamed answer to its end; throws on a transport error. */
async function streamOnce(client: Pool, spec: RequestSpec): Promise<void> {
  const res = await client.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? null });
  for await (const _chunk of res.body) {
    // drained
  }
}

/**
 * `count` streamed requests one after another, after a warm-up of
 * `warmup.ms` of unrecorded streams, `warmup.concurrency` at a time. The
 * warm-up is the stream path's own: the phases before it send JSON answers,
 * and a handful of streams (it was 10) left the gateway's stream code
 * (SSE parse, translation, batching) unoptimised by V8, so the first-byte
 * figure measured the JIT, not the gateway (measured: +1.57 ms after 10
 * warm-up streams, +0.76 ms after 2,000).
 */
export async function streamFirstByte(client: Pool, spec: RequestSpec, count: number, warmup: { ms: number; concurrency: number }): Promise<StreamResult> {
  const until = performance.now() + warmup.ms;
  await Promise.all(
    Array.from({ length: warmup.concurrency }, async () => {
      while (performance.now() < until) await streamOnce(client, spec).catch(() => undefined);
    }),
  );
  const headers = new Samples();
  const firstByte = new Samples();
  const total = new Samples();
  const kinds: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    let kind: string | null = null;
    try {
      const res = await client.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? null });
      const h = performance.now();
      let first: number | null = null;
      let tail = "";
      for await (const chunk of res.body) {
        first ??= performance.now();
        tail = (tail + (chunk as Buffer).toString("utf8")).slice(-64);
      }
      const end = performance.now();
      if (res.statusCode !== 200) kind = `http_${res.statusCode}`;
      else if (!tail.includes("[DONE]")) kind = "no_done_event";
      else {
        headers.push(h - t);
        firstByte.push((first ?? end) - t);
        total.push(end - t);
      }
    } catch (err) {
      kind = errorKind(err);
    }
    if (kind === null) ok++;
    else {
      errors++;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return { count, ok, errors, errorKinds: kinds, headers: headers.summary(), firstByte: firstByte.summary(), total: total.summary() };
}
