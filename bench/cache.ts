/**
 * The response cache's benchmark (issue 5, "Caching"): not a test, it prints
 * figures. `npx tsx bench/cache.ts` (about 1-2 minutes).
 *
 * 1. Exact-cache hit path vs the simulator at 0 ms: one request at a time
 *    (no queueing), the same chat body sent N times
 *      - direct: to the simulator (latency 0 ms),
 *      - gateway hit: to the gateway, feature with `cache.exact.enabled`,
 *        answered from Redis (one GET),
 *      - gateway miss: the gateway with `Cache-Control: no-cache` (full path
 *        to the simulator, the answer stored),
 *    then the same three with 8 connections in a closed loop (req/s).
 * 2. Semantic lookup cost at 1,000 and 10,000 entries in one scope, 1,536
 *    dimensions (text-embedding-3-small's size), in this process against
 *    Redis (ResponseCacheStore, as the gateway runs it):
 *      - rebuild: a process that has not seen the scope reads it whole from
 *        its Redis stream (once per scope and instance),
 *      - lookup: the per-request cost once up to date (one pipelined round
 *        trip reading no new entries + the exact scan),
 *      - scan: the exact scan alone.
 *
 * Its own world: the scratch database `gatehouse_bench_cache` (dropped,
 * recreated, migrated), Redis db $GATEHOUSE_CACHE_BENCH_REDIS_DB (default 10;
 * flushed: that db only), the simulator and a gateway as child processes
 * (NODE_ENV=production, LOG_LEVEL=warn), no request-log worker (the log jobs
 * wait in that Redis db and go with its next flush).
 */
import { Redis } from "ioredis";
import { childEnv, prepareDatabase, seed } from "./setup";
import { createClient, send, closedLoop, type RequestSpec } from "./load";
import { onCleanup, spawnTs, stopEverything } from "./processes";
import { Samples, type LatencySummary } from "./stats";
import { createDb } from "@/lib/db";
import { MAX_SCOPE_ENTRIES, ResponseCacheStore, type CachedAnswer } from "@/lib/gateway/cache/store";
import { unitVector } from "@/lib/simulator/content";
import { pgUrl } from "@/lib/testing/env";

const REDIS_DB = Number(process.env.GATEHOUSE_CACHE_BENCH_REDIS_DB ?? "10");
const DATABASE = process.env.GATEHOUSE_CACHE_BENCH_DATABASE ?? "gatehouse_bench_cache";
const SEQUENTIAL = 2_000;
const WARMUP = 200;
const DIMS = 1_536;

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function fmt(s: LatencySummary | null): string {
  return s ? `p50 ${s.p50Ms.toFixed(3)} ms  p90 ${s.p90Ms.toFixed(3)}  p99 ${s.p99Ms.toFixed(3)}  mean ${s.meanMs.toFixed(3)}` : "n/a";
}

/**
 * One request at a time, the specs taking turns (direct, hit, miss, direct, ...),
 * so a busy machine slows all of them alike; also counts the rounds in which the
 * hit answered before the miss.
 */
