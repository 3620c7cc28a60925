import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ChatCompletionChunk, ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { closeAllPools, createUpstreamClient, poolOrigins } from "@/lib/gateway/upstream";
import { createSimulator, type Simulator } from "@/lib/simulator/server";
import { validateAgainstOpenAISpec } from "@/lib/testing/openapi-spec";
import { getProviderAdapter } from "./registry";
import { primeChatStream } from "./stream";
import { ProviderError, type ChatStream, type ProviderKind, type ProviderTarget } from "./types";

// Every provider adapter against the simulator over real HTTP (undici pools):
// chat, stream, tools, json_schema, embeddings, and every fault classified.

let sim: Simulator;
let url: string;
const client = createUpstreamClient();

beforeAll(async () => {
  sim = createSimulator();
  ({ url } = await sim.listen(0));
});
afterAll(async () => {
  await closeAllPools({ force: true });
  await sim.close();
});
beforeEach(() => sim.reset());

interface Kind {
  kind: ProviderKind;
  model: string;
  embeddingModel: string | null;
  /** Path prefix of the simulator route this kind calls. */
  pathPrefix: string;
}

const KINDS: Kind[] = [
  { kind: "openai", model: "gpt-4o-mini", embeddingModel: "text-embedding-3-small", pathPrefix: "/v1/chat" },
  { kind: "azure_openai", model: "gpt-4o", embeddingModel: "text-embedding-3-small", pathPrefix: "/openai/deployments" },
  { kind: "anthropic", model: "claude-sonnet-4-5", embeddingModel: null, pathPrefix: "/v1/messages" },
  { kind: "gemini", model: "gemini-2.5-flash", embeddingModel: "gemini-embedding-001", pathPrefix: "/v1beta/models" },
  { kind: "openai_compatible", model: "sim-gpt", embeddingModel: "text-embedding-3-small", pathPrefix: "/v1/chat" },
];

function target(k: Kind, headers: Record<string, string> = {}, model = k.model): ProviderTarget {
  const baseUrl = k.kind === "openai" || k.kind === "openai_compatible" ? `${url}/v1` : url;
  return { kind: k.kind, baseUrl, apiKey: "sk-test-key", model, config: { headers } };
}

const opts = (signal: AbortSignal = AbortSignal.timeout(10_000)) => ({ signal, client });

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city"], additionalProperties: false },
  },
};

const answerSchema = {
  type: "object",
  properties: { answer: { type: "string" }, confidence: { type: "number" } },
  required: ["answer", "confidence"],
  additionalProperties: false,
};

const hello: ChatCompletionRequest = {
  model: "alias",
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Tell me about the refund policy for damaged goods." },
  ],
};

function expectSpecValid(schema: string, value: unknown) {
  expect(validateAgainstOpenAISpec(schema, value)).toEqual({ valid: true, errors: [] });
}

async function collect(stream: ChatStream): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream.chunks) out.push(c);
  return out;
}

/** Iterates a stream and returns the error it ends with (and the chunks before it). */
async function failureOf(stream: ChatStream): Promise<{ error: unknown; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const c of stream.chunks) chunks.push(c);
  } catch (error) {
    return { error, chunks };
  }
  throw new Error(`stream ended cleanly after ${chunks.length} chunks`);
}

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error("expected a ProviderError");
}

function textOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
}

