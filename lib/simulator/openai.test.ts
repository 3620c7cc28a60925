import { Ajv2020 } from "ajv/dist/2020.js";
import OpenAI, { AzureOpenAI } from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { validateAgainstOpenAISpec } from "@/lib/testing/openapi-spec";
import { readSseEvents, sseJson } from "@/lib/testing/sse";
import { redactSecret } from "./recorder";
import { createSimulator, type Simulator } from "./server";

// Real HTTP against an in-process simulator on port 0, driven by the official `openai` SDK.
let sim: Simulator;
let url: string;
let client: OpenAI;
const KEY = "sk-test-openai-0001";

beforeAll(async () => {
  sim = createSimulator();
  ({ url } = await sim.listen(0));
  client = new OpenAI({ apiKey: KEY, baseURL: `${url}/v1`, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const ajv = new Ajv2020({ strict: false });
const spec = (name: string, value: unknown) => expect(validateAgainstOpenAISpec(name, value)).toEqual({ valid: true, errors: [] });

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: "system", content: "You are a support agent." },
  { role: "user", content: "Where is my order 1234? It was due on Monday." },
];

const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "lookup_order",
      parameters: {
        type: "object",
        properties: { order_id: { type: "string", minLength: 4 }, include_items: { type: "boolean" }, region: { type: "string", enum: ["eu", "us"] } },
        required: ["order_id", "include_items", "region"],
        additionalProperties: false,
      },
    },
  },
  {
    type: "function",
    function: { name: "refund", parameters: { type: "object", properties: { amount: { type: "number", minimum: 1 } }, required: ["amount"] } },
  },
];