async function interleaved(specs: Array<{ origin: string; spec: RequestSpec }>, n: number): Promise<{ summaries: Array<LatencySummary | null>; hitBeforeMiss: number }> {
  const clients = specs.map((s) => createClient(s.origin, 1));
  try {
    for (let i = 0; i < WARMUP; i++) for (const [k, s] of specs.entries()) await send(clients[k] as ReturnType<typeof createClient>, s.spec);
    const samples = specs.map(() => new Samples());
    let hitBeforeMiss = 0;
    for (let i = 0; i < n; i++) {
      const took: number[] = [];
      for (const [k, s] of specs.entries()) {
        const t0 = performance.now();
        const status = await send(clients[k] as ReturnType<typeof createClient>, s.spec);
        if (status !== 200) throw new Error(`${s.spec.path}: HTTP ${status}`);
        took.push(performance.now() - t0);
        samples[k]?.push(took[k] ?? 0);
      }
      if ((took[1] ?? 0) < (took[2] ?? 0)) hitBeforeMiss++;
    }
    return { summaries: samples.map((x) => x.summary()), hitBeforeMiss };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function throughput(origin: string, spec: RequestSpec): Promise<number> {
  const client = createClient(origin, 8);
  try {
    const r = await closedLoop(client, spec, { concurrency: 8, durationMs: 5_000, warmupMs: 1_000 });
    return Math.round(r.achievedRps);
  } finally {
    await client.close();
  }
}

async function exactBench(redisUrl: string): Promise<void> {
  const databaseUrl = pgUrl(DATABASE);
  await prepareDatabase(databaseUrl);
  const simulator = spawnTs("simulator", "scripts/simulator.ts", ["--port", "0", "--latency-ms", "0"], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
  });
  const simulatorUrl = (await simulator.waitFor(/simulator listening on (http:\/\/\S+)/))[1] ?? "";
  const seeded = await seed(databaseUrl, simulatorUrl);
  const db = createDb(databaseUrl);
  await db.feature.updateMany({ where: { tenantId: seeded.tenantId }, data: { config: { cache: { exact: { enabled: true, ttlSeconds: 3_600 } } } } });
  await db.$disconnect();
  const gateway = spawnTs("gateway", "server.ts", [], { ...childEnv(databaseUrl, redisUrl), GATEHOUSE_ROLE: "gateway" });
  const gatewayUrl = (await gateway.waitFor(/Gatehouse listening on (http:\/\/\S+)/))[1] ?? "";

  const body = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "What are your opening hours on Sunday?" }], max_tokens: 64 });
  const json = { "content-type": "application/json" };
  const direct: RequestSpec = { method: "POST", path: "/v1/chat/completions", headers: { ...json, authorization: "Bearer sk-bench-upstream-0000000000000000" }, body: body(seeded.upstreamModel) };
  const hit: RequestSpec = { method: "POST", path: "/v1/chat/completions", headers: { ...json, authorization: `Bearer ${seeded.apiKey}` }, body: body(seeded.alias) };
  const miss: RequestSpec = { ...hit, headers: { ...hit.headers, "cache-control": "no-cache" } };

  // The first request stores the answer; check the hit really is one.
  const probe = await fetch(`${gatewayUrl}${hit.path}`, { method: "POST", headers: hit.headers, body: hit.body });
  await probe.arrayBuffer();
  const again = await fetch(`${gatewayUrl}${hit.path}`, { method: "POST", headers: hit.headers, body: hit.body });
  await again.arrayBuffer();
  if (again.headers.get("x-gatehouse-cache") !== "hit") throw new Error(`expected a cache hit, got ${again.headers.get("x-gatehouse-cache")}`);

  log(`\n## Exact cache: one request at a time, taking turns, ${SEQUENTIAL} rounds after ${WARMUP} warm-up`);
  const { summaries, hitBeforeMiss } = await interleaved(
    [
      { origin: simulatorUrl, spec: direct },
      { origin: gatewayUrl, spec: hit },
      { origin: gatewayUrl, spec: miss },
    ],
    SEQUENTIAL,
  );
  const [d, h, m] = summaries;
  log(`direct simulator (0 ms)   ${fmt(d ?? null)}`);
  log(`gateway, cache hit        ${fmt(h ?? null)}`);
  log(`gateway, miss (no-cache)  ${fmt(m ?? null)}`);
  if (h && m) log(`hit vs the gateway calling the simulator at 0 ms: ${h.p50Ms < m.p50Ms ? "FASTER" : "SLOWER"} at p50 (${(h.p50Ms - m.p50Ms).toFixed(3)} ms); hit first in ${hitBeforeMiss}/${SEQUENTIAL} rounds`);
  if (h && d) log(`hit vs the simulator alone:                   ${h.p50Ms < d.p50Ms ? "FASTER" : "SLOWER"} at p50 (${(h.p50Ms - d.p50Ms).toFixed(3)} ms)`);
  log(`\n## Closed loop, 8 connections, 5 s`);
  log(`direct simulator (0 ms)   ${await throughput(simulatorUrl, direct)} req/s`);
  log(`gateway, cache hit        ${await throughput(gatewayUrl, hit)} req/s`);
  log(`gateway, miss (no-cache)  ${await throughput(gatewayUrl, miss)} req/s`);
  await gateway.stop();
  await simulator.stop();
}