describe.each(KINDS)("$kind adapter against the simulator", (k) => {
  const adapter = getProviderAdapter(k.kind);

  it("answers a chat completion in the OpenAI shape, with usage", async () => {
    const r = await adapter.chat(target(k), hello, opts());
    expect(r.upstreamStatus).toBe(200);
    expectSpecValid("CreateChatCompletionResponse", r.response);
    const choice = r.response.choices[0];
    expect(choice?.finish_reason).toBe("stop");
    expect(choice?.message.content).toMatch(/^Simulated reply [0-9a-f]{8} to: Tell me about the refund policy/);
    expect(r.usage.promptTokens).toBeGreaterThan(0);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    expect(r.response.usage?.prompt_tokens).toBe(r.usage.promptTokens);
    const seen = sim.requests({ pathPrefix: k.pathPrefix });
    expect(seen).toHaveLength(1);
  });

  it("streams normalised chunks that end with a finish reason and usage", async () => {
    const s = await adapter.chatStream(target(k), { ...hello, stream: true, stream_options: { include_usage: true } }, opts());
    expect(s.upstreamStatus).toBe(200);
    const chunks = await collect(s);
    for (const c of chunks) expectSpecValid("CreateChatCompletionStreamResponse", c);
    expect(textOf(chunks)).toMatch(/^Simulated reply [0-9a-f]{8} to: Tell me about the refund policy/);
    const finishes = chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean);
    expect(finishes).toEqual(["stop"]);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    const usage = await s.usage;
    expect(usage?.promptTokens).toBe(last?.usage?.prompt_tokens);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it("leaves the usage chunk out when the caller did not ask, and still reports usage", async () => {
    const s = await adapter.chatStream(target(k), { ...hello, stream: true }, opts());
    const chunks = await collect(s);
    expect(chunks.every((c) => c.usage === undefined && c.choices.length > 0)).toBe(true);
    expect((await s.usage)?.completionTokens).toBeGreaterThan(0);
  });

  it("maps a forced tool call both ways, streamed and not", async () => {
    const req: ChatCompletionRequest = { ...hello, tools: [weatherTool], tool_choice: "required", messages: [{ role: "user", content: "Weather in Paris?" }] };
    const r = await adapter.chat(target(k), req, opts());
    expectSpecValid("CreateChatCompletionResponse", r.response);
    const choice = r.response.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toMatchObject({ city: expect.any(String) });

    const s = await adapter.chatStream(target(k), { ...req, stream: true }, opts());
    const chunks = await collect(s);
    for (const c of chunks) expectSpecValid("CreateChatCompletionStreamResponse", c);
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather" } });
    expect(deltas[0]?.id).toBeTruthy();
    const args = deltas.map((d) => d.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toMatchObject({ city: expect.any(String) });
    expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean)).toEqual(["tool_calls"]);

    // The tool's answer goes back in the provider's own shape, and the model answers in text.
    const followUp: ChatCompletionRequest = {
      ...req,
      tool_choice: "auto",
      messages: [
        ...req.messages,
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"temp_c": 21}' },
      ],
    };
    const r2 = await adapter.chat(target(k), followUp, opts());
    expect(r2.response.choices[0]?.finish_reason).toBe("stop");
    expect(r2.response.choices[0]?.message.content).toMatch(/^Simulated/);
  });

  it("answers json_schema response formats with JSON that fits the schema", async () => {
    const req: ChatCompletionRequest = { ...hello, response_format: { type: "json_schema", json_schema: { name: "answer", schema: answerSchema, strict: true } } };
    const r = await adapter.chat(target(k), req, opts());
    expectSpecValid("CreateChatCompletionResponse", r.response);
    expect(r.response.choices[0]?.finish_reason).toBe("stop");
    const parsed: unknown = JSON.parse(r.response.choices[0]?.message.content ?? "");
    expect(parsed).toEqual({ answer: expect.any(String), confidence: expect.any(Number) });

    const s = await adapter.chatStream(target(k), { ...req, stream: true }, opts());
    const chunks = await collect(s);
    expect(JSON.parse(textOf(chunks))).toEqual({ answer: expect.any(String), confidence: expect.any(Number) });
    expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean)).toEqual(["stop"]);
  });

  if (k.embeddingModel) {
    const em = k.embeddingModel;
    it("answers embeddings in the OpenAI shape", async () => {
      const one = await adapter.embeddings(target(k, {}, em), { model: "alias", input: "hello world" }, opts());
      expectSpecValid("CreateEmbeddingResponse", one.response);
      expect(one.response.data).toHaveLength(1);
      const many = await adapter.embeddings(target(k, {}, em), { model: "alias", input: ["a", "bb", "ccc"], dimensions: 8 }, opts());
      expectSpecValid("CreateEmbeddingResponse", many.response);
      expect(many.response.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(many.response.data.every((d) => Array.isArray(d.embedding) && d.embedding.length === 8)).toBe(true);
      expect(many.usage.promptTokens).toBeGreaterThan(0);
    });
  } else {
    it("refuses embeddings as a non-retryable bad request", async () => {
      const e = await rejection(adapter.embeddings(target(k), { model: "alias", input: "x" }, opts()));
      expect(e).toMatchObject({ errorClass: "bad_request", retryable: false });
    });
  }

  describe("faults", () => {
    const fault = (f: string, extra: Record<string, string> = {}) => target(k, { "x-sim-fault": f, ...extra });

    it.each([
      ["500", "server", true],
      ["502", "server", true],
      ["503", "overloaded", true],
      ["529", "overloaded", true],
      ["400", "bad_request", false],
      ["401", "auth", false],
      ["403", "auth", false],
      ["404", "not_found", false],
    ])("HTTP %s -> %s (retryable %s), streamed or not", async (status, errorClass, retryable) => {
      const e = await rejection(adapter.chat(fault(status), hello, opts()));
      expect(e).toMatchObject({ errorClass, retryable, status: Number(status) });
      expect(e.providerMessage).not.toBe("");
      const s = await rejection(adapter.chatStream(fault(status), { ...hello, stream: true }, opts()));
      expect(s).toMatchObject({ errorClass, retryable, status: Number(status) });
    });

    it("429 -> rate_limited with the retry-after delay", async () => {
      const e = await rejection(adapter.chat(fault("429", { "x-sim-retry-after": "7" }), hello, opts()));
      expect(e).toMatchObject({ errorClass: "rate_limited", retryable: true, status: 429, retryAfterMs: 7000 });
    });

    it("hang -> timeout when the call's deadline fires", async () => {
      const e = await rejection(adapter.chat(fault("hang"), hello, opts(AbortSignal.timeout(150))));
      expect(e).toMatchObject({ errorClass: "timeout", retryable: true });
      const s = await rejection(adapter.chatStream(fault("hang"), { ...hello, stream: true }, opts(AbortSignal.timeout(150))));
      expect(s.errorClass).toBe("timeout");
    });

    it("reset -> reset", async () => {
      const e = await rejection(adapter.chat(fault("reset"), hello, opts()));
      expect(e).toMatchObject({ errorClass: "reset", retryable: true });
    });

    it("malformed JSON -> malformed", async () => {
      const e = await rejection(adapter.chat(fault("malformed"), hello, opts()));
      expect(e).toMatchObject({ errorClass: "malformed", retryable: true });
    });

    it("a malformed stream event -> malformed, raised from the chunk iterator", async () => {
      const s = await adapter.chatStream(fault("malformed"), { ...hello, stream: true }, opts());
      const { error } = await failureOf(s);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ errorClass: "malformed" });
    });

    it("a stream cut mid-way -> stream_cut from the iterator after the first chunks, never a clean end", async () => {
      const s = await adapter.chatStream(fault("cut", { "x-sim-reply-words": "40" }), { ...hello, stream: true }, opts());
      const { error, chunks } = await failureOf(s);
      expect(error).toMatchObject({ errorClass: "stream_cut", retryable: true });
      expect(textOf(chunks)).toMatch(/^Simulated/);
      expect(chunks.some((c) => c.choices.some((x) => x.finish_reason))).toBe(false);
    });

    it("an in-stream error event -> its class", async () => {
      const s = await adapter.chatStream(fault("stream-error", { "x-sim-reply-words": "40" }), { ...hello, stream: true }, opts());
      const { error } = await failureOf(s);
      const expected = k.kind === "anthropic" || k.kind === "gemini" ? "overloaded" : "server";
      expect(error).toMatchObject({ errorClass: expected, retryable: true, status: undefined });
    });

    it("a stalled stream -> timeout when the deadline fires mid-stream", async () => {
      const s = await adapter.chatStream(fault("stall", { "x-sim-reply-words": "40" }), { ...hello, stream: true }, opts(AbortSignal.timeout(300)));
      const { error } = await failureOf(s);
      expect(error).toMatchObject({ errorClass: "timeout" });
    });

    it("a failure before any output rejects primeChatStream, so the caller can still fall back", async () => {
      const s = await adapter.chatStream(fault("cut", { "x-sim-cut-after": "0" }), { ...hello, stream: true }, opts());
      await expect(primeChatStream(s)).rejects.toMatchObject({ errorClass: "stream_cut" });
      const ok = await primeChatStream(await adapter.chatStream(target(k), { ...hello, stream: true }, opts()));
      expect(textOf(await collect(ok))).toMatch(/^Simulated reply/);
    });
  });
});

