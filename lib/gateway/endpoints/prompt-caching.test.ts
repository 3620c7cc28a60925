import { describe, expect, it } from "vitest";
import { countBreakpoints, markSystemPromptCacheable, requestPerProvider } from "@/lib/gateway/endpoints/prompt-caching";
import { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { anthropicRequest } from "@/lib/gateway/providers/anthropic/request";
import { openAIChatBody } from "@/lib/gateway/providers/openai/request";
import type { ProviderTarget } from "@/lib/gateway/providers/types";

const LONG = "You are the support assistant of a bookshop. ".repeat(100); // 4,500 characters
const cc = { type: "ephemeral" as const };
const anthropic: ProviderTarget = { kind: "anthropic", baseUrl: "https://api.anthropic.com", apiKey: "k", model: "claude", config: {} };
const openai: ProviderTarget = { kind: "openai", baseUrl: "https://api.openai.com/v1", apiKey: "k", model: "gpt-4o", config: {} };

const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest =>
  ChatCompletionRequest.parse({ model: "x", messages: [{ role: "system", content: LONG }, { role: "user", content: "Hi" }], ...over });

describe("markSystemPromptCacheable", () => {
  it("marks the last leading system message of a long system prompt, without touching the original", () => {
    const original = req({ messages: [{ role: "system", content: LONG.slice(0, 2_000) }, { role: "developer", content: LONG.slice(0, 2_500) }, { role: "user", content: "Hi" }] });
    const marked = markSystemPromptCacheable(original, 4_096);
    expect(marked?.messages[1]).toMatchObject({ role: "developer", cache_control: cc });
    expect(marked?.messages[0]).not.toHaveProperty("cache_control");
    expect(original.messages[1]).not.toHaveProperty("cache_control");
    // Anthropic: the mark lands on the system block, caching tools + system.
    expect(anthropicRequest(anthropic, marked!, false).body.system).toEqual([
      { type: "text", text: LONG.slice(0, 2_000) },
      { type: "text", text: LONG.slice(0, 2_500), cache_control: cc },
    ]);
  });

  it("leaves short prompts, requests without a system prompt, caller-managed caching and full breakpoint budgets alone", () => {
    expect(markSystemPromptCacheable(req(), 10_000)).toBeNull();
    expect(markSystemPromptCacheable(req({ messages: [{ role: "user", content: LONG }] }), 10)).toBeNull();
    expect(markSystemPromptCacheable(req({ messages: [{ role: "system", content: [{ type: "text", text: LONG, cache_control: cc }] }, { role: "user", content: "Hi" }] }), 10)).toBeNull();
    const four = req({
      messages: [
        { role: "system", content: LONG },
        ...[1, 2, 3, 4].map((i) => ({ role: "user" as const, content: [{ type: "text" as const, text: `turn ${i}`, cache_control: cc }] })),
      ],
    });
    expect(countBreakpoints(four)).toBe(4);
    expect(markSystemPromptCacheable(four, 10)).toBeNull();
  });
});

describe("requestPerProvider", () => {
  it("marks only for Anthropic targets, once, and only when the feature says so", () => {
    const r = req();
    const sent = requestPerProvider(r, { markSystemPrompt: true, minChars: 4_096 });
    expect(sent("openai")).toBe(r);
    expect(sent("gemini")).toBe(r);
    const a = sent("anthropic");
    expect(a.messages[0]).toMatchObject({ cache_control: cc });
    expect(sent("anthropic")).toBe(a);
    expect(openAIChatBody(openai, sent("openai"), { stream: false }).messages).toEqual(r.messages);
    expect(requestPerProvider(r, { markSystemPrompt: false, minChars: 0 })("anthropic")).toBe(r);
    expect(requestPerProvider(r, undefined)("anthropic")).toBe(r);
  });
});

describe("OpenAI prompt-cache fields", () => {
  it("reach OpenAI as sent and are not sent to Anthropic, where a part's breakpoint becomes cache_control", () => {
    const r = req({
      prompt_cache_key: "tenant-a:support",
      prompt_cache_retention: "24h",
      prompt_cache_options: { ttl: "30m", mode: "explicit" },
      messages: [{ role: "system", content: [{ type: "text", text: LONG, prompt_cache_breakpoint: { mode: "explicit" } }] }, { role: "user", content: "Hi" }],
    });
    const toOpenAI = openAIChatBody(openai, r, { stream: false });
    expect(toOpenAI).toMatchObject({ prompt_cache_key: "tenant-a:support", prompt_cache_retention: "24h", prompt_cache_options: { ttl: "30m", mode: "explicit" } });
    expect((toOpenAI.messages as Array<{ content: unknown }>)[0]?.content).toEqual([{ type: "text", text: LONG, prompt_cache_breakpoint: { mode: "explicit" } }]);
    const toAnthropic = anthropicRequest(anthropic, r, false).body;
    expect(toAnthropic).not.toHaveProperty("prompt_cache_key");
    expect(toAnthropic).not.toHaveProperty("prompt_cache_retention");
    expect(toAnthropic.system).toEqual([{ type: "text", text: LONG, cache_control: cc }]);
  });

  it("refuses an unknown retention value", () => {
    expect(ChatCompletionRequest.safeParse({ model: "x", messages: [{ role: "user", content: "Hi" }], prompt_cache_retention: "forever" }).success).toBe(false);
  });
});

describe("cache_control towards OpenAI-kind upstreams", () => {
  const marked = req({
    messages: [
      { role: "system", content: [{ type: "text", text: LONG, cache_control: cc }], cache_control: cc },
      { role: "user", content: "Hi" },
    ],
    tools: [{ type: "function", function: { name: "f" }, cache_control: cc }],
  });

  it("is removed for OpenAI and Azure, which refuse unknown message fields, without touching the request", () => {
    const b = openAIChatBody(openai, marked, { stream: false });
    expect(b.messages).toEqual([{ role: "system", content: [{ type: "text", text: LONG }] }, { role: "user", content: "Hi" }]);
    expect(b.tools).toEqual([{ type: "function", function: { name: "f" } }]);
    expect(marked.messages[0]).toHaveProperty("cache_control");
    // Nothing to remove: the caller's messages are sent as they are (no copy).
    const plain = req();
    expect(openAIChatBody(openai, plain, { stream: false }).messages).toBe(plain.messages);
  });

  it("is kept for OpenAI-compatible servers (LiteLLM, OpenRouter read it)", () => {
    expect(openAIChatBody({ ...openai, kind: "openai_compatible" }, marked, { stream: false, compat: true }).messages).toBe(marked.messages);
  });
});
