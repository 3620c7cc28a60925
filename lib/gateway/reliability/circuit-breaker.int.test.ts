import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "@/lib/redis";
import { childEnv, eventually, spawnEntry } from "@/lib/testing/spawn";
import { CIRCUIT_KEY_PREFIX, CircuitBreaker, type CircuitPolicy, type CircuitTransition } from "./circuit-breaker";

// Real Redis (the int project's db). Time is injected (`now` arguments): no sleeps.
let redis: Redis;
const extra: Redis[] = [];

beforeAll(() => {
  redis = createRedis({}, process.env.REDIS_URL);
});
afterAll(async () => {
  await Promise.all([redis, ...extra].map((r) => r.quit()));
});

const target = (): string => `tgt_test_${randomUUID()}`;
const T0 = 1_800_000_000_000;
const policy: CircuitPolicy = { failureThreshold: 3, cooldownMs: 30_000, probeTimeoutMs: 10_000 };

/** A breaker with no local view, so every call reads Redis, and a log of its transitions. */
function breaker(opts: { localCacheMs?: number; redis?: Redis } = {}): { b: CircuitBreaker; events: CircuitTransition[] } {
  const b = new CircuitBreaker({ redis: opts.redis ?? redis, localCacheMs: opts.localCacheMs ?? 0 });
  const events: CircuitTransition[] = [];
  b.on("transition", (t) => events.push(t));
  return { b, events };
}

async function openCircuit(b: CircuitBreaker, id: string, at = T0): Promise<void> {
  for (let i = 0; i < policy.failureThreshold; i++) await b.recordFailure(id, policy, false, at);
}

describe("closed -> open", () => {
  it("opens after failureThreshold consecutive failures, not before", async () => {
    const { b, events } = breaker();
    const id = target();
    expect(await b.acquire(id, policy, T0)).toEqual({ allowed: true, state: "closed", probe: false, source: "redis" });
    expect(await b.recordFailure(id, policy, false, T0)).toBe("closed");
    expect(await b.recordFailure(id, policy, false, T0 + 1)).toBe("closed");
    expect((await b.acquire(id, policy, T0 + 2)).allowed).toBe(true);
    expect(await b.recordFailure(id, policy, false, T0 + 3)).toBe("open");
    expect(await b.acquire(id, policy, T0 + 4)).toEqual({ allowed: false, state: "open", probe: false, source: "redis" });
    expect(events).toEqual([
      { targetId: id, from: "closed", to: "open", failures: 3, at: T0 + 3, openUntil: T0 + 3 + 30_000, cause: "failures" },
    ]);
    // one key per target, prefixed, expiring
    expect(await redis.hget(CIRCUIT_KEY_PREFIX + id, "s")).toBe("open");
    expect(await redis.pttl(CIRCUIT_KEY_PREFIX + id)).toBeGreaterThan(0);
  });

  it("takes the threshold from the policy", async () => {
    const { b } = breaker();
    const id = target();
    const one = { ...policy, failureThreshold: 1 };
    expect(await b.recordFailure(id, one, false, T0)).toBe("open");
    const id2 = target();
    const ten = { ...policy, failureThreshold: 10 };
    for (let i = 0; i < 9; i++) expect(await b.recordFailure(id2, ten, false, T0)).toBe("closed");
    expect(await b.recordFailure(id2, ten, false, T0)).toBe("open");
  });

  it("a success breaks the streak", async () => {
    const { b } = breaker();
    const id = target();
    await b.recordFailure(id, policy, false, T0);
    await b.recordFailure(id, policy, false, T0);
    await b.recordSuccess(id, policy, false, T0);
    expect(await redis.exists(CIRCUIT_KEY_PREFIX + id)).toBe(0);
    await b.recordFailure(id, policy, false, T0);
    expect(await b.recordFailure(id, policy, false, T0)).toBe("closed");
    expect((await b.getStates([id], T0))[0]).toMatchObject({ state: "closed", failures: 2 });
  });

  it("a quiet spell of streakResetMs forgets the streak", async () => {
    const { b } = breaker();
    const id = target();
    const p = { ...policy, streakResetMs: 60_000 };
    await b.recordFailure(id, p, false, T0);
    await b.recordFailure(id, p, false, T0 + 1_000);
    expect(await b.recordFailure(id, p, false, T0 + 1_000 + 60_000)).toBe("closed");
    expect(await b.recordFailure(id, p, false, T0 + 62_000)).toBe("closed");
    expect(await b.recordFailure(id, p, false, T0 + 63_000)).toBe("open");
  });
});

