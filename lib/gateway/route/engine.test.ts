import { describe, expect, it } from "vitest";
import type { AcquireResult, CircuitBreaker } from "@/lib/gateway/reliability/circuit-breaker";
import { DEFAULT_BACKOFF } from "@/lib/gateway/reliability/backoff";
import { runChain } from "@/lib/gateway/route/engine";
import type { PlannedTarget, RoutePlan } from "@/lib/gateway/route/plan";

/**
 * Load-balanced groups in the engine: targets at one position are tried in
 * a weighted random order; a target skipped (circuit open, kill switch)
 * leaves its turn to the rest of its group before the next position.
 */

function target(id: string, position: number, weight: number, extra: Partial<PlannedTarget> = {}): PlannedTarget {
  return {
    id,
    routeTargetId: id,
    label: `sim/${id}`,
    providerName: "sim",
    providerKind: "openai",
    modelId: `mdl_${id}`,
    modelName: id,
    position,
    weight,
    timeoutMs: 1_000,
    maxRetries: 0,
    policy: { failureThreshold: 5, cooldownMs: 30_000 },
    supportsEmbeddings: false,
    target: { kind: "openai", baseUrl: "http://127.0.0.1:1", apiKey: "k", model: id, config: {} },
    unusable: null,
    ...extra,
  };
}

function plan(targets: PlannedTarget[]): RoutePlan {
  return {
    name: "lb",
    kind: "route",
    routeId: "rte_lb",
    featureId: null,
    totalTimeoutMs: 10_000,
    fallbackTimeoutMs: null,
    staticAnswer: null,
    backoff: DEFAULT_BACKOFF,
    targets,
  };
}

/** A breaker whose open circuits are a fixed set; nothing is written. */
function breaker(open: ReadonlySet<string> = new Set()): CircuitBreaker {
  const fake = {
    acquire: (id: string): Promise<AcquireResult> =>
      Promise.resolve(open.has(id) ? { allowed: false, state: "open", probe: false, source: "local" } : { allowed: true, state: "closed", probe: false, source: "local" }),
    recordFailure: () => Promise.resolve(null),
    recordSuccess: () => Promise.resolve(),
    releaseProbe: () => Promise.resolve(),
  };
  return fake as unknown as CircuitBreaker;
}

/** Deterministic uniform [0, 1) (Park-Miller). */
function seeded(seed = 7): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

async function servedBy(p: RoutePlan, opts: { open?: Set<string>; random: () => number; failing?: Set<string> }): Promise<{ served: string | null; tried: string[] }> {
  const tried: string[] = [];
  const res = await runChain({ plan: p, callerTimeoutMs: null, breaker: breaker(opts.open), random: opts.random }, (t) => {
    tried.push(t.id);
    if (opts.failing?.has(t.id)) return Promise.reject(new Error("boom"));
    return Promise.resolve(t.id);
  });
  return { served: res.ok ? res.value : null, tried };
}

describe("runChain with a load-balanced group", () => {
  const group = () => plan([target("a", 0, 3), target("b", 0, 1), target("c", 1, 1)]);

  it("picks among the group by weight with the injected random source", async () => {
    // 0.5 * 4 = 2 falls in a's share [0, 3); 0.9 * 4 = 3.6 in b's [3, 4)
    expect((await servedBy(group(), { random: () => 0.5 })).served).toBe("a");
    expect((await servedBy(group(), { random: () => 0.9 })).served).toBe("b");
  });

  it("spreads traffic 3:1 across many requests and never sends the first try to the next position", async () => {
    const random = seeded();
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 2_000;
    for (let i = 0; i < n; i++) {
      const { served } = await servedBy(group(), { random });
      if (served) counts[served] = (counts[served] ?? 0) + 1;
    }
    expect(counts.c).toBe(0);
    // Binomial(2000, 0.75): sd ~ 19.4; 4 sd either side.
    expect(counts.a).toBeGreaterThan(1500 - 78);
    expect(counts.a).toBeLessThan(1500 + 78);
    expect((counts.a ?? 0) + (counts.b ?? 0)).toBe(n);
  });

  it("a target whose circuit is open is skipped: the rest of its group takes all of its share", async () => {
    const random = seeded(11);
    for (let i = 0; i < 200; i++) {
      const { served, tried } = await servedBy(group(), { random, open: new Set(["a"]) });
      expect(served).toBe("b");
      expect(tried).toEqual(["b"]);
    }
  });

  it("a target switched off by a kill switch is skipped like an open circuit", async () => {
    const p = plan([target("a", 0, 3, { killSwitch: "target:a" }), target("b", 0, 1), target("c", 1, 1)]);
    const res = await runChain({ plan: p, callerTimeoutMs: null, breaker: breaker(), random: () => 0 }, (t) => Promise.resolve(t.id));
    expect(res.ok && res.value).toBe("b");
    expect(res.attempts.map((a) => [a.targetId, a.status, a.errorClass])).toEqual([
      ["a", "skipped", "kill_switch"],
      ["b", "ok", null],
    ]);
  });

  it("the rest of the group is the first fallback, then the next position", async () => {
    // a picked first and fails -> b (same group) -> c only when b fails too.
    expect(await servedBy(group(), { random: () => 0, failing: new Set(["a"]) })).toEqual({ served: "b", tried: ["a", "b"] });
    expect(await servedBy(group(), { random: () => 0, failing: new Set(["a", "b"]) })).toEqual({ served: "c", tried: ["a", "b", "c"] });
    // b picked first (0.9), a next.
    expect(await servedBy(group(), { random: () => 0.9, failing: new Set(["b"]) })).toEqual({ served: "a", tried: ["b", "a"] });
  });

  it("a whole group open falls through to the next position", async () => {
    expect(await servedBy(group(), { random: () => 0.3, open: new Set(["a", "b"]) })).toEqual({ served: "c", tried: ["c"] });
  });
});
