/**
 * Routing and reliability against a running gateway (child process) and the
 * simulator: every fault on the primary target answered by the fallback, by
 * the route's static answer, or as a clear error; retries honouring
 * retry-after; nested timeouts; a stream cut mid-way; a client that goes
 * away; Idempotency-Key. The request log is checked in Postgres (a worker
 * process writes it), so every attempt's record is asserted too.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import type { SimConfigInput } from "@/lib/simulator/faults";
import { addFeature, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { readSseEvents } from "@/lib/testing/sse";
import type { Child } from "@/lib/testing/spawn";
import { ADAPTERS, anthropic, eventually, openai, postJson, problemLines, startGateway, startSim, startWorker, type ErrorBody, type GatewayHandle, type SimHandle } from "./harness";

let db: Db;
let sim: SimHandle;
let gw: GatewayHandle;
let worker: Child;
let t: TestTenant;
const models = new Map<string, string>();
let providerId: string;
let featureId: string;

interface Fault {
  name: string;
  knobs: Omit<SimConfigInput, "match">;
  stream?: boolean;
  /** The clear error when nothing is left. */
  status: number;
  code: string;
}

const FAULTS: Fault[] = [
  { name: "500", knobs: { fault: "500" }, status: 502, code: "upstream_error" },
  { name: "503", knobs: { fault: "503", retryAfterSeconds: 0 }, status: 503, code: "unavailable" },
  { name: "429", knobs: { fault: "429", retryAfterSeconds: 0 }, status: 503, code: "unavailable" },
  { name: "hang", knobs: { fault: "hang" }, status: 504, code: "timeout" },
  { name: "reset", knobs: { fault: "reset" }, status: 502, code: "upstream_error" },
  { name: "malformed", knobs: { fault: "malformed" }, status: 502, code: "upstream_error" },
  { name: "cut-before-first-byte", knobs: { fault: "cut", cutAfterChunks: 0 }, stream: true, status: 502, code: "upstream_error" },
  { name: "stall-before-first-byte", knobs: { fault: "stall", cutAfterChunks: 0 }, stream: true, status: 504, code: "timeout" },
  { name: "stream-error-before-first-byte", knobs: { fault: "stream-error", cutAfterChunks: 0 }, stream: true, status: 502, code: "upstream_error" },
];

async function model(name: string): Promise<string> {
  const id = await addModel(db, t.tenantId, providerId, name);
  models.set(name, id);
  return id;
}

