import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readSseEvents, type SseEvent } from "@/lib/testing/sse";
import { SimConfigStore } from "./faults";
import { createSimulator, type Simulator } from "./server";

// Every fault mode over real HTTP, seen through the official SDKs where they apply.
let sim: Simulator;
let url: string;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sim = createSimulator();
  ({ url } = await sim.listen(0));
  openai = new OpenAI({ apiKey: "sk-test", baseURL: `${url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-test", baseURL: url, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const chat = { model: "sim-gpt", messages: [{ role: "user" as const, content: "Tell me about the refund policy for damaged goods." }] };
const messages = { model: "sim-claude", max_tokens: 256, messages: [{ role: "user" as const, content: "Tell me about the refund policy." }] };
const gemini = { contents: [{ role: "user", parts: [{ text: "Tell me about the refund policy for damaged goods please." }] }] };

function postOpenAI(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-test", "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

function postGemini(headers: Record<string, string> = {}, action = "generateContent", model = "gemini-2.5-flash") {
  return fetch(`${url}/v1beta/models/${model}:${action}${action === "streamGenerateContent" ? "?alt=sse" : ""}`, {
    method: "POST",
    headers: { "x-goog-api-key": "k", "content-type": "application/json", ...headers },
    body: JSON.stringify(gemini),
  });
}

async function configure(body: unknown): Promise<Response> {
  return fetch(`${url}/_sim/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

/** Waits (by polling the simulator's own record, not a timer) until request `n` has an outcome. */
async function outcomeOf(index: number) {
  return vi.waitFor(
    () => {
      const r = sim.requests()[index]?.response;
      if (!r) throw new Error("no outcome yet");
      return r;
    },
    { timeout: 5_000, interval: 10 },
  );
}

describe("status faults in each provider's error format", () => {
  it("500: OpenAI, Anthropic and Gemini error bodies", async () => {
    const oa = openai.chat.completions.create(chat, { headers: { "x-sim-fault": "500" } });
    await expect(oa).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(oa).rejects.toMatchObject({ status: 500, type: "server_error" });

    const an = anthropic.messages.create(messages, { headers: { "x-sim-fault": "500" } });
    await expect(an).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    await expect(an).rejects.toMatchObject({ error: { type: "error", error: { type: "api_error" } } });

    const ge = await postGemini({ "x-sim-fault": "500" });
    expect(ge.status).toBe(500);
    expect(await ge.json()).toEqual({ error: { code: 500, message: expect.any(String), status: "INTERNAL" } });
    expect(sim.requests().map((r) => r.response)).toEqual(Array(3).fill({ status: 500, fault: "500", outcome: "completed" }));
  });

  it("503 and 429 carry retry-after (configurable), 529 is Anthropic's overloaded_error", async () => {
    const unavailable = await postOpenAI(chat, { "x-sim-fault": "503" });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("1");
    const limited = await postOpenAI(chat, { "x-sim-fault": "429", "x-sim-retry-after": "7" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded" } });

    const err = await openai.chat.completions.create(chat, { headers: { "x-sim-fault": "429", "x-sim-retry-after": "3" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("3");

    await expect(anthropic.messages.create(messages, { headers: { "x-sim-fault": "529" } })).rejects.toMatchObject({
      status: 529,
      error: { error: { type: "overloaded_error" } },
    });
    const ge = await postGemini({ "x-sim-fault": "429", "x-sim-retry-after": "2" });
    expect(await ge.json()).toMatchObject({ error: { code: 429, status: "RESOURCE_EXHAUSTED", details: [{ retryDelay: "2s" }] } });
  });

  it("faultCount fails the first n requests, then succeeds: the SDK's retries honour retry-after", async () => {
    await configure({ fault: "429", faultCount: 2, retryAfterSeconds: 0 });
    const retrying = new OpenAI({ apiKey: "sk-test", baseURL: `${url}/v1`, maxRetries: 2 });
    const res = await retrying.chat.completions.create(chat);
    expect(res.choices[0]?.message.content).toMatch(/^Simulated reply/);
    expect(sim.requests().map((r) => r.response?.status)).toEqual([429, 429, 200]);
    expect(sim.requests().map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1", "2"]);
    expect(sim.config().defaults.faulted).toBe(2);

    await configure({ fault: "500", faultCount: 1 });
    expect((await postOpenAI(chat)).status).toBe(500);
    expect((await postOpenAI(chat)).status).toBe(200);
    expect((await postOpenAI(chat)).status).toBe(200);
  });
});

describe("connection faults", () => {
  it("hang: never answers; the client's timeout ends it and the simulator sees the abort", async () => {
    const impatient = new OpenAI({ apiKey: "sk-test", baseURL: `${url}/v1`, maxRetries: 0, timeout: 300 });
    await expect(impatient.chat.completions.create(chat, { headers: { "x-sim-fault": "hang" } })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(await outcomeOf(0)).toEqual({ status: null, fault: "hang", outcome: "aborted" });
  });

  it("reset: the connection is destroyed before any response", async () => {
    const err = await postOpenAI(chat, { "x-sim-fault": "reset" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String((err as TypeError).cause)).toMatch(/ECONNRESET|socket|closed/i);
    await expect(openai.chat.completions.create(chat, { headers: { "x-sim-fault": "reset" } })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(anthropic.messages.create(messages, { headers: { "x-sim-fault": "reset" } })).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    expect(sim.requests()[0]?.response).toEqual({ status: null, fault: "reset", outcome: "reset" });
  });

  it("malformed: 200 with a body that is not JSON, and a stream with a broken data line", async () => {
    const res = await postOpenAI(chat, { "x-sim-fault": "malformed" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    await expect(res.json()).rejects.toBeInstanceOf(SyntaxError);

    const quiet = new OpenAI({ apiKey: "sk-test", baseURL: `${url}/v1`, maxRetries: 0, logLevel: "off" });
    const stream = await quiet.chat.completions.create({ ...chat, stream: true }, { headers: { "x-sim-fault": "malformed" } });
    const consume = async () => {
      for await (const chunk of stream) void chunk;
    };
    await expect(consume()).rejects.toBeInstanceOf(SyntaxError);

    const ge = await postGemini({ "x-sim-fault": "malformed" });
    await expect(ge.json()).rejects.toBeInstanceOf(SyntaxError);
  });

  it("cut: a stream stops mid-way without [DONE] / message_stop, and the client sees an error", async () => {
    const raw = await postOpenAI({ ...chat, stream: true }, { "x-sim-fault": "cut" });
    expect(raw.status).toBe(200);
    const seen: SseEvent[] = [];
    await expect(readSseEvents(raw, (e) => seen.push(e))).rejects.toThrow();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((e) => e.data === "[DONE]")).toBe(false);

    const types: string[] = [];
    const stream = anthropic.messages.stream(messages, { headers: { "x-sim-fault": "cut", "x-sim-cut-after": "3" } });
    stream.on("streamEvent", (e) => types.push(e.type));
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(types).toEqual(["message_start", "content_block_start"]); // the third event (ping) is not an SDK stream event
    expect(sim.requests().map((r) => r.response?.outcome)).toEqual(["cut", "cut"]);

    const plain = await postOpenAI(chat, { "x-sim-fault": "cut" });
    await expect(plain.text()).rejects.toThrow();
  });

  it("cut after n chunks on Gemini SSE", async () => {
    const res = await postGemini({ "x-sim-fault": "cut", "x-sim-cut-after": "1" }, "streamGenerateContent");
    const seen: SseEvent[] = [];
    await expect(readSseEvents(res, (e) => seen.push(e))).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });

  it("stall: a stream sends its first events, then goes silent until the client gives up", async () => {
    const abort = new AbortController();
    const res = await postOpenAI({ ...chat, stream: true }, { "x-sim-fault": "stall", "x-sim-cut-after": "2" }, abort.signal);
    const seen: SseEvent[] = [];
    // The client gives up once it has the two events: reading can only end by that abort.
    const reading = readSseEvents(res, (e) => {
      seen.push(e);
      if (seen.length === 2) abort.abort();
    });
    await expect(reading).rejects.toThrow();
    expect(seen).toHaveLength(2);
    expect(await outcomeOf(0)).toEqual({ status: 200, fault: "stall", outcome: "aborted" });
  });

  it("stream-error: an in-stream error event each SDK turns into an API error", async () => {
    const stream = anthropic.messages.stream(messages, { headers: { "x-sim-fault": "stream-error" } });
    await expect(stream.finalMessage()).rejects.toMatchObject({ error: { type: "error", error: { type: "overloaded_error" } } });

    const oa = await openai.chat.completions.create({ ...chat, stream: true }, { headers: { "x-sim-fault": "stream-error" } });
    const consume = async () => {
      for await (const chunk of oa) void chunk;
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);

    const ge = sseEventsJson(await readSseEvents(await postGemini({ "x-sim-fault": "stream-error" }, "streamGenerateContent")));
    expect(ge[ge.length - 1]).toMatchObject({ error: { code: 503, status: "UNAVAILABLE" } });
  });
});

function sseEventsJson(events: SseEvent[]): unknown[] {
  return events.map((e) => JSON.parse(e.data) as unknown);
}

describe("latency", () => {
  it("latency delays the answer past a client timeout; without it the same request succeeds", async () => {
    const impatient = new OpenAI({ apiKey: "sk-test", baseURL: `${url}/v1`, maxRetries: 0, timeout: 300 });
    await expect(impatient.chat.completions.create(chat, { headers: { "x-sim-latency-ms": "60000" } })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(impatient.chat.completions.create(chat)).resolves.toMatchObject({ object: "chat.completion" });
    expect(await outcomeOf(0)).toMatchObject({ outcome: "aborted" });
  });

  it("ttft: a stream's headers arrive at once, its first event only after ttftMs", async () => {
    // The client allows 300 ms: without ttft every event would be there long before that.
    const res = await postOpenAI({ ...chat, stream: true }, { "x-sim-ttft-ms": "60000" }, AbortSignal.timeout(300));
    expect(res.status).toBe(200);
    const seen: SseEvent[] = [];
    await expect(readSseEvents(res, (e) => seen.push(e))).rejects.toThrow();
    expect(seen).toEqual([]);
    const control = await postOpenAI({ ...chat, stream: true }, {}, AbortSignal.timeout(300));
    expect((await readSseEvents(control)).at(-1)?.data).toBe("[DONE]");
  });

  it("interChunkMs and latency from the admin config apply to streams (completed, nothing lost)", async () => {
    await configure({ latencyMs: 5, latencyJitterMs: 5, ttftMs: 5, interChunkMs: 1 });
    const stream = await openai.chat.completions.create({ ...chat, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe((await openai.chat.completions.create(chat)).choices[0]?.message.content);
  });
});

describe("per-server config", () => {
  it("breaks only the matching model: primary fails while fallback works, by POST /_sim/config", async () => {
    const set = await configure({ match: { model: "sim-primary" }, fault: "500" });
    expect(set.status).toBe(200);
    await expect(openai.chat.completions.create({ ...chat, model: "sim-primary" })).rejects.toMatchObject({ status: 500 });
    await expect(openai.chat.completions.create({ ...chat, model: "sim-fallback" })).resolves.toMatchObject({ model: "sim-fallback" });
    // A header beats the rule.
    await expect(openai.chat.completions.create({ ...chat, model: "sim-primary" }, { headers: { "x-sim-fault": "none" } })).resolves.toMatchObject({ model: "sim-primary" });
    const snapshot = (await (await fetch(`${url}/_sim/config`)).json()) as { rules: Array<{ match: unknown; faulted: number }> };
    expect(snapshot.rules).toEqual([{ id: expect.any(String), match: { model: "sim-primary" }, knobs: { fault: "500" }, faulted: 1 }]);
  });

  it("matches by path prefix and provider, newest rule first, and DELETE resets", async () => {
    await configure({ match: { pathPrefix: "/v1/messages" }, fault: "503" });
    await configure({ match: { provider: "gemini" }, fault: "429" });
    await expect(anthropic.messages.create(messages)).rejects.toMatchObject({ status: 503 });
    expect((await postGemini()).status).toBe(429);
    expect((await postOpenAI(chat)).status).toBe(200);
    await configure({ match: { provider: "gemini", model: "gemini-2.5-pro" }, fault: "none" });
    expect((await postGemini({}, "generateContent", "gemini-2.5-pro")).status).toBe(200);
    expect((await postGemini()).status).toBe(429);

    const reset = await fetch(`${url}/_sim/config`, { method: "DELETE" });
    expect(await reset.json()).toEqual({ defaults: { faulted: 0 }, rules: [] });
    await expect(anthropic.messages.create(messages)).resolves.toMatchObject({ type: "message" });
  });

  it("faultRate draws from a seeded PRNG: repeatable after a reset", async () => {
    const run = async () => {
      await configure({ fault: "500", faultRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await postOpenAI(chat)).status);
      return statuses;
    };
    const first = await run();
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    sim.reset();
    expect(await run()).toEqual(first);
  });

  it("rejects a bad config or a bad x-sim header with 400 naming it", async () => {
    const bad = await configure({ fault: "explode" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: expect.stringMatching(/^fault: /) } });
    const unknown = await configure({ latency: 5 });
    expect(unknown.status).toBe(400);
    const header = await postOpenAI(chat, { "x-sim-latency-ms": "soon" });
    expect(header.status).toBe(400);
    expect(await header.json()).toMatchObject({ error: { message: expect.stringContaining("x-sim-latency-ms") } });
  });

  it("the store merges knobs header > newest matching rule > defaults", () => {
    const store = new SimConfigStore({ latencyMs: 1, ttftMs: 2 });
    store.set({ match: { model: "a" }, latencyMs: 10 });
    store.set({ match: { provider: "openai" }, latencyMs: 20, interChunkMs: 3 });
    const facts = { provider: "openai" as const, path: "/v1/chat/completions", model: "a" };
    expect(store.knobs(facts)).toEqual({ latencyMs: 20, ttftMs: 2, interChunkMs: 3 });
    expect(store.knobs(facts, { latencyMs: 0 })).toEqual({ latencyMs: 0, ttftMs: 2, interChunkMs: 3 });
    expect(store.knobs({ ...facts, provider: "gemini" })).toEqual({ latencyMs: 10, ttftMs: 2 });
  });
});

describe("recorded requests", () => {
  it("lists the last N with filters, and DELETE clears them", async () => {
    await postOpenAI({ ...chat, model: "m1" });
    await postOpenAI({ ...chat, model: "m2" });
    await postGemini();
    const all = (await (await fetch(`${url}/_sim/requests`)).json()) as { data: Array<{ seq: number; model: string }> };
    expect(all.data.map((r) => r.model)).toEqual(["m1", "m2", "gemini-2.5-flash"]);
    const last = (await (await fetch(`${url}/_sim/requests?limit=1`)).json()) as { data: Array<{ model: string }> };
    expect(last.data.map((r) => r.model)).toEqual(["gemini-2.5-flash"]);
    const byModel = (await (await fetch(`${url}/_sim/requests?model=m2`)).json()) as { data: Array<{ model: string }> };
    expect(byModel.data).toHaveLength(1);
    const byPath = (await (await fetch(`${url}/_sim/requests?path=/v1beta`)).json()) as { data: unknown[] };
    expect(byPath.data).toHaveLength(1);
    expect(await (await fetch(`${url}/_sim/requests`, { method: "DELETE" })).json()).toEqual({ cleared: 3 });
    expect(sim.requests()).toEqual([]);
    const res = await postOpenAI(chat);
    expect(res.headers.get("x-sim-request-seq")).toBe(String(sim.requests()[0]?.seq));
  });

  it("close() ends even with a request hanging", async () => {
    const other = createSimulator();
    const { url: otherUrl } = await other.listen(0);
    const pending = fetch(`${otherUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "x-sim-fault": "hang" },
      body: JSON.stringify(chat),
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(other.requests()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    await other.close();
    expect(await pending).toBeInstanceOf(TypeError);
  });
});

describe("determinism", () => {
  it("two simulators answer the same request identically, and a different request differently", async () => {
    const other = createSimulator();
    const { url: otherUrl } = await other.listen(0);
    try {
      const a = new OpenAI({ apiKey: "k", baseURL: `${otherUrl}/v1`, maxRetries: 0 });
      const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } }];
      for (const body of [chat, { ...chat, tools }, { ...chat, n: 2 }]) {
        const [x, y] = await Promise.all([openai.chat.completions.create(body), a.chat.completions.create(body)]);
        expect(x.choices.map((c) => c.message)).toEqual(y.choices.map((c) => c.message));
        expect(x.usage).toEqual(y.usage);
      }
      const changed = await a.chat.completions.create({ ...chat, messages: [{ role: "user", content: "Something else entirely." }] });
      const original = await a.chat.completions.create(chat);
      expect(changed.choices[0]?.message.content).not.toBe(original.choices[0]?.message.content);
      const modelChanged = await a.chat.completions.create({ ...chat, model: "sim-other" });
      expect(modelChanged.choices[0]?.message.content).not.toBe(original.choices[0]?.message.content);

      const anth = new Anthropic({ apiKey: "k", baseURL: otherUrl, maxRetries: 0 });
      const [m1, m2] = await Promise.all([anthropic.messages.create(messages), anth.messages.create(messages)]);
      expect(m1.content).toEqual(m2.content);
      const g1 = await (await postGemini()).json();
      const g2 = await (
        await fetch(`${otherUrl}/v1beta/models/gemini-2.5-flash:generateContent`, { method: "POST", headers: { "x-goog-api-key": "k" }, body: JSON.stringify(gemini) })
      ).json();
      expect((g1 as { candidates: unknown }).candidates).toEqual((g2 as { candidates: unknown }).candidates);
    } finally {
      await other.close();
    }
  });
});