describe("open -> half_open -> closed | open", () => {
  it("refuses during the cool-down, then admits one probe whose success closes the circuit", async () => {
    const { b, events } = breaker();
    const id = target();
    await openCircuit(b, id);
    expect((await b.acquire(id, policy, T0 + 29_999)).allowed).toBe(false);
    const probe = await b.acquire(id, policy, T0 + 30_000);
    expect(probe).toEqual({ allowed: true, state: "half_open", probe: true, source: "redis" });
    expect(await b.acquire(id, policy, T0 + 30_001)).toEqual({ allowed: false, state: "half_open", probe: false, source: "redis" });
    // a late success of a request admitted before the circuit opened does not close it
    await b.recordSuccess(id, policy, false, T0 + 30_002);
    expect((await b.getStates([id], T0 + 30_002))[0]?.state).toBe("half_open");
    await b.recordSuccess(id, policy, true, T0 + 30_500);
    expect(await b.acquire(id, policy, T0 + 30_501)).toEqual({ allowed: true, state: "closed", probe: false, source: "redis" });
    expect(events.map((e) => [e.from, e.to, e.cause])).toEqual([
      ["closed", "open", "failures"],
      ["open", "half_open", "cooldown_elapsed"],
      ["half_open", "closed", "probe_succeeded"],
    ]);
  });

  it("a failed probe opens the circuit for another cool-down", async () => {
    const { b, events } = breaker();
    const id = target();
    await openCircuit(b, id);
    expect((await b.acquire(id, policy, T0 + 30_000)).probe).toBe(true);
    expect(await b.recordFailure(id, policy, true, T0 + 31_000)).toBe("open");
    expect((await b.acquire(id, policy, T0 + 60_999)).allowed).toBe(false);
    expect((await b.acquire(id, policy, T0 + 61_000)).probe).toBe(true);
    expect(events.at(-2)).toMatchObject({ from: "half_open", to: "open", cause: "probe_failed", at: T0 + 31_000, openUntil: T0 + 61_000 });
    expect(events.at(-1)).toMatchObject({ from: "open", to: "half_open" });
  });

  it("a failure reported while open does not extend the cool-down", async () => {
    const { b } = breaker();
    const id = target();
    await openCircuit(b, id);
    expect(await b.recordFailure(id, policy, false, T0 + 20_000)).toBe("open");
    expect((await b.acquire(id, policy, T0 + 30_000)).probe).toBe(true);
  });

  it("a probe that never reports holds the lease for probeTimeoutMs, then the next acquire probes", async () => {
    const { b } = breaker();
    const id = target();
    await openCircuit(b, id);
    expect((await b.acquire(id, policy, T0 + 30_000)).probe).toBe(true);
    expect((await b.acquire(id, policy, T0 + 39_999)).allowed).toBe(false);
    expect(await b.acquire(id, policy, T0 + 40_000)).toEqual({ allowed: true, state: "half_open", probe: true, source: "redis" });
  });

  it("releaseProbe lets the next acquire probe at once", async () => {
    const { b } = breaker();
    const id = target();
    await openCircuit(b, id);
    expect((await b.acquire(id, policy, T0 + 30_000)).probe).toBe(true);
    expect((await b.acquire(id, policy, T0 + 30_001)).allowed).toBe(false);
    await b.releaseProbe(id);
    expect(await b.acquire(id, policy, T0 + 30_002)).toEqual({ allowed: true, state: "half_open", probe: true, source: "redis" });
    // no-op on a closed circuit
    const closed = target();
    await b.releaseProbe(closed);
    expect(await redis.exists(CIRCUIT_KEY_PREFIX + closed)).toBe(0);
  });

  it("admits exactly one probe when 20 acquires on 4 connections race in half-open", async () => {
    const { b } = breaker();
    const id = target();
    await openCircuit(b, id);
    const conns = Array.from({ length: 4 }, () => createRedis({}, process.env.REDIS_URL));
    extra.push(...conns);
    const breakers = conns.map((r) => new CircuitBreaker({ redis: r, localCacheMs: 0 }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (breakers[i % 4] as CircuitBreaker).acquire(id, policy, T0 + 30_000 + i)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(1);
    expect(results.filter((r) => r.probe)).toHaveLength(1);
    expect(results.every((r) => r.state === "half_open")).toBe(true);
  });
});

describe("admin overrides and reset", () => {
  it("forced_open refuses a healthy target and forced_closed admits an open one, without touching Redis", async () => {
    const { b } = breaker();
    const healthy = target();
    expect(await b.acquire(healthy, { ...policy, override: "forced_open" }, T0)).toEqual({
      allowed: false,
      state: "forced_open",
      probe: false,
      source: "override",
    });
    const open = target();
    await openCircuit(b, open);
    const before = await redis.hgetall(CIRCUIT_KEY_PREFIX + open);
    const forced = { ...policy, override: "forced_closed" as const };
    expect(await b.acquire(open, forced, T0 + 1)).toEqual({ allowed: true, state: "forced_closed", probe: false, source: "override" });
    await b.recordFailure(open, forced, false, T0 + 2);
    await b.recordSuccess(open, forced, false, T0 + 3);
    expect(await redis.hgetall(CIRCUIT_KEY_PREFIX + open)).toEqual(before);
    // lifting the override hands back to the stored state
    expect((await b.acquire(open, policy, T0 + 4)).state).toBe("open");
  });

  it("reset closes the circuit and says so", async () => {
    const { b, events } = breaker();
    const id = target();
    await openCircuit(b, id);
    await b.reset(id, T0 + 5);
    expect(await b.acquire(id, policy, T0 + 6)).toMatchObject({ allowed: true, state: "closed" });
    expect(events.at(-1)).toMatchObject({ from: "open", to: "closed", cause: "reset" });
  });
});

describe("getStates", () => {
  it("reports many targets at once, an open circuit past its cool-down as half_open", async () => {
    const { b } = breaker();
    const [fresh, streak, open, cooled] = [target(), target(), target(), target()];
    await b.recordFailure(streak, policy, false, T0);
    await openCircuit(b, open, T0);
    await openCircuit(b, cooled, T0 - 40_000);
    expect(await b.getStates([fresh, streak, open, cooled], T0 + 1)).toEqual([
      { targetId: fresh, state: "closed", failures: 0, openedAt: null, openUntil: null },
      { targetId: streak, state: "closed", failures: 1, openedAt: null, openUntil: null },
      { targetId: open, state: "open", failures: 3, openedAt: T0, openUntil: T0 + 30_000 },
      { targetId: cooled, state: "half_open", failures: 3, openedAt: T0 - 40_000, openUntil: T0 - 10_000 },
    ]);
    expect(await b.getStates([])).toEqual([]);
  });
});

describe("the local view (hot path)", () => {
  it("serves a healthy target from memory for localCacheMs, then sees another instance's opening", async () => {
    const { b: local } = breaker({ localCacheMs: 500 });
    const { b: other } = breaker();
    const id = target();
    expect((await local.acquire(id, policy, T0)).source).toBe("redis");
    expect(await local.acquire(id, policy, T0 + 100)).toEqual({ allowed: true, state: "closed", probe: false, source: "local" });
    await openCircuit(other, id, T0 + 150);
    // stale by design for at most localCacheMs, plus the round trip of the background refresh
    expect((await local.acquire(id, policy, T0 + 499)).source).toBe("local");
    expect(await local.acquire(id, policy, T0 + 500)).toEqual({ allowed: true, state: "closed", probe: false, source: "local" });
    // the refresh (started by that acquire) finds the streak and drops the view: the next acquire asks Redis
    await local.refreshed();
    expect(await local.acquire(id, policy, T0 + 501)).toEqual({ allowed: false, state: "open", probe: false, source: "redis" });
    // and an open circuit is refused from memory until the cool-down ends
    expect(await local.acquire(id, policy, T0 + 900)).toEqual({ allowed: false, state: "open", probe: false, source: "local" });
  });

  it("never makes a request wait on Redis while a target in use stays healthy: the view is refreshed in the background", async () => {
    const { b: local } = breaker({ localCacheMs: 500 });
    const id = target();
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      // commands a Lua script runs show up too (source "lua"): count the round trips only
      if (source !== "lua" && args.some((a) => a.includes(id))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      expect((await local.acquire(id, policy, T0)).source).toBe("redis");
      // expired 100 ms ago: answered from memory, refreshed behind it (read only: an HMGET)
      expect(await local.acquire(id, policy, T0 + 600)).toEqual({ allowed: true, state: "closed", probe: false, source: "local" });
      await local.refreshed();
      // the refresh kept the view for another localCacheMs from T0 + 600
      expect((await local.acquire(id, policy, T0 + 1_099)).source).toBe("local");
      // staler than 2 x localCacheMs (the target sat idle): asked inline
      expect((await local.acquire(id, policy, T0 + 2_000)).source).toBe("redis");
      await eventually(async () => (commands.filter((c) => c === "evalsha").length === 2 ? true : undefined));
      expect(commands).toEqual(["evalsha", "hmget", "evalsha"]);
    } finally {
      monitor.disconnect();
    }
  });

  it("skips the success write while the target has no streak, and writes it when it has one", async () => {
    const { b: local } = breaker({ localCacheMs: 500 });
    const { b: other } = breaker();
    const id = target();
    await local.acquire(id, policy, T0);
    await other.recordFailure(id, policy, false, T0 + 1);
    await local.recordSuccess(id, policy, false, T0 + 2);
    // skipped: this process last saw no failures
    expect(await redis.hget(CIRCUIT_KEY_PREFIX + id, "f")).toBe("1");
    // past the background-refresh window: asked inline, sees the streak
    await local.acquire(id, policy, T0 + 1_100);
    await local.recordSuccess(id, policy, false, T0 + 1_101);
    expect(await redis.exists(CIRCUIT_KEY_PREFIX + id)).toBe(0);
  });

  it("drops the view on its own failure", async () => {
    const { b } = breaker({ localCacheMs: 60_000 });
    const id = target();
    await b.acquire(id, { ...policy, failureThreshold: 1 }, T0);
    await b.recordFailure(id, { ...policy, failureThreshold: 1 }, false, T0 + 1);
    expect(await b.acquire(id, policy, T0 + 2)).toMatchObject({ allowed: false, state: "open" });
  });
});

describe("Redis unavailable", () => {
  it("fails open and drops outcomes instead of failing requests", async () => {
    const dead = createRedis(
      { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null },
      "redis://127.0.0.1:1/0",
    );
    dead.on("error", () => undefined);
    try {
      const b = new CircuitBreaker({ redis: dead, localCacheMs: 0, redisTimeoutMs: 200 });
      expect(await b.acquire(target(), policy, T0)).toEqual({ allowed: true, state: "closed", probe: false, source: "redis_error" });
      expect(await b.recordFailure(target(), policy, false, T0)).toBeNull();
      await expect(b.recordSuccess(target(), policy, true, T0)).resolves.toBeUndefined();
    } finally {
      dead.disconnect();
    }
  });
});

describe("shared by processes", () => {
  const child = (env: Record<string, string>) =>
    spawnEntry(
      "lib/gateway/reliability/fixtures/breaker-child.ts",
      childEnv({ REDIS_URL: process.env.REDIS_URL, THRESHOLD: "3", COOLDOWN_MS: "30000", ...env }),
    );

  it("a circuit opened by another process is open here, and its half-open probe is granted once across both", async () => {
    const { b } = breaker();
    const id = target();
    const opener = child({ TARGET_ID: id, ACTION: "fail", FAILURES: "3", NOW: String(T0) });
    try {
      const m = await opener.waitFor(/RESULT (.+)/);
      const out = JSON.parse(m[1] ?? "{}") as { pid: number; states: string[]; transitions: CircuitTransition[] };
      expect(out.pid).not.toBe(process.pid);
      expect(out.states).toEqual(["closed", "closed", "open"]);
      expect(out.transitions).toHaveLength(1);
    } finally {
      opener.kill();
    }
    expect(await b.acquire(id, policy, T0 + 1)).toEqual({ allowed: false, state: "open", probe: false, source: "redis" });

    const prober = child({ TARGET_ID: id, ACTION: "acquire", NOW: String(T0 + 30_000) });
    try {
      const m = await prober.waitFor(/RESULT (.+)/);
      const out = JSON.parse(m[1] ?? "{}") as { result: unknown };
      expect(out.result).toEqual({ allowed: true, state: "half_open", probe: true, source: "redis" });
    } finally {
      prober.kill();
    }
    expect(await b.acquire(id, policy, T0 + 30_001)).toEqual({ allowed: false, state: "half_open", probe: false, source: "redis" });
  });
});
