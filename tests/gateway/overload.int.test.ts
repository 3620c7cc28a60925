/**
 * Load shedding on request bodies (GATEHOUSE_MAX_INFLIGHT_BODY_BYTES): the
 * gateway runs with a capped heap (issue 3, "Speed": RSS under 300 MB), so it
 * holds at most this many bytes of request bodies at once. A request past it
 * is answered 503 `overloaded` with `retry-after`, before its body is parsed,
 * and is never forwarded; the budget comes back when a request's response is
 * done (a stream's when it ends), so the next request passes. Both adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { ADAPTERS, postJson, problemLines, startGateway, startSim, type ErrorBody, type GatewayHandle, type SimHandle } from "./harness";

/** Two ~1 KB bodies fit, the third does not. */
const BUDGET = 2_600;
const SLOW_MS = 1_500;

let db: Db;
let sim: SimHandle;
let t: TestTenant;

beforeAll(async () => {
  db = createDb();
  sim = await startSim();
  t = await createTestTenant(db, "overload");
  const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const modelId = await addModel(db, t.tenantId, providerId, "gpt-4o-mini");
  await addRoute(db, t.tenantId, { alias: "chat", targets: [{ modelId }] });
});

async function postJsonAbortable(url: string, payload: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(payload), signal });
  await res.text();
}

afterAll(async () => {
  await sim?.sim.close();
  await db?.$disconnect();
});

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  let gw: GatewayHandle;

  beforeAll(async () => {
    gw = await startGateway({ GATEHOUSE_MAX_INFLIGHT_BODY_BYTES: String(BUDGET) }, adapter);
  });

  afterAll(() => gw?.child.kill());

  /** A ~1 KB chat body, unique per call (so the simulator's records tell the requests apart). */
  const body = (tag: string, stream = false) => ({
    model: "chat",
    messages: [{ role: "user", content: `${tag} ${"lorem ipsum ".repeat(80)}` }],
    ...(stream ? { stream: true } : {}),
  });

  it("refuses the request past the budget with 503 overloaded and retry-after, forwards it nowhere, then passes again", async () => {
    const auth = { authorization: `Bearer ${t.key}` };
    sim.sim.reset();
    sim.sim.configure({ latencyMs: SLOW_MS });
    const held = [postJson(`${gw.url}/v1/chat/completions`, body("held-1"), auth), postJson(`${gw.url}/v1/chat/completions`, body("held-2", true), auth)];
    // Both held requests are at the simulator (their bodies are in the gateway's budget).
    await expect.poll(() => sim.sim.requests().length, { timeout: 10_000 }).toBe(2);

    const refused = await postJson(`${gw.url}/v1/chat/completions`, body("refused"), auth);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("x-request-id")).toBeTruthy();
    const err = (await refused.json()) as ErrorBody;
    expect(err.error).toMatchObject({ code: "overloaded", type: "server_error" });
    // A small body still fits beside the held ones.
    const models = await fetch(`${gw.url}/v1/models`, { headers: auth });
    expect(models.status).toBe(200);

    const [first, second] = await Promise.all(held);
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(200);
    await second?.text(); // the stream ends: its bytes come back
    expect(sim.sim.requests().filter((r) => JSON.stringify(r.body).includes("refused"))).toHaveLength(0);
    sim.sim.configure({ latencyMs: 0 });

    // The budget came back (the JSON answer's at once, the stream's at its end): the same request passes now.
    const again = await postJson(`${gw.url}/v1/chat/completions`, body("refused"), auth);
    expect(again.status).toBe(200);
  });

  it("gives a request's bytes back when its client goes away mid-request", async () => {
    const auth = { authorization: `Bearer ${t.key}` };
    sim.sim.reset();
    sim.sim.configure({ latencyMs: SLOW_MS });
    const aborts = [new AbortController(), new AbortController()];
    const gone = [
      postJsonAbortable(`${gw.url}/v1/chat/completions`, body("gone-1"), auth, aborts[0]!.signal),
      postJsonAbortable(`${gw.url}/v1/chat/completions`, body("gone-2", true), auth, aborts[1]!.signal),
    ];
    await expect.poll(() => sim.sim.requests().length, { timeout: 10_000 }).toBe(2);
    expect((await postJson(`${gw.url}/v1/chat/completions`, body("while-held"), auth)).status).toBe(503);
    for (const a of aborts) a.abort();
    await Promise.allSettled(gone);
    sim.sim.configure({ latencyMs: 0 });
    // Both bodies come back without waiting for the slow upstream calls to finish.
    await expect.poll(async () => (await postJson(`${gw.url}/v1/chat/completions`, body("after"), auth)).status, { timeout: 1_000, interval: 50 }).toBe(200);
  });

  it("lets one request take the whole budget when nothing else is held", async () => {
    const big = { model: "chat", messages: [{ role: "user", content: "x ".repeat(BUDGET) }] };
    const res = await postJson(`${gw.url}/v1/chat/completions`, big, { authorization: `Bearer ${t.key}` });
    expect(res.status).toBe(200);
  });

  it("logged no error", () => {
    expect(problemLines(gw.child)).toEqual([]);
  });
});
