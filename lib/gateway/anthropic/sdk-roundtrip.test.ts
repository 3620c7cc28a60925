import Anthropic from "@anthropic-ai/sdk";
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMiniGateway, type MiniGateway } from "@/lib/gateway/providers/testing/mini-gateway";
import type { ProviderKind, ProviderTarget } from "@/lib/gateway/providers/types";
import { closeAllPools, createUpstreamClient } from "@/lib/gateway/upstream";
import { createSimulator, type Simulator } from "@/lib/simulator/server";

// The official Anthropic SDK against `/v1/messages` served through the
// inbound translator: Anthropic request -> OpenAI shape -> a provider adapter
// -> the simulator -> OpenAI shape -> Anthropic response / SSE events.

let sim: Simulator;
let gateway: MiniGateway;

const MODELS: Record<ProviderKind, string> = {
  openai: "gpt-4o-mini",
  azure_openai: "gpt-4o",
  anthropic: "claude-sonnet-4-5",
  gemini: "gemini-2.5-flash",
  openai_compatible: "sim-gpt",
};

function pick(headers: IncomingHttpHeaders): ProviderTarget {
  const kind = (headers["x-test-kind"] as ProviderKind | undefined) ?? "openai";
  const simHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith("x-sim-") && typeof v === "string") simHeaders[k] = v;
  const base = `${simUrl}${kind === "openai" || kind === "openai_compatible" ? "/v1" : ""}`;
  return { kind, baseUrl: base, apiKey: "sk-sim", model: MODELS[kind], config: { headers: simHeaders } };
}

let simUrl = "";

beforeAll(async () => {
  sim = createSimulator();
  simUrl = (await sim.listen(0)).url;
  gateway = await startMiniGateway(pick, createUpstreamClient());
});
afterAll(async () => {
  await gateway.close();
  await closeAllPools({ force: true });
  await sim.close();
});
beforeEach(() => sim.reset());

const sdk = (kind: ProviderKind, headers: Record<string, string> = {}) =>
  new Anthropic({ apiKey: "gh_live_test", baseURL: gateway.url, maxRetries: 0, defaultHeaders: { "x-test-kind": kind, ...headers } });

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe.each(["openai", "anthropic", "gemini", "azure_openai"] as const)("Anthropic SDK over a %s target", (kind) => {
  it("messages.create: system and text in, a Message out", async () => {
    const msg = await sdk(kind).messages.create({
      model: "claude-via-gatehouse",
      max_tokens: 256,
      system: "You are terse.",
      messages: [{ role: "user", content: "Tell me about the refund policy for damaged goods." }],
    });
    expect(msg.type).toBe("message");
    expect(msg.role).toBe("assistant");
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe("claude-via-gatehouse");
    expect(msg.stop_reason).toBe("end_turn");
    expect(msg.content).toHaveLength(1);
    const block = msg.content[0];
    if (block?.type !== "text") throw new Error("expected a text block");
    expect(block.text).toMatch(/^Simulated reply [0-9a-f]{8} to: Tell me about the refund policy/);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg.usage.output_tokens).toBeGreaterThan(0);
    // What the provider received came through the translator.
    const seen = sim.requests()[0]?.body as Record<string, unknown>;
    expect(JSON.stringify(seen)).toContain("You are terse.");
  });

  it("tools: tool_use out, tool_result back in, text answer", async () => {
    const client = sdk(kind);
    const first = await client.messages.create({
      model: "m",
      max_tokens: 256,
      tools: [weather],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    expect(use?.name).toBe("get_weather");
    expect(use?.input).toMatchObject({ city: expect.any(String) });
    if (!use) throw new Error("no tool_use");

    const second = await client.messages.create({
      model: "m",
      max_tokens: 256,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21 degrees and sunny" }] },
      ],
    });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content[0]?.type).toBe("text");
  });

  it("messages.stream: the SDK assembles the final message from our events", async () => {
    const stream = sdk(kind).messages.stream({
      model: "claude-via-gatehouse",
      max_tokens: 256,
      messages: [{ role: "user", content: "Stream me the refund policy please." }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (e) => types.push(e.type));
    const final = await stream.finalMessage();
    expect(types[0]).toBe("message_start");
    expect(types).toContain("content_block_start");
    expect(types).toContain("content_block_delta");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(final.stop_reason).toBe("end_turn");
    const block = final.content[0];
    if (block?.type !== "text") throw new Error("expected a text block");
    expect(block.text).toMatch(/^Simulated reply [0-9a-f]{8} to: Stream me the refund policy/);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it("messages.stream with tools: input_json_delta assembles the tool input", async () => {
    const final = await sdk(kind)
      .messages.stream({
        model: "m",
        max_tokens: 256,
        tools: [weather],
        tool_choice: { type: "tool", name: "get_weather" },
        messages: [{ role: "user", content: "Weather in Paris?" }],
      })
      .finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    const use = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    expect(use?.input).toMatchObject({ city: expect.any(String) });
    expect(use?.id).toBeTruthy();
  });

  it("a stream cut mid-way surfaces as an error in the SDK, never a clean end", async () => {
    const stream = sdk(kind, { "x-sim-fault": "cut", "x-sim-reply-words": "60" }).messages.stream({
      model: "m",
      max_tokens: 256,
      messages: [{ role: "user", content: "A long answer please." }],
    });
    let text = "";
    stream.on("text", (t) => (text += t));
    await expect(stream.finalMessage()).rejects.toThrow(/stream_cut|upstream/i);
    expect(text).toMatch(/^Simulated/);
  });

  it("an upstream 429 before the first byte is an Anthropic rate_limit_error", async () => {
    const err = await sdk(kind, { "x-sim-fault": "429" })
      .messages.create({ model: "m", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });
});
