/**
 * Circuit breakers shared by two gateway processes (their state lives in
 * Redis): a circuit opened by failures seen in process 1 makes process 2 skip
 * the target without calling it; after the cool-down one probe goes through,
 * and its outcome closes or re-opens the circuit. Admin overrides: forced
 * open is never called, forced closed is always called. Every test runs
 * through both adapters (node:http at /v1, the Web adapter at /api/v1).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { CircuitBreaker, type CircuitStatus } from "@/lib/gateway/reliability/circuit-breaker";
import { addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { testEnv } from "@/lib/testing/env";
import { ADAPTERS, eventually, openai, problemLines, startGateway, startSim, type GatewayHandle, type SimHandle } from "./harness";

const COOLDOWN_MS = 1_500;

let db: Db;
let sim: SimHandle;
let gw1: GatewayHandle;
let gw2: GatewayHandle;
let t: TestTenant;
let redis: Redis;
let breaker: CircuitBreaker;
let cbPrimary: string;
const ids: Record<string, string> = {};

// The simulator and the breaker's Redis view are shared; each adapter gets its own tenant
// (so its own target ids, so its own circuits) and its own two gateway processes.
beforeAll(async () => {
  db = createDb();
  sim = await startSim();
  redis = new Redis(testEnv.REDIS_URL, { maxRetriesPerRequest: 1 });
  breaker = new CircuitBreaker({ redis, localCacheMs: 0 });
});

afterAll(async () => {
  await sim?.sim.close();
  redis?.disconnect();
  await db?.$disconnect();
});

beforeEach(() => sim.sim.reset());

async function ask(gw: GatewayHandle, alias: string): Promise<{ target: string | null; attempts: string | null }> {
  const { response } = await openai(gw.url, t.key).chat.completions.create({ model: alias, messages: [{ role: "user", content: "status?" }] }).withResponse();
  return { target: response.headers.get("x-gatehouse-target"), attempts: response.headers.get("x-gatehouse-attempts") };
}

async function state(targetId: string): Promise<CircuitStatus> {
  const [s] = await breaker.getStates([targetId]);
  if (!s) throw new Error("no state");
  return s;
}

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  beforeAll(async () => {
    t = await createTestTenant(db, `circuit-${adapter}`);
    const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
    const m = async (name: string) => addModel(db, t.tenantId, providerId, name);
    const cb = await addRoute(db, t.tenantId, {
      alias: "cb",
      targets: [{ modelId: await m("cb-p"), failureThreshold: 2, cooldownMs: COOLDOWN_MS, maxRetries: 0 }, { modelId: await m("cb-f") }],
    });
    cbPrimary = cb.targetIds[0] ?? "";
    const fo = await addRoute(db, t.tenantId, { alias: "forced-open", targets: [{ modelId: await m("fo-p"), circuitOverride: "forced_open" }, { modelId: await m("fo-f") }] });
    const fc = await addRoute(db, t.tenantId, {
      alias: "forced-closed",
      targets: [{ modelId: await m("fc-p"), circuitOverride: "forced_closed", failureThreshold: 1 }, { modelId: await m("fc-f") }],
    });
    ids.fo = fo.targetIds[0] ?? "";
    ids.fc = fc.targetIds[0] ?? "";
    [gw1, gw2] = await Promise.all([startGateway({}, adapter), startGateway({}, adapter)]);
  });

  afterAll(() => {
    gw1?.child.kill();
    gw2?.child.kill();
  });

  describe("a circuit shared by two gateway processes", () => {
    let opened: CircuitStatus;

    it("opens after its threshold of failures in process 1", async () => {
      sim.sim.configure({ match: { model: "cb-p" }, fault: "500" });
      expect((await ask(gw1, "cb")).target).toBe("sim-openai/cb-f");
      expect((await state(cbPrimary)).state).toBe("closed");
      expect((await ask(gw1, "cb")).target).toBe("sim-openai/cb-f");
      opened = await state(cbPrimary);
      expect(opened).toMatchObject({ state: "open", failures: 2 });
      expect(sim.sim.requests({ model: "cb-p" })).toHaveLength(2);
    });

    it("process 2 skips the open target without calling it", async () => {
      const r = await ask(gw2, "cb");
      expect(r).toEqual({ target: "sim-openai/cb-f", attempts: "1" });
      expect(sim.sim.requests({ model: "cb-p" })).toHaveLength(0);
      expect(sim.sim.requests({ model: "cb-f" })).toHaveLength(1);
    });

    it("half-opens after the cool-down: one probe, which fails and opens it again", async () => {
      sim.sim.configure({ match: { model: "cb-p" }, fault: "500" });
      await eventually(async () => {
        await ask(gw2, "cb");
        return sim.sim.requests({ model: "cb-p" }).length > 0 ? true : undefined;
      }, { what: "a probe to cb-p" });
      const probes = sim.sim.requests({ model: "cb-p" });
      expect(probes).toHaveLength(1);
      expect(Date.parse(probes[0]?.at ?? "")).toBeGreaterThanOrEqual(opened.openUntil ?? Infinity);
      const reopened = await state(cbPrimary);
      expect(reopened.state).toBe("open");
      expect(reopened.openedAt ?? 0).toBeGreaterThan(opened.openedAt ?? 0);
      opened = reopened;
    });

    it("a successful probe after the next cool-down closes it, for both processes", async () => {
      sim.sim.configure({ match: { model: "cb-p" }, reply: "the primary is back" });
      const served = await eventually(async () => {
        const r = await ask(gw1, "cb");
        return r.target === "sim-openai/cb-p" ? r : undefined;
      }, { what: "cb-p answering again" });
      expect(served.attempts).toBe("1");
      const calls = sim.sim.requests({ model: "cb-p" });
      expect(Date.parse(calls[0]?.at ?? "")).toBeGreaterThanOrEqual(opened.openUntil ?? Infinity);
      expect((await state(cbPrimary)).state).toBe("closed");
      expect((await ask(gw2, "cb")).target).toBe("sim-openai/cb-p");
    });
  });

  describe("admin overrides", () => {
    it("forced open: never called, whatever its health", async () => {
      for (const gw of [gw1, gw2]) expect(await ask(gw, "forced-open")).toEqual({ target: "sim-openai/fo-f", attempts: "1" });
      expect(sim.sim.requests({ model: "fo-p" })).toHaveLength(0);
    });

    it("forced closed: always called, even past its failure threshold", async () => {
      sim.sim.configure({ match: { model: "fc-p" }, fault: "500" });
      for (let i = 0; i < 3; i++) expect((await ask(gw1, "forced-closed")).target).toBe("sim-openai/fc-f");
      expect(sim.sim.requests({ model: "fc-p" })).toHaveLength(3);
      expect((await state(ids.fc ?? "")).state).toBe("closed");
    });
  });

  describe("the gateway processes", () => {
    it("logged no error", () => {
      expect([...problemLines(gw1.child), ...problemLines(gw2.child)]).toEqual([]);
    });
  });
});
