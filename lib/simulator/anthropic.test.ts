import Anthropic from "@anthropic-ai/sdk";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readSseEvents } from "@/lib/testing/sse";
import { redactSecret } from "./recorder";
import { createSimulator, type Simulator } from "./server";

// Real HTTP against an in-process simulator on port 0, driven by the official `@anthropic-ai/sdk`.
let sim: Simulator;
let url: string;
let client: Anthropic;
const KEY = "sk-ant-test-0001";

beforeAll(async () => {
  sim = createSimulator();
  ({ url } = await sim.listen(0));
  client = new Anthropic({ apiKey: KEY, baseURL: url, maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const params = {
  model: "sim-claude",
  max_tokens: 1024,
  system: "You are a support agent.",
  messages: [{ role: "user" as const, content: "Where is my order 1234? It was due on Monday." }],
};

const TOOLS: Anthropic.Tool[] = [
  {
    name: "lookup_order",
    description: "Find an order",
    input_schema: {
      type: "object",
      properties: { order_id: { type: "string", minLength: 4 }, expedite: { type: "boolean" }, items: { type: "array", items: { type: "integer", minimum: 1 } } },
      required: ["order_id", "expedite", "items"],
    },
  },
  { name: "refund", input_schema: { type: "object", properties: { amount: { type: "number" } }, required: ["amount"] } },
];

describe("Anthropic messages", () => {
  it("answers a non-streaming request with a text block, end_turn and usage; records it without the key", async () => {
    const msg = await client.messages.create(params);
    expect(msg).toMatchObject({
      type: "message",
      role: "assistant",
      model: "sim-claude",
      stop_reason: "end_turn",
      stop_sequence: null,
      content: [{ type: "text", text: expect.stringMatching(/^Simulated reply [0-9a-f]{8} to: Where is my order 1234\? It was due$/) }],
      usage: { input_tokens: expect.any(Number), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(msg.id).toMatch(/^msg_/);
    const text = msg.content[0]?.type === "text" ? msg.content[0].text : "";
    expect(msg.usage.output_tokens).toBe(Math.ceil(text.length / 4));
    const [recorded] = sim.requests();
    expect(recorded).toMatchObject({ path: "/v1/messages", provider: "anthropic", model: "sim-claude", body: params });
    // This SDK version sends the key as a Bearer token; x-api-key is checked by the raw requests below.
    expect(recorded?.headers.authorization).toBe(redactSecret(KEY));
    expect(recorded?.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(recorded)).not.toContain(KEY);
  });

  it("streams the real event sequence, and the SDK's final message equals the non-streamed one", async () => {
    const plain = await client.messages.create(params);
    const types: string[] = [];
    const stream = client.messages.stream(params);
    stream.on("streamEvent", (e) => types.push(e.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual(plain.content);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types.filter((t) => t === "content_block_delta").length).toBeGreaterThan(3);

    const raw = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const events = await readSseEvents(raw);
    expect(events.slice(0, 3).map((e) => e.event)).toEqual(["message_start", "content_block_start", "ping"]);
    for (const e of events) expect(JSON.parse(e.data)).toMatchObject({ type: e.event });
    expect(sim.requests().at(-1)?.headers["x-api-key"]).toBe(redactSecret(KEY));
  });

  it("calls the first tool with input valid for input_schema, streamed as input_json_delta", async () => {
    const msg = await client.messages.create({ ...params, tools: TOOLS });
    expect(msg.stop_reason).toBe("tool_use");
    const block = msg.content[0];
    if (block?.type !== "tool_use") throw new Error("expected tool_use");
    expect(block.name).toBe("lookup_order");
    expect(block.id).toMatch(/^toolu_/);
    expect(new Ajv2020({ strict: false }).validate(TOOLS[0]?.input_schema ?? {}, block.input)).toBe(true);

    const deltas: string[] = [];
    const stream = client.messages.stream({ ...params, tools: TOOLS });
    stream.on("streamEvent", (e) => {
      if (e.type === "content_block_delta" && e.delta.type === "input_json_delta") deltas.push(e.delta.partial_json);
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual(msg.content);
    expect(final.stop_reason).toBe("tool_use");
    expect(deltas.filter(Boolean).length).toBeGreaterThan(1);
    expect(JSON.parse(deltas.join(""))).toEqual(block.input);
  });

  it("honours tool_choice and answers in text after a tool_result", async () => {
    const named = await client.messages.create({ ...params, tools: TOOLS, tool_choice: { type: "tool", name: "refund" } });
    expect(named.content[0]).toMatchObject({ type: "tool_use", name: "refund" });
    const none = await client.messages.create({ ...params, tools: TOOLS, tool_choice: { type: "none" } });
    expect(none.stop_reason).toBe("end_turn");
    const after = await client.messages.create({
      ...params,
      tools: TOOLS,
      messages: [
        ...params.messages,
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup_order", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "shipped" }] },
      ],
    });
    expect(after.stop_reason).toBe("end_turn");
  });

  it("stops with max_tokens and stop_sequence", async () => {
    const short = await client.messages.create({ ...params, max_tokens: 3 });
    expect(short).toMatchObject({ stop_reason: "max_tokens", content: [{ type: "text", text: "Simulated re" }], usage: { output_tokens: 3 } });
    const stopped = await client.messages.create({ ...params, stop_sequences: ["reply"] });
    expect(stopped).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "reply", content: [{ text: "Simulated " }] });
    const streamed = await client.messages.stream({ ...params, stop_sequences: ["reply"] }).finalMessage();
    expect(streamed).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "reply" });
  });

  it("writes a cache_control prefix to the cache, then reads it", async () => {
    const system: Anthropic.TextBlockParam[] = [{ type: "text", text: "Policy. ".repeat(700), cache_control: { type: "ephemeral" } }];
    const first = await client.messages.create({ ...params, system });
    const second = await client.messages.create({ ...params, system, messages: [{ role: "user", content: "another question" }] });
    expect(first.usage.cache_creation_input_tokens).toBe(1400);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 1400 });
    const count = await client.messages.countTokens({ model: params.model, system, messages: [{ role: "user", content: "another question" }] });
    expect(second.usage.input_tokens + 1400).toBe(count.input_tokens);
  });

  it("returns a thinking block first when thinking is enabled, streamed with a signature", async () => {
    const thinking = { type: "enabled" as const, budget_tokens: 1024 };
    const msg = await client.messages.create({ ...params, max_tokens: 2048, thinking });
    expect(msg.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    const final = await client.messages.stream({ ...params, max_tokens: 2048, thinking }).finalMessage();
    expect(final.content).toEqual(msg.content);
  });

  it("rejects a missing anthropic-version, key or max_tokens in Anthropic's error format", async () => {
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const noVersion = await post({ "x-api-key": KEY }, params);
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message: "anthropic-version: header is required" } });
    const noKey = await post({ "anthropic-version": "2023-06-01" }, params);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const { max_tokens: _drop, ...noMax } = params;
    await expect(client.messages.create(noMax as typeof params)).rejects.toMatchObject({
      status: 400,
      error: { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } },
    });
  });

  it("lists models in Anthropic's shape when anthropic-version is sent", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("claude-sonnet-4-5");
  });
});