function entry(i: number): CachedAnswer {
  return {
    v: 1,
    storedAt: Date.now(),
    target: "sim-openai/sim-primary",
    costMicros: "120",
    usage: { promptTokens: 20, completionTokens: 40, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    completion: {
      id: `chatcmpl-${i}`,
      object: "chat.completion",
      created: 1,
      model: "sim-primary",
      choices: [{ index: 0, message: { role: "assistant", content: `answer ${i}`, refusal: null }, finish_reason: "stop", logprobs: null }],
    },
  };
}

async function semanticBench(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  onCleanup(async () => redis.disconnect());
  log(`\n## Semantic lookup, one scope, ${DIMS} dimensions (exact scan; the gateway bounds a scope at ${MAX_SCOPE_ENTRIES})`);
  for (const n of [1_000, MAX_SCOPE_ENTRIES, 10_000]) {
    const tenantId = `ten_bench${n}`;
    const scope = `bench-${n}-${Date.now()}`;
    const writer = new ResponseCacheStore(redis, { maxScopeEntries: n });
    const vectors = Array.from({ length: n }, (_, i) => unitVector(`customer question number ${i} about topic ${i % 97}`, DIMS, "bench"));
    const t0 = performance.now();
    for (let i = 0; i < n; i += 200) {
      await Promise.all(vectors.slice(i, i + 200).map((v, j) => writer.storeSemantic(tenantId, scope, v, entry(i + j), 3_600)));
    }
    const storeMs = performance.now() - t0;

    const reader = new ResponseCacheStore(redis, { maxScopeEntries: n });
    const r0 = performance.now();
    await reader.lookup({ tenantId, exactDigest: null, scopeDigest: scope });
    const rebuildMs = performance.now() - r0;

    const queries = Array.from({ length: 200 }, (_, i) => Float32Array.from(unitVector(`customer question number ${i * 7} about topic ${(i * 7) % 97}!`, DIMS, "bench")));
    const lookup = new Samples();
    const scan = new Samples();
    let hits = 0;
    for (const q of queries) {
      const l0 = performance.now();
      await reader.lookup({ tenantId, exactDigest: "none", scopeDigest: scope });
      const s0 = performance.now();
      if (reader.nearest(tenantId, scope, q, 0.9)) hits++;
      const s1 = performance.now();
      lookup.push(s1 - l0);
      scan.push(s1 - s0);
    }
    log(`${String(n).padStart(6)} entries: store ${(storeMs / n).toFixed(3)} ms/entry; rebuild ${rebuildMs.toFixed(1)} ms (once per scope and instance)`);
    log(`        lookup (1 round trip + scan)  ${fmt(lookup.summary())}`);
    log(`        scan alone                    ${fmt(scan.summary())}   (${hits}/${queries.length} queries found a neighbour >= 0.9)`);
  }
}

async function main(): Promise<void> {
  const base = new URL(process.env.TEST_REDIS_BASE_URL ?? "redis://127.0.0.1:6379");
  base.pathname = `/${REDIS_DB}`;
  const redisUrl = base.toString();
  if (REDIS_DB === 0) throw new Error("refusing to flush Redis db 0");
  const r = new Redis(redisUrl);
  await r.flushdb();
  r.disconnect();
  log(`# bench/cache.ts  (Redis ${redisUrl}, database ${DATABASE}; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(1)).join(" ")})`);
  await exactBench(redisUrl);
  await semanticBench(redisUrl);
}

process.on("SIGINT", () => void stopEverything().then(() => process.exit(130)));
main()
  .then(() => stopEverything())
  .catch(async (err: unknown) => {
    console.error(err);
    await stopEverything();
    process.exitCode = 1;
  });
