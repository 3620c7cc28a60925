/**
 * Micro-benchmark of the circuit breaker's hot path (not a test): Redis
 * commands (= round trips when sequential) and µs per acquire / per request
 * cycle, with and without the local view. Uses $REDIS_URL (default the local
 * Redis, db 0); its keys are `gh:cb:bench_*` and are deleted at the end.
 *
 *   npx tsx lib/gateway/reliability/bench.ts [iterations]
 */
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { CircuitBreaker, type CircuitPolicy } from "./circuit-breaker";

const N = Number(process.argv[2] ?? 20_000);
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { enableAutoPipelining: true, maxRetriesPerRequest: 2 });

let commands = 0;
const send = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
  commands++;
  return send(...args);
}) as Redis["sendCommand"];

const policy: CircuitPolicy = { failureThreshold: 5, cooldownMs: 30_000 };
const run = `bench_${process.pid}_${Date.now()}`;
const rows: Array<{ case: string; ops: number; "µs/op": string; "redis cmds/op": string }> = [];

async function measure(name: string, ops: number, fn: (i: number) => Promise<unknown>, parallel = 1): Promise<void> {
  for (let i = 0; i < Math.min(200, ops); i++) await fn(i); // warm-up (script load, JIT)
  const before = commands;
  const start = performance.now();
  if (parallel === 1) {
    for (let i = 0; i < ops; i++) await fn(i);
  } else {
    for (let i = 0; i < ops; i += parallel) {
      await Promise.all(Array.from({ length: Math.min(parallel, ops - i) }, (_, j) => fn(i + j)));
    }
  }
  const us = ((performance.now() - start) * 1000) / ops;
  rows.push({ case: name, ops, "µs/op": us.toFixed(2), "redis cmds/op": ((commands - before) / ops).toFixed(4) });
}

try {
  await redis.ping();
  const cached = new CircuitBreaker({ redis, localCacheMs: 500 });
  const uncached = new CircuitBreaker({ redis, localCacheMs: 0 });
  const healthy = `${run}_healthy`;
  const open = `${run}_open`;
  for (let i = 0; i < policy.failureThreshold; i++) await uncached.recordFailure(open, policy, false);

  await measure("acquire, healthy, local view 500 ms", N, () => cached.acquire(healthy, policy));
  await measure("acquire, healthy, no local view (1 EVALSHA)", N, () => uncached.acquire(healthy, policy));
  await measure("acquire, healthy, no local view, 100 concurrent", N, () => uncached.acquire(healthy, policy), 100);
  await measure("request cycle (acquire + success), local view", N, async () => {
    const a = await cached.acquire(healthy, policy);
    await cached.recordSuccess(healthy, policy, a.probe);
  });
  await measure("request cycle (acquire + success), no local view", N, async () => {
    const a = await uncached.acquire(healthy, policy);
    await uncached.recordSuccess(healthy, policy, a.probe);
  });
  await measure("acquire, open circuit, local view", N, () => cached.acquire(open, policy));
  await measure("acquire, forced_closed override", N, () => cached.acquire(healthy, { ...policy, override: "forced_closed" }));
  await measure("getStates, 20 targets (1 pipeline)", Math.ceil(N / 20), () =>
    cached.getStates(Array.from({ length: 20 }, (_, i) => `${run}_${i}`)),
  );

  console.log(`circuit breaker micro-benchmark, ${N} ops per case, Redis ${redis.options.host}:${redis.options.port}/${redis.options.db ?? 0}`);
  console.table(rows);
  console.log(
    "Round trips per request on the happy path: 0 with the local view (1 EVALSHA per target per localCacheMs per process); 1 without it (the success write is skipped while the target has no failure streak).",
  );
} finally {
  const keys = await redis.keys(`gh:cb:${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
