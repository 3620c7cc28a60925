import type { IncomingHttpHeaders } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMiniGateway, type MiniGateway } from "@/lib/gateway/providers/testing/mini-gateway";
import type { ProviderKind, ProviderTarget } from "@/lib/gateway/providers/types";
import { closeAllPools, createUpstreamClient } from "@/lib/gateway/upstream";
import { createSimulator, type Simulator } from "@/lib/simulator/server";
import { validateAgainstOpenAISpec } from "@/lib/testing/openapi-spec";

// The official OpenAI SDK against chat completions served by each provider
// adapter (through the simulator), with the SSE encoding of lib/gateway/openai/sse.ts.

let sim: Simulator;
let simUrl = "";
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
  new OpenAI({ apiKey: "gh_live_test", baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: { "x-test-kind": kind, ...headers } });

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: { name: "lookup_order", description: "Find an order", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"], additionalProperties: false } },
  },
];

describe.each(["openai", "azure_openai", "anthropic", "gemini", "openai_compatible"] as const)("OpenAI SDK over a %s target", (kind) => {
  it("chat.completions.create", async () => {
    const r = await sdk(kind).chat.completions.create({ model: "support-reply", messages: [{ role: "user", content: "Where is my parcel?" }] });
    expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", r)).toEqual({ valid: true, errors: [] });
    expect(r.choices[0]?.message.content).toMatch(/^Simulated reply [0-9a-f]{8} to: Where is my parcel\?/);
    expect(r.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streaming with include_usage", async () => {
    const stream = await sdk(kind).chat.completions.create({
      model: "support-reply",
      messages: [{ role: "user", content: "Where is my parcel?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toMatch(/^Simulated reply [0-9a-f]{8} to: Where is my parcel\?/);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("tools, streamed through the SDK's runner helpers", async () => {
    const runner = sdk(kind).chat.completions.stream({
      model: "support-reply",
      messages: [{ role: "user", content: "Look up order 42" }],
      tools,
      tool_choice: { type: "function", function: { name: "lookup_order" } },
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    if (call?.type !== "function") throw new Error("no function call");
    expect(call.function.name).toBe("lookup_order");
    expect(JSON.parse(call.function.arguments)).toMatchObject({ order_id: expect.any(String) });
  });

  it("json_schema output parses with the SDK", async () => {
    const r = await sdk(kind).chat.completions.parse({
      model: "support-reply",
      messages: [{ role: "user", content: "Classify this ticket" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "ticket",
          strict: true,
          schema: { type: "object", properties: { category: { type: "string", enum: ["billing", "shipping"] }, urgent: { type: "boolean" } }, required: ["category", "urgent"], additionalProperties: false },
        },
      },
    });
    expect(r.choices[0]?.message.parsed).toEqual({ category: expect.stringMatching(/^(billing|shipping)$/), urgent: expect.any(Boolean) });
  });

  it("a stream cut mid-way raises in the SDK instead of ending cleanly", async () => {
    const stream = await sdk(kind, { "x-sim-fault": "cut", "x-sim-reply-words": "60" }).chat.completions.create({
      model: "support-reply",
      messages: [{ role: "user", content: "A long answer please" }],
      stream: true,
    });
    let text = "";
    const run = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    };
    await expect(run()).rejects.toThrow(/stream_cut/);
    expect(text).toMatch(/^Simulated/);
  });

  it("an upstream 429 before the first byte is a RateLimitError", async () => {
    await expect(
      sdk(kind, { "x-sim-fault": "429" }).chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });
});