describe("aborts and connection reuse", () => {
  const k = KINDS[0] as Kind;

  it("a client that goes away aborts the upstream request (cancelled, not retryable)", async () => {
    const closed = new Promise<void>((resolve) => {
      sim.server.once("request", (_req, res) => res.once("close", () => resolve()));
    });
    const ac = new AbortController();
    const started = new Promise<void>((resolve) => sim.server.once("request", () => resolve()));
    const pending = rejection(getProviderAdapter("openai").chat(target(k, { "x-sim-fault": "hang" }), hello, opts(ac.signal)));
    await started;
    ac.abort();
    expect(await pending).toMatchObject({ errorClass: "cancelled", retryable: false });
    await closed;
    expect(sim.requests()[0]?.response?.outcome).toBe("aborted");
  });

  it("leaving a stream early releases the upstream connection and settles usage", async () => {
    const s = await getProviderAdapter("openai").chatStream(target(k, { "x-sim-reply-words": "60", "x-sim-inter-chunk-ms": "5" }), { ...hello, stream: true }, opts());
    for await (const c of s.chunks) {
      if (c.choices[0]?.delta.content) break;
    }
    await expect(s.usage).resolves.toBeNull();
  });

  it("reuses keep-alive connections from the pool (one origin, one pool)", async () => {
    const own = createSimulator();
    const { url: ownUrl } = await own.listen(0);
    const sockets = new Set<unknown>();
    own.server.on("request", (req: { socket: unknown }) => sockets.add(req.socket));
    try {
      const t: ProviderTarget = { kind: "openai", baseUrl: `${ownUrl}/v1`, apiKey: "k", model: "gpt-4o-mini", config: {} };
      for (let i = 0; i < 20; i++) await getProviderAdapter("openai").chat(t, hello, opts());
      expect(poolOrigins()).toContain(ownUrl);
    } finally {
      await own.close();
    }
    // Sequential calls: a connection may still be finishing its last response when the next call
    // starts (then a second one opens), but no call opens a connection of its own.
    expect(sockets.size).toBeGreaterThan(0);
    expect(sockets.size).toBeLessThanOrEqual(2);
  });
});