describe("OpenAI chat completions", () => {
  it("answers a non-streaming request in the spec's shape, and records it without the key", async () => {
    const res = await client.chat.completions.create({ model: "sim-gpt", messages });
    spec("CreateChatCompletionResponse", res);
    const choice = res.choices[0];
    expect(choice?.message.content).toMatch(/^Simulated reply [0-9a-f]{8} to: Where is my order 1234\? It was due$/);
    expect(choice?.finish_reason).toBe("stop");
    expect(res.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: Math.ceil((choice?.message.content ?? "").length / 4),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(res.usage?.total_tokens).toBe((res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0));

    const [recorded] = sim.requests();
    expect(recorded).toMatchObject({ method: "POST", path: "/v1/chat/completions", provider: "openai", model: "sim-gpt", stream: false, body: { messages } });
    expect(recorded?.headers.authorization).toBe(redactSecret(KEY));
    expect(JSON.stringify(recorded)).not.toContain(KEY);
    expect(recorded?.response).toEqual({ status: 200, fault: null, outcome: "completed" });
  });

  it("streams the same answer as SSE chunks, each valid per the spec, with a final usage chunk and [DONE]", async () => {
    const plain = await client.chat.completions.create({ model: "sim-gpt", messages });
    const stream = await client.chat.completions.create({ model: "sim-gpt", messages, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const chunk of chunks) spec("CreateChatCompletionStreamResponse", chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(plain.choices[0]?.message.content);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(plain.usage);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);

    const raw = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "sim-gpt", messages, stream: true }),
    });
    expect(raw.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSseEvents(raw);
    expect(events[events.length - 1]?.data).toBe("[DONE]");
    expect(sseJson<{ usage?: unknown }>(events).every((c) => !("usage" in c))).toBe(true);
  });

  it("calls the first tool with arguments valid for its schema, streamed as tool_call deltas", async () => {
    const res = await client.chat.completions.create({ model: "sim-gpt", messages, tools: TOOLS });
    spec("CreateChatCompletionResponse", res);
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe("tool_calls");
    expect(res.choices[0]?.message.content).toBeNull();
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("lookup_order");
    const args: unknown = JSON.parse(call.function.arguments);
    expect(ajv.validate(TOOLS[0]?.type === "function" ? TOOLS[0].function.parameters ?? {} : {}, args)).toBe(true);

    const deltas: OpenAI.Chat.ChatCompletionChunk[] = [];
    const runner = client.chat.completions.stream({ model: "sim-gpt", messages, tools: TOOLS });
    runner.on("chunk", (c) => deltas.push(c));
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === "function" && streamed.function).toEqual(call.function);
    expect(streamed?.id).toBe(call.id);
    const argDeltas = deltas.flatMap((d) => d.choices[0]?.delta.tool_calls ?? []).filter((t) => t.function?.arguments);
    expect(argDeltas.length).toBeGreaterThan(1);
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("honours tool_choice, and answers in text after a tool result", async () => {
    const named = await client.chat.completions.create({ model: "sim-gpt", messages, tools: TOOLS, tool_choice: { type: "function", function: { name: "refund" } } });
    const call = named.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" && call.function.name).toBe("refund");
    const none = await client.chat.completions.create({ model: "sim-gpt", messages, tools: TOOLS, tool_choice: "none" });
    expect(none.choices[0]?.finish_reason).toBe("stop");
    const after = await client.chat.completions.create({
      model: "sim-gpt",
      tools: TOOLS,
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup_order", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: '{"status":"shipped"}' },
      ],
    });
    expect(after.choices[0]?.finish_reason).toBe("stop");
    expect(after.choices[0]?.message.content).toMatch(/^Simulated reply/);
  });

  it("returns JSON valid for a json_schema response_format (parsed by the SDK's zod helper) and for json_object", async () => {
    const Ticket = z.object({
      category: z.enum(["billing", "shipping", "other"]),
      priority: z.number().int().min(1).max(5),
      summary: z.string(),
      tags: z.array(z.string()),
      customer: z.object({ email: z.string(), vip: z.boolean() }),
      due: z.string().nullable(),
    });
    const parsed = await client.chat.completions.parse({ model: "sim-gpt", messages, response_format: zodResponseFormat(Ticket, "ticket") });
    expect(Ticket.parse(parsed.choices[0]?.message.parsed)).toMatchObject({ category: "billing", priority: 1 });

    const stream = client.chat.completions.stream({ model: "sim-gpt", messages, response_format: zodResponseFormat(Ticket, "ticket") });
    expect((await stream.finalChatCompletion()).choices[0]?.message.parsed).toEqual(parsed.choices[0]?.message.parsed);

    const obj = await client.chat.completions.create({ model: "sim-gpt", messages, response_format: { type: "json_object" } });
    expect(JSON.parse(obj.choices[0]?.message.content ?? "")).toEqual({ reply: expect.stringMatching(/^Simulated reply/) });
  });

  it("returns n choices, distinct and indexed, streamed and not", async () => {
    const res = await client.chat.completions.create({ model: "sim-gpt", messages, n: 3 });
    spec("CreateChatCompletionResponse", res);
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(res.choices.map((c) => c.message.content)).size).toBe(3);
    const stream = await client.chat.completions.create({ model: "sim-gpt", messages, n: 3, stream: true });
    const text = ["", "", ""];
    for await (const chunk of stream) for (const c of chunk.choices) text[c.index] += c.delta.content ?? "";
    expect(text).toEqual(res.choices.map((c) => c.message.content));
  });

  it("stops at max_tokens / max_completion_tokens with finish_reason length, and at stop sequences", async () => {
    const short = await client.chat.completions.create({ model: "sim-gpt", messages, max_tokens: 3 });
    expect(short.choices[0]).toMatchObject({ finish_reason: "length", message: { content: "Simulated re" } });
    expect(short.usage?.completion_tokens).toBe(3);
    const stream = await client.chat.completions.create({ model: "sim-gpt", messages, max_completion_tokens: 3, stream: true });
    const reasons: Array<string | null | undefined> = [];
    for await (const chunk of stream) reasons.push(chunk.choices[0]?.finish_reason);
    expect(reasons.filter(Boolean)).toEqual(["length"]);
    const stopped = await client.chat.completions.create({ model: "sim-gpt", messages, stop: ["reply"] });
    expect(stopped.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Simulated " } });
  });

  it("reports reasoning tokens for reasoning_effort and cached tokens for a repeated long prefix", async () => {
    const reasoning = await client.chat.completions.create({ model: "o4-mini", messages, reasoning_effort: "low" });
    expect(reasoning.usage?.completion_tokens_details?.reasoning_tokens).toBe(32);
    expect(reasoning.usage?.completion_tokens).toBe(32 + Math.ceil((reasoning.choices[0]?.message.content ?? "").length / 4));

    const longSystem = { role: "system" as const, content: "Policy. ".repeat(700) };
    const first = await client.chat.completions.create({ model: "sim-gpt", messages: [longSystem, { role: "user", content: "first question" }] });
    const second = await client.chat.completions.create({ model: "sim-gpt", messages: [longSystem, { role: "user", content: "second question" }] });
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const cached = second.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThanOrEqual(1024);
    expect(cached % 128).toBe(0);
    expect(cached).toBeLessThanOrEqual(second.usage?.prompt_tokens ?? 0);

    const forced = await client.chat.completions.create({ model: "sim-gpt", messages }, { headers: { "x-sim-cached-tokens": "5" } });
    expect(forced.usage?.prompt_tokens_details?.cached_tokens).toBe(5);
  });

  it("answers with a fixed reply, the echo, or a padded reply when asked by header", async () => {
    const fixed = await client.chat.completions.create({ model: "sim-gpt", messages }, { headers: { "x-sim-reply": "Call 555-0100" } });
    expect(fixed.choices[0]?.message.content).toBe("Call 555-0100");
    const echo = await client.chat.completions.create({ model: "sim-gpt", messages }, { headers: { "x-sim-echo": "1" } });
    expect(echo.choices[0]?.message.content).toBe("Where is my order 1234? It was due on Monday.");
    const long = await client.chat.completions.create({ model: "sim-gpt", messages }, { headers: { "x-sim-reply-words": "120" } });
    expect(long.choices[0]?.message.content?.split(/\s+/)).toHaveLength(120);
  });

  it("rejects a bad body with 400 naming the parameter, and a missing key with 401", async () => {
    const bad = client.chat.completions.create({ model: "sim-gpt", messages: [] });
    await expect(bad).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(bad).rejects.toMatchObject({ status: 400, param: "messages", type: "invalid_request_error" });
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", code: "missing_api_key" } });
  });
});