function configure(rules: Array<{ model: string } & Omit<SimConfigInput, "match">>): void {
  for (const { model: m, ...knobs } of rules) sim.sim.configure({ match: { model: m }, ...knobs });
}

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  beforeAll(async () => {
    db = createDb();
    sim = await startSim({ maxRecorded: 1_000 }); // the load-balancing test counts 400 upstream calls
    t = await createTestTenant(db, "routing");
    providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
    for (const f of FAULTS) {
      await addRoute(db, t.tenantId, {
        alias: `fb-${f.name}`,
        targets: [{ modelId: await model(`p-${f.name}`), timeoutMs: 400, maxRetries: 1 }, { modelId: await model(`f-${f.name}`) }],
      });
      await addRoute(db, t.tenantId, {
        alias: `st-${f.name}`,
        targets: [{ modelId: await model(`s-${f.name}`), timeoutMs: 400, maxRetries: 1 }],
        staticFallback: { role: "assistant", content: `static answer ${f.name}` },
      });
      await addRoute(db, t.tenantId, { alias: `no-${f.name}`, targets: [{ modelId: await model(`n-${f.name}`), timeoutMs: 400, maxRetries: 1 }] });
    }
    await addRoute(db, t.tenantId, { alias: "retry-after", targets: [{ modelId: await model("ra-p"), maxRetries: 2 }, { modelId: await model("ra-f") }] });
    await addRoute(db, t.tenantId, { alias: "lowered", targets: [{ modelId: await model("lo-p"), timeoutMs: 3_000 }], totalTimeoutMs: 10_000 });
    await addRoute(db, t.tenantId, { alias: "not-raised", targets: [{ modelId: await model("nr-p"), timeoutMs: 300 }, { modelId: await model("nr-f") }] });
    await addRoute(db, t.tenantId, {
      alias: "fallback-cap",
      config: { fallbackTimeoutMs: 300 },
      targets: [{ modelId: await model("fc-p") }, { modelId: await model("fc-f"), timeoutMs: 5_000 }],
      staticFallback: { role: "assistant", content: "static after capped fallback" },
    });
    await addRoute(db, t.tenantId, { alias: "cut", targets: [{ modelId: await model("cut-p") }, { modelId: await model("cut-f") }] });
    await addRoute(db, t.tenantId, { alias: "disconnect", targets: [{ modelId: await model("dc-p") }] });
    await addRoute(db, t.tenantId, { alias: "idem", targets: [{ modelId: await model("idem-p") }] });
    await addRoute(db, t.tenantId, { alias: "caller-err", targets: [{ modelId: await model("ce-p"), maxRetries: 2 }, { modelId: await model("ce-f") }] });
    await addRoute(db, t.tenantId, {
      alias: "lb",
      targets: [
        { modelId: await model("lb-a"), position: 0, weight: 3 },
        { modelId: await model("lb-b"), position: 0, weight: 1 },
        { modelId: await model("lb-c"), position: 1 },
      ],
    });
    featureId = await addFeature(db, t.tenantId, "support-reply");
    gw = await startGateway({}, adapter);
    worker = await startWorker();
  });

  afterAll(async () => {
    gw?.child.kill();
    worker?.kill();
    await sim?.sim.close();
    await db?.$disconnect();
  });

  beforeEach(() => sim.sim.reset());

  interface LogRow {
    status: string;
    httpStatus: number;
    errorCode: string | null;
    servedBy: string | null;
    fallbackReason: string | null;
    streamed: boolean;
    attempts: Array<{ target: string; status: string; errorClass: string | null; retry?: number; delayMs?: number; fallbackReason?: string | null; ttftMs: number | null }>;
  }

  async function logRow(requestId: string | null): Promise<LogRow> {
    if (!requestId) throw new Error("no request id");
    const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: requestId } })) ?? undefined, { what: `request_logs ${requestId}` });
    return row as unknown as LogRow;
  }

  const client = () => openai(gw.url, t.key);

  async function ask(alias: string, stream: boolean, headers: Record<string, string> = {}): Promise<{ content: string; response: Response }> {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Where is my order?" }];
    if (stream) {
      const { data, response } = await client().chat.completions.create({ model: alias, messages, stream: true }, { headers }).withResponse();
      let content = "";
      for await (const c of data) content += c.choices[0]?.delta.content ?? "";
      return { content, response };
    }
    const { data, response } = await client().chat.completions.create({ model: alias, messages }, { headers }).withResponse();
    return { content: data.choices[0]?.message.content ?? "", response };
  }

  async function askError(alias: string, stream: boolean, headers: Record<string, string> = {}): Promise<InstanceType<typeof OpenAI.APIError>> {
    return ask(alias, stream, headers).then(
      () => {
        throw new Error(`expected ${alias} to fail`);
      },
      (e: unknown) => {
        if (!(e instanceof OpenAI.APIError)) throw e;
        return e;
      },
    );
  }

  describe.each(FAULTS)("primary target fault $name", (f) => {
    it("the caller gets the fallback's answer; each attempt is recorded", async () => {
      configure([
        { model: `p-${f.name}`, ...f.knobs },
        { model: `f-${f.name}`, reply: `fallback answer ${f.name}` },
      ]);
      const { content, response } = await ask(`fb-${f.name}`, f.stream ?? false);
      expect(content).toBe(`fallback answer ${f.name}`);
      expect(response.headers.get("x-gatehouse-target")).toBe(`sim-openai/f-${f.name}`);
      const primaryCalls = sim.sim.requests({ model: `p-${f.name}` }).length;
      expect(primaryCalls).toBeGreaterThanOrEqual(1);
      expect(response.headers.get("x-gatehouse-attempts")).toBe(String(primaryCalls + 1));
      const row = await logRow(response.headers.get("x-request-id"));
      expect(row).toMatchObject({ status: "fallback", httpStatus: 200, servedBy: `sim-openai/f-${f.name}` });
      expect(row.fallbackReason).toBeTruthy();
      expect(row.attempts.at(-1)).toMatchObject({ target: `sim-openai/f-${f.name}`, status: "ok" });
      expect(row.attempts.slice(0, -1).every((a) => a.target === `sim-openai/p-${f.name}` && a.status !== "ok" && a.errorClass)).toBe(true);
    });

    it("with no fallback target: the route's static answer", async () => {
      configure([{ model: `s-${f.name}`, ...f.knobs }]);
      const { content, response } = await ask(`st-${f.name}`, f.stream ?? false);
      expect(content).toBe(`static answer ${f.name}`);
      expect(response.headers.get("x-gatehouse-target")).toBe("static");
      expect(response.headers.get("x-gatehouse-cost-usd")).toBe("0.000000");
      const row = await logRow(response.headers.get("x-request-id"));
      expect(row).toMatchObject({ status: "fallback", servedBy: "static" });
    });

    it(`with nothing left: a clear ${f.status} naming what failed`, async () => {
      configure([{ model: `n-${f.name}`, ...f.knobs }]);
      const err = await askError(`no-${f.name}`, f.stream ?? false);
      expect(err.status).toBe(f.status);
      const body = err.error as ErrorBody["error"];
      expect(body.code).toBe(f.code);
      expect(body.message).toContain(`sim-openai/n-${f.name}`);
      expect(err.headers?.get("x-gatehouse-attempts")).toBe(String(sim.sim.requests({ model: `n-${f.name}` }).length));
      const row = await logRow(err.headers?.get("x-request-id") ?? null);
      expect(row).toMatchObject({ status: "error", httpStatus: f.status, errorCode: f.code });
    });
  });

  describe("retries", () => {
    it("honour retry-after: the retry waits at least as long as the provider asked", async () => {
      configure([{ model: "ra-p", fault: "429", faultCount: 1, retryAfterSeconds: 1 }]);
      const { response } = await ask("retry-after", false);
      expect(response.headers.get("x-gatehouse-target")).toBe("sim-openai/ra-p");
      expect(response.headers.get("x-gatehouse-attempts")).toBe("2");
      const calls = sim.sim.requests({ model: "ra-p" });
      expect(calls).toHaveLength(2);
      expect(Date.parse(calls[1]?.at ?? "") - Date.parse(calls[0]?.at ?? "")).toBeGreaterThanOrEqual(1_000);
      const row = await logRow(response.headers.get("x-request-id"));
      expect(row.status).toBe("ok");
      expect(row.attempts.map((a) => [a.status, a.errorClass, a.retry])).toEqual([
        ["error", "rate_limited", 0],
        ["ok", null, 1],
      ]);
      expect(row.attempts[1]?.delayMs).toBeGreaterThanOrEqual(1_000);
    });
  });

  describe("timeouts nest", () => {
    it("x-gatehouse-timeout-ms lowers the budget: a slow primary that would answer times out", async () => {
      configure([{ model: "lo-p", latencyMs: 1_000, reply: "slow but fine" }]);
      expect((await ask("lowered", false)).content).toBe("slow but fine");
      const err = await askError("lowered", false, { "x-gatehouse-timeout-ms": "300" });
      expect(err.status).toBe(504);
      const row = await logRow(err.headers?.get("x-request-id") ?? null);
      expect(row.attempts[0]).toMatchObject({ status: "timeout", errorClass: "timeout" });
    });

    it("x-gatehouse-timeout-ms cannot raise a target's timeout", async () => {
      configure([
        { model: "nr-p", latencyMs: 1_000 },
        { model: "nr-f", reply: "from the fallback" },
      ]);
      const { content } = await ask("not-raised", false, { "x-gatehouse-timeout-ms": "20000" });
      expect(content).toBe("from the fallback");
    });

    it("fallback targets get the route's shorter fallback timeout", async () => {
      configure([
        { model: "fc-p", fault: "500" },
        { model: "fc-f", latencyMs: 1_000 },
      ]);
      const { content, response } = await ask("fallback-cap", false);
      expect(content).toBe("static after capped fallback");
      const row = await logRow(response.headers.get("x-request-id"));
      expect(row.attempts.map((a) => [a.target, a.status])).toEqual([
        ["sim-openai/fc-p", "error"],
        ["sim-openai/fc-f", "timeout"],
      ]);
    });

    it("rejects a malformed x-gatehouse-timeout-ms with a 400 naming the header", async () => {
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: "idem", messages: [{ role: "user", content: "x" }] }, { authorization: `Bearer ${t.key}`, "x-gatehouse-timeout-ms": "soon" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.param).toBe("x-gatehouse-timeout-ms");
    });
  });

  describe("streams", () => {
    it("a cut after the first byte ends the stream with an error event the SDK raises; the log says so", async () => {
      configure([{ model: "cut-p", fault: "cut", cutAfterChunks: 3, replyWords: 40 }]);
      const { data: stream, response } = await client()
        .chat.completions.create({ model: "cut", stream: true, messages: [{ role: "user", content: "Tell me a long story." }] })
        .withResponse();
      let text = "";
      const failure = await (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
      })().then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect(text.length).toBeGreaterThan(0);
      // Nothing was retried or replaced once bytes reached the client.
      expect(sim.sim.requests({ model: "cut-f" })).toHaveLength(0);
      const row = await logRow(response.headers.get("x-request-id"));
      expect(row).toMatchObject({ status: "error", errorCode: "stream_interrupted", streamed: true });
      expect(row.attempts).toEqual([expect.objectContaining({ target: "sim-openai/cut-p", status: "error", errorClass: "stream_cut" })]);
    });

    it("on the wire: an error event and no [DONE]", async () => {
      configure([{ model: "cut-p", fault: "cut", cutAfterChunks: 3, replyWords: 40 }]);
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: "cut", stream: true, messages: [{ role: "user", content: "Tell me a long story." }] }, { authorization: `Bearer ${t.key}` });
      const events = await readSseEvents(res);
      expect(events.some((e) => e.data === "[DONE]")).toBe(false);
      expect(JSON.parse(events.at(-1)?.data ?? "{}")).toMatchObject({ error: { type: "server_error" } });
    });

    it("the Anthropic SDK raises the cut too (event: error)", async () => {
      configure([{ model: "cut-p", fault: "cut", cutAfterChunks: 3, replyWords: 40 }]);
      const stream = anthropic(gw.url, t.key).messages.stream({ model: "cut", max_tokens: 256, messages: [{ role: "user", content: "A long story." }] });
      await expect(stream.finalMessage()).rejects.toThrow();
    });

    it("a client that disconnects mid-stream aborts the upstream call", async () => {
      configure([{ model: "dc-p", interChunkMs: 200, replyWords: 60 }]);
      const ac = new AbortController();
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "disconnect", stream: true, messages: [{ role: "user", content: "Go slowly." }] }),
        signal: ac.signal,
      });
      const requestId = res.headers.get("x-request-id");
      const reader = res.body?.getReader();
      await reader?.read();
      ac.abort();
      const upstream = await eventually(async () => {
        const r = sim.sim.requests({ model: "dc-p" })[0];
        return r?.response ? r : undefined;
      });
      expect(upstream.response?.outcome).toBe("aborted");
      const row = await logRow(requestId);
      expect(row).toMatchObject({ status: "error", errorCode: "client_disconnected" });
      expect(row.attempts[0]).toMatchObject({ status: "aborted", errorClass: "cancelled" });
    });

    it("a client that disconnects before the answer aborts the upstream call too", async () => {
      configure([{ model: "dc-p", fault: "hang" }]);
      const ac = new AbortController();
      const pending = fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json", "x-request-id": "client-gone-before-answer" },
        body: JSON.stringify({ model: "disconnect", messages: [{ role: "user", content: "Hang on." }] }),
        signal: ac.signal,
      }).catch(() => null);
      await eventually(async () => (sim.sim.requests({ model: "dc-p" }).length > 0 ? true : undefined));
      ac.abort();
      await pending;
      const upstream = await eventually(async () => {
        const r = sim.sim.requests({ model: "dc-p" })[0];
        return r?.response ? r : undefined;
      });
      expect(upstream.response?.outcome).toBe("aborted");
    });
  });

  describe("Idempotency-Key", () => {
    const body = (content: string, stream = false) => ({ model: "idem", stream, messages: [{ role: "user", content }] });
    const headers = (key: string) => ({ authorization: `Bearer ${t.key}`, "idempotency-key": key });

    it("a repeat gets the first answer without a second upstream call", async () => {
      const key = `k-${Date.now()}-json`;
      const first = await postJson(`${gw.url}/v1/chat/completions`, body("once"), headers(key));
      expect(first.status).toBe(200);
      const second = await postJson(`${gw.url}/v1/chat/completions`, body("once"), headers(key));
      expect(second.status).toBe(200);
      expect(second.headers.get("idempotent-replayed")).toBe("true");
      expect(await second.json()).toEqual(await first.json());
      expect(second.headers.get("x-gatehouse-target")).toBe("sim-openai/idem-p");
      expect(sim.sim.requests({ model: "idem-p" })).toHaveLength(1);
    });

    it("a streamed answer is replayed as the same stream", async () => {
      const key = `k-${Date.now()}-sse`;
      const a = await readSseEvents(await postJson(`${gw.url}/v1/chat/completions`, body("stream once", true), headers(key)));
      const b = await readSseEvents(await postJson(`${gw.url}/v1/chat/completions`, body("stream once", true), headers(key)));
      expect(b).toEqual(a);
      expect(a.at(-1)?.data).toBe("[DONE]");
      expect(sim.sim.requests({ model: "idem-p" })).toHaveLength(1);
    });

    it("the same key with another body is a 422", async () => {
      const key = `k-${Date.now()}-reuse`;
      expect((await postJson(`${gw.url}/v1/chat/completions`, body("one"), headers(key))).status).toBe(200);
      const res = await postJson(`${gw.url}/v1/chat/completions`, body("two"), headers(key));
      expect(res.status).toBe(422);
      expect(((await res.json()) as ErrorBody).error.code).toBe("idempotency_key_reused");
    });

    it("a repeat while the first is in flight is a 409", async () => {
      configure([{ model: "idem-p", latencyMs: 1_000 }]);
      const key = `k-${Date.now()}-inflight`;
      const first = postJson(`${gw.url}/v1/chat/completions`, body("slow"), headers(key));
      await eventually(async () => (sim.sim.requests({ model: "idem-p" }).length > 0 ? true : undefined));
      const second = await postJson(`${gw.url}/v1/chat/completions`, body("slow"), headers(key));
      expect(second.status).toBe(409);
      expect(((await second.json()) as ErrorBody).error.code).toBe("idempotency_in_flight");
      expect((await first).status).toBe(200);
    });

    it("a failure is not stored: the retry runs again", async () => {
      configure([{ model: "idem-p", fault: "500" }]);
      const key = `k-${Date.now()}-fail`;
      expect((await postJson(`${gw.url}/v1/chat/completions`, body("fails first"), headers(key))).status).toBe(502);
      sim.sim.reset();
      expect((await postJson(`${gw.url}/v1/chat/completions`, body("fails first"), headers(key))).status).toBe(200);
      expect(sim.sim.requests({ model: "idem-p" })).toHaveLength(1);
    });
  });

  describe("provider errors that are the caller's or the target's", () => {
    it("a provider's 400 comes back as it is: no retry, no fallback", async () => {
      configure([{ model: "ce-p", fault: "400" }]);
      const err = await askError("caller-err", false);
      expect(err.status).toBe(400);
      expect(sim.sim.requests({ model: "ce-p" })).toHaveLength(1);
      expect(sim.sim.requests({ model: "ce-f" })).toHaveLength(0);
      const row = await logRow(err.headers?.get("x-request-id") ?? null);
      // 4xx without an answer is logged `blocked` (record/entry.ts), with the provider's attempt.
      expect(row).toMatchObject({ status: "blocked", httpStatus: 400 });
      expect(row.attempts).toHaveLength(1);
      expect(row.attempts[0]).toMatchObject({ target: "sim-openai/ce-p", status: "error", errorClass: "bad_request" });
    });

    it("a provider's 401 (our key for it is wrong) is not retried there but falls back", async () => {
      configure([{ model: "ce-p", fault: "401" }]);
      const { response } = await ask("caller-err", false);
      expect(response.headers.get("x-gatehouse-target")).toBe("sim-openai/ce-f");
      expect(sim.sim.requests({ model: "ce-p" })).toHaveLength(1);
    });
  });

  describe("a load-balanced group (two targets at one position, weights 3:1)", () => {
    /** `n` chat requests, `concurrency` at a time; how many each target served (x-gatehouse-target). */
    async function spread(n: number, concurrency = 16): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      let next = 0;
      const lane = async () => {
        while (next < n) {
          next++;
          const res = await postJson(`${gw.url}/v1/chat/completions`, { model: "lb", messages: [{ role: "user", content: "Hi" }] }, { authorization: `Bearer ${t.key}` });
          expect(res.status, await res.clone().text()).toBe(200);
          await res.arrayBuffer();
          const target = res.headers.get("x-gatehouse-target") ?? "none";
          counts[target] = (counts[target] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, lane));
      return counts;
    }

    it("both serve, split by weight within a binomial bound; the next position gets nothing", async () => {
      const n = 400;
      const counts = await spread(n);
      const a = counts["sim-openai/lb-a"] ?? 0;
      const b = counts["sim-openai/lb-b"] ?? 0;
      expect(a + b, JSON.stringify(counts)).toBe(n);
      // a ~ Binomial(400, 0.75): mean 300, sd 8.66; 5 sd either side (a false alarm about once in 1.7 million runs).
      expect(a, JSON.stringify(counts)).toBeGreaterThanOrEqual(257);
      expect(a, JSON.stringify(counts)).toBeLessThanOrEqual(343);
      expect(b).toBeGreaterThan(0);
      // The simulator saw the same split: each request made exactly one upstream call.
      expect(sim.sim.requests({ model: "lb-a" }).length).toBe(a);
      expect(sim.sim.requests({ model: "lb-b" }).length).toBe(b);
      expect(sim.sim.requests({ model: "lb-c" })).toHaveLength(0);
    });

    it("a failing member leaves its share to the rest of its group, before the next position", async () => {
      configure([{ model: "lb-a", fault: "500" }]);
      const counts = await spread(40, 8);
      expect(counts).toEqual({ "sim-openai/lb-b": 40 });
      expect(sim.sim.requests({ model: "lb-c" })).toHaveLength(0);
    });
  });

  describe("the request log", () => {
    it("records the feature, the end-user, the context documents and the prompt as sent", async () => {
      const context = [{ id: "kb-7", source: "kb/returns.md", text: "Returns are free.", score: 0.8 }];
      const res = await postJson(
        `${gw.url}/v1/chat/completions`,
        { model: "idem", user: "end-user-7", messages: [{ role: "user", content: "Are returns free?" }], metadata: { gatehouse: { context } } },
        { authorization: `Bearer ${t.key}`, "x-gatehouse-feature": "support-reply", "x-gatehouse-user": "ignored-when-the-body-names-one" },
      );
      expect(res.status).toBe(200);
      const row = (await eventually(async () => (await db.requestLog.findFirst({ where: { id: res.headers.get("x-request-id") ?? "" } })) ?? undefined)) as unknown as {
        featureId: string | null;
        endUserId: string | null;
        model: string;
        servedBy: string | null;
        contextDocs: unknown;
        request: { messages: Array<{ role: string; content: string }>; metadata?: unknown };
        promptTokens: number;
        completionTokens: number;
        latencyMs: number;
        attempts: Array<{ target: string; provider?: string; model?: string; retry?: number; latencyMs: number }>;
      };
      expect(row).toMatchObject({ featureId, endUserId: "end-user-7", model: "idem", servedBy: "sim-openai/idem-p", contextDocs: context });
      expect(row.request.messages.map((m) => m.role)).toEqual(["user", "user"]);
      expect(row.request.messages[0]?.content).toContain("Returns are free.");
      expect(row.request.metadata).toBeUndefined();
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(0);
      expect(row.attempts).toEqual([expect.objectContaining({ target: "sim-openai/idem-p", provider: "sim-openai", model: "idem-p", retry: 0, status: "ok" })]);
    });

    it("takes the end-user from x-gatehouse-user when the body names none", async () => {
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: "idem", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${t.key}`, "x-gatehouse-user": "header-user" });
      const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: res.headers.get("x-request-id") ?? "" } })) ?? undefined);
      expect(row.endUserId).toBe("header-user");
    });
  });

  describe("the gateway process", () => {
    it("logged no error and refused no request-log record", () => {
      expect(problemLines(gw.child)).toEqual([]);
    });
  });
});