describe("what each adapter sends upstream", () => {
  it("azure: deployment path, api-version, api-key header", async () => {
    const t: ProviderTarget = { kind: "azure_openai", baseUrl: url, apiKey: "az-key", model: "gpt-4o", config: { deployment: "prod-4o", apiVersion: "2025-01-01" } };
    await getProviderAdapter("azure_openai").chat(t, hello, opts());
    const r = sim.requests()[0];
    expect(r?.path).toBe("/openai/deployments/prod-4o/chat/completions");
    expect(r?.query).toMatchObject({ "api-version": "2025-01-01" });
    expect(Object.keys(r?.headers ?? {})).toContain("api-key");
    expect(r?.headers.authorization).toBeUndefined();
  });

  it("anthropic: system extracted, max_tokens defaulted, stop_sequences, version header", async () => {
    const t: ProviderTarget = { kind: "anthropic", baseUrl: url, apiKey: "k", model: "claude-haiku-4-5", config: { defaultMaxTokens: 777 } };
    await getProviderAdapter("anthropic").chat(t, { ...hello, stop: "END" }, opts());
    const r = sim.requests()[0];
    expect(r?.body).toMatchObject({ model: "claude-haiku-4-5", max_tokens: 777, system: [{ type: "text", text: "You are terse." }], stop_sequences: ["END"] });
    expect(r?.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("gemini: contents and systemInstruction, alt=sse for streams", async () => {
    const t: ProviderTarget = { kind: "gemini", baseUrl: url, apiKey: "k", model: "gemini-2.5-pro", config: {} };
    await collect(await getProviderAdapter("gemini").chatStream(t, { ...hello, stream: true, max_tokens: 50 }, opts()));
    const r = sim.requests()[0];
    expect(r?.path).toBe("/v1beta/models/gemini-2.5-pro:streamGenerateContent");
    expect(r?.query).toMatchObject({ alt: "sse" });
    expect(r?.body).toMatchObject({ systemInstruction: { parts: [{ text: "You are terse." }] }, contents: [{ role: "user" }], generationConfig: { maxOutputTokens: 50 } });
  });

  it("openai: the caller's unknown fields go through, Gatehouse metadata does not, streams ask for usage", async () => {
    const req = { ...hello, stream: true, seed: 7, metadata: { team: "a", gatehouse: { context: [{ id: "d1", text: "doc" }] } }, some_new_field: { x: 1 } };
    await collect(await getProviderAdapter("openai").chatStream(target(KINDS[0] as Kind), req, opts()));
    const body = sim.requests()[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: "gpt-4o-mini", seed: 7, some_new_field: { x: 1 }, metadata: { team: "a" }, stream_options: { include_usage: true } });
    expect((body.metadata as Record<string, unknown>).gatehouse).toBeUndefined();
  });
});

describe("cache and reasoning usage", () => {
  it("openai: cached and reasoning tokens", async () => {
    const t = target(KINDS[0] as Kind, { "x-sim-cached-tokens": "8", "x-sim-reasoning-tokens": "5" });
    const r = await getProviderAdapter("openai").chat(t, hello, opts());
    expect(r.usage).toMatchObject({ cachedTokens: 8, reasoningTokens: 5 });
  });

  it("anthropic: cache reads count in the prompt, thinking counts as reasoning", async () => {
    const t: ProviderTarget = { kind: "anthropic", baseUrl: url, apiKey: "k", model: "claude-sonnet-4-5", config: { headers: { "x-sim-cached-tokens": "6" } } };
    const r = await getProviderAdapter("anthropic").chat(t, { ...hello, reasoning_effort: "low", max_tokens: 4000 }, opts());
    const body = sim.requests()[0]?.body as { thinking?: unknown };
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(r.usage.cachedTokens).toBe(6);
    expect(r.usage.reasoningTokens).toBeGreaterThan(0);
    expect(r.usage.completionTokens).toBeGreaterThan(r.usage.reasoningTokens);
    expect(r.response.choices[0]?.message.reasoning_content).toMatch(/^Simulated thinking/);
    expect(r.response.usage?.prompt_tokens).toBe(r.usage.promptTokens);

    const s = await getProviderAdapter("anthropic").chatStream(t, { ...hello, reasoning_effort: "low", max_tokens: 4000, stream: true }, opts());
    const chunks = await collect(s);
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(r.response.choices[0]?.message.reasoning_content);
    expect(await s.usage).toEqual(r.usage);
  });

  it("gemini: thoughts are reasoning and part of the completion", async () => {
    const t: ProviderTarget = { kind: "gemini", baseUrl: url, apiKey: "k", model: "gemini-2.5-flash", config: { headers: { "x-sim-reasoning-tokens": "9" } } };
    const r = await getProviderAdapter("gemini").chat(t, hello, opts());
    expect(r.usage.reasoningTokens).toBe(9);
    expect(r.response.usage?.completion_tokens_details?.reasoning_tokens).toBe(9);
    expect(r.response.usage?.total_tokens).toBe(r.usage.promptTokens + r.usage.completionTokens);
  });
});