describe("OpenAI embeddings and models", () => {
  it("returns deterministic unit vectors (SDK: base64 on the wire), honouring dimensions", async () => {
    const res = await client.embeddings.create({ model: "text-embedding-3-small", input: ["refund policy", "shipping times"] });
    expect(res.data.map((d) => d.embedding.length)).toEqual([1536, 1536]);
    for (const d of res.data) expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 4);
    expect(res.data[0]?.embedding).not.toEqual(res.data[1]?.embedding);
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 }); // ceil(13/4) + ceil(14/4)
    const again = await client.embeddings.create({ model: "text-embedding-3-small", input: "refund policy", dimensions: 256 });
    expect(again.data[0]?.embedding).toHaveLength(256);
    expect(sim.requests().map((r) => (r.body as { encoding_format?: string }).encoding_format)).toEqual(["base64", "base64"]);
  });

  it("matches the spec with float encoding, and base64 decodes to the same floats", async () => {
    const call = (encoding_format: string) =>
      fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "text-embedding-3-large", input: "hello", encoding_format }),
      }).then((r) => r.json() as Promise<{ data: Array<{ embedding: number[] | string }> }>);
    const floats = await call("float");
    spec("CreateEmbeddingResponse", floats);
    const b64 = await call("base64");
    const buf = Buffer.from(String(b64.data[0]?.embedding), "base64");
    const decoded = Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
    expect(decoded).toEqual(floats.data[0]?.embedding);
    expect(decoded).toHaveLength(3072);
  });

  it("lists and retrieves models", async () => {
    const list = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) => r.json());
    spec("ListModelsResponse", list);
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("sim-primary");
    expect((await client.models.retrieve("sim-fallback")).id).toBe("sim-fallback");
    await expect(client.models.retrieve("nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("Azure OpenAI path shape", () => {
  const azure = () => new AzureOpenAI({ apiKey: "azure-key-1", endpoint: url, apiVersion: "2024-10-21", deployment: "sim-primary", maxRetries: 0 });

  it("serves chat completions and embeddings under /openai/deployments/{deployment} with the api-key header", async () => {
    const res = await azure().chat.completions.create({ model: "", messages });
    spec("CreateChatCompletionResponse", res);
    expect(res.choices[0]?.message.content).toMatch(/^Simulated reply/);
    const stream = await azure().chat.completions.create({ model: "", messages, stream: true });
    let text = "";
    let first: OpenAI.Chat.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      first ??= chunk;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(first?.choices).toEqual([]); // Azure's prompt-filter chunk
    expect(text).toBe(res.choices[0]?.message.content);
    const emb = await azure().embeddings.create({ model: "", input: "x", encoding_format: "float" });
    expect(emb.data[0]?.embedding).toHaveLength(1536);

    const recorded = sim.requests();
    expect(recorded.map((r) => r.path)).toEqual([
      "/openai/deployments/sim-primary/chat/completions",
      "/openai/deployments/sim-primary/chat/completions",
      "/openai/deployments/sim-primary/embeddings",
    ]);
    expect(recorded[0]).toMatchObject({ provider: "azure", model: "sim-primary", query: { "api-version": "2024-10-21" } });
    expect(recorded[0]?.headers["api-key"]).toBe(redactSecret("azure-key-1"));
  });

  it("answers 404 without api-version and 401 without a key, in Azure's error shape", async () => {
    const body = JSON.stringify({ messages });
    const noVersion = await fetch(`${url}/openai/deployments/d/chat/completions`, { method: "POST", headers: { "api-key": "k" }, body });
    expect(noVersion.status).toBe(404);
    expect(await noVersion.json()).toEqual({ error: { code: "404", message: "Resource not found" } });
    const noKey = await fetch(`${url}/openai/deployments/d/chat/completions?api-version=2024-10-21`, { method: "POST", body });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ error: { code: "401" } });
  });
});

describe("required API key", () => {
  it("accepts only the configured key when one is set", async () => {
    const strict = createSimulator({ apiKey: "only-this" });
    const { url: strictUrl } = await strict.listen(0);
    try {
      const wrong = new OpenAI({ apiKey: "other", baseURL: `${strictUrl}/v1`, maxRetries: 0 });
      await expect(wrong.chat.completions.create({ model: "m", messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const right = new OpenAI({ apiKey: "only-this", baseURL: `${strictUrl}/v1`, maxRetries: 0 });
      await expect(right.chat.completions.create({ model: "m", messages })).resolves.toMatchObject({ object: "chat.completion" });
    } finally {
      await strict.close();
    }
  });
});
