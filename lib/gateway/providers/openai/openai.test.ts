import { describe, expect, it } from "vitest";
import { ChatCompletion, ChatCompletionChunk, type ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { drain, sseOf } from "../testing/events";
import type { ProviderTarget } from "../types";
import { openAIStreamError, parseOpenAIError } from "./errors";
import { openAIChatBody, openAIHeaders } from "./request";
import { isPlainCompletion, normaliseFinishReason, normaliseOpenAICompletion, UpstreamCompletion } from "./response";
import { translateOpenAIStream } from "./stream";

const target: ProviderTarget = { kind: "openai", baseUrl: "https://api.openai.com/v1", apiKey: "sk-1", model: "gpt-4o-mini", config: { headers: { "openai-organization": "org-1" } } };
const req: ChatCompletionRequest = { model: "alias", messages: [{ role: "user", content: "hi" }] };

describe("request map", () => {
  it("forwards the caller's fields, the target's model, metadata without Gatehouse's key", () => {
    const body = openAIChatBody(target, { ...req, seed: 3, n: 2, logit_bias: { "50256": -100 }, metadata: { a: "1", gatehouse: { context: [] } }, new_thing: true }, { stream: false });
    expect(body).toEqual({ model: "gpt-4o-mini", messages: req.messages, seed: 3, n: 2, logit_bias: { "50256": -100 }, metadata: { a: "1" }, new_thing: true });
  });

  it("streams always ask for usage; non-streams never carry stream fields", () => {
    expect(openAIChatBody(target, { ...req, stream: true, stream_options: { include_obfuscation: false } }, { stream: true })).toMatchObject({
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
    const plain = openAIChatBody(target, { ...req, stream: true, stream_options: { include_usage: true } }, { stream: false });
    expect(plain.stream).toBeUndefined();
    expect(plain.stream_options).toBeUndefined();
  });

  it("drops vendor fields OpenAI refuses; compatible servers get max_tokens and keep top_k", () => {
    const withVendor = { ...req, thinking: { type: "enabled", budget_tokens: 2000 }, top_k: 5, max_completion_tokens: 100 };
    const o = openAIChatBody(target, withVendor, { stream: false });
    expect(o.thinking).toBeUndefined();
    expect(o.top_k).toBeUndefined();
    expect(o.max_completion_tokens).toBe(100);
    const c = openAIChatBody(target, withVendor, { stream: false, compat: true });
    expect(c).toMatchObject({ top_k: 5, max_tokens: 100 });
    expect(c.max_completion_tokens).toBeUndefined();
    expect(c.thinking).toBeUndefined();
  });

  it("headers: bearer key, extra headers, none without a key", () => {
    expect(openAIHeaders(target, true)).toEqual({ "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer sk-1", "openai-organization": "org-1" });
    expect(openAIHeaders({ ...target, apiKey: null, config: {} }, false).authorization).toBeUndefined();
  });
});

describe("response map", () => {
  const ctx = { model: "gpt-4o-mini", created: 1_700_000_000 };

  it("keeps a full OpenAI answer as it is, usage normalised", () => {
    const raw = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_700_000_001,
      model: "gpt-4o-mini-2024-07-18",
      system_fingerprint: "fp_1",
      choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null, annotations: [] }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 2 } },
    };
    const { response, usage } = normaliseOpenAICompletion(UpstreamCompletion.parse(raw), ctx);
    expect(ChatCompletion.safeParse(response).success).toBe(true);
    expect(response).toMatchObject({ id: "chatcmpl-1", created: 1_700_000_001, model: "gpt-4o-mini-2024-07-18", system_fingerprint: "fp_1" });
    expect(response.usage?.prompt_tokens_details).toEqual({ cached_tokens: 4, audio_tokens: 0 });
    expect(usage).toEqual({ promptTokens: 10, completionTokens: 5, cachedTokens: 4, cacheWriteTokens: 0, reasoningTokens: 2 });
  });

  it("fills what compatible servers leave out", () => {
    const raw = {
      choices: [
        {
          message: {
            content: "",
            reasoning: "thought",
            tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }],
          },
          finish_reason: "stop",
        },
      ],
    };
    const { response, usage } = normaliseOpenAICompletion(UpstreamCompletion.parse(raw), ctx);
    expect(ChatCompletion.safeParse(response).success).toBe(true);
    expect(response.id).toMatch(/^chatcmpl-/);
    expect(response.created).toBe(ctx.created);
    expect(response.model).toBe("gpt-4o-mini");
    const choice = response.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.reasoning_content).toBe("thought");
    expect(choice?.message.tool_calls?.[0]).toMatchObject({ id: expect.stringMatching(/^call_/), type: "function", function: { name: "f", arguments: '{"a":1}' } });
    expect(choice?.logprobs).toBeNull();
    expect(response.usage).toBeUndefined();
    expect(usage.promptTokens).toBe(0);
  });

  it.each([
    ["stop", false, "stop"],
    ["length", false, "length"],
    ["tool_calls", true, "tool_calls"],
    ["content_filter", false, "content_filter"],
    ["function_call", false, "function_call"],
    ["eos", false, "stop"],
    ["max_tokens", false, "length"],
    ["abort", false, "stop"],
    [null, false, "stop"],
    [null, true, "tool_calls"],
    ["stop", true, "tool_calls"],
  ])("finish reason %s (tool calls %s) -> %s", (reason, tools, expected) => {
    expect(normaliseFinishReason(reason, tools)).toBe(expected);
  });
});

describe("stream map", () => {
  const ctx = { includeUsage: false, model: "m", created: 1, id: "chatcmpl-x", tolerant: false };
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 5, model: "gpt", choices, ...extra });
  const usage = { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1 }, completion_tokens_details: { reasoning_tokens: 0 } };

  it("passes chunks through normalised, drops Azure's preamble, hides usage unless asked", async () => {
    const events = () =>
      sseOf(
        { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [] },
        chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], { usage: null }),
        chunk([{ index: 0, delta: { content: "Hel" }, finish_reason: null }], { usage: null }),
        chunk([{ index: 0, delta: {}, finish_reason: "stop" }], { usage: null }),
        chunk([], { usage }),
        "[DONE]",
      );
    const hidden = await drain((s) => translateOpenAIStream(events(), ctx, s));
    expect(hidden.error).toBeUndefined();
    expect(hidden.chunks).toHaveLength(3);
    expect(hidden.chunks.every((c) => !("usage" in c))).toBe(true);
    expect(hidden.chunks.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, "stop"]);
    expect(hidden.state.usage).toEqual({ promptTokens: 3, completionTokens: 4, cachedTokens: 1, cacheWriteTokens: 0, reasoningTokens: 0 });
    for (const c of hidden.chunks) expect(ChatCompletionChunk.safeParse(c).success).toBe(true);

    const shown = await drain((s) => translateOpenAIStream(events(), { ...ctx, includeUsage: true }, s));
    expect(shown.chunks).toHaveLength(4);
    expect(shown.chunks.slice(0, 3).every((c) => c.usage === null)).toBe(true);
    expect(shown.chunks[3]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  });

  it("completes tool-call deltas and renames reasoning", async () => {
    const { chunks } = await drain((s) =>
      translateOpenAIStream(
        sseOf(
          chunk([{ delta: { reasoning: "hmm", tool_calls: [{ id: "c1", function: { name: "f", arguments: "" } }] } }]),
          chunk([{ delta: { tool_calls: [{ index: 0, function: { arguments: { x: 1 } } }] } }]),
          chunk([{ delta: {}, finish_reason: "stop" }]),
          "[DONE]",
        ),
        ctx,
        s,
      ),
    );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ reasoning_content: "hmm", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: "" } }] });
    expect(chunks[1]?.choices[0]?.delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{"x":1}' } }]);
    expect(chunks[2]?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("an end without [DONE] is stream_cut; tolerant servers may omit it once every choice finished", async () => {
    const finished = () => sseOf(chunk([{ index: 0, delta: { content: "a" }, finish_reason: null }]), chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
    expect((await drain((s) => translateOpenAIStream(finished(), ctx, s))).error).toMatchObject({ errorClass: "stream_cut", retryable: true });
    expect((await drain((s) => translateOpenAIStream(finished(), { ...ctx, tolerant: true }, s))).error).toBeUndefined();
    const unfinished = sseOf(chunk([{ index: 0, delta: { content: "a" }, finish_reason: null }]));
    expect((await drain((s) => translateOpenAIStream(unfinished, { ...ctx, tolerant: true }, s))).error).toMatchObject({ errorClass: "stream_cut" });
  });

  it("an error event and a broken event are thrown, classified", async () => {
    const err = await drain((s) => translateOpenAIStream(sseOf(chunk([{ delta: { content: "a" } }]), { error: { message: "boom", type: "server_error", param: null, code: null } }), ctx, s));
    expect(err.chunks).toHaveLength(1);
    expect(err.error).toMatchObject({ errorClass: "server", retryable: true, status: undefined, providerMessage: "boom" });
    const bad = await drain((s) => translateOpenAIStream(sseOf('{"id":"x","choi'), ctx, s));
    expect(bad.error).toMatchObject({ errorClass: "malformed", retryable: true });
    const shape = await drain((s) => translateOpenAIStream(sseOf({ choices: "nope" }), ctx, s));
    expect(shape.error).toMatchObject({ errorClass: "malformed" });
  });
});

describe("error map", () => {
  it("reads OpenAI, Azure, vLLM and Ollama error bodies", () => {
    expect(parseOpenAIError(429, JSON.stringify({ error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" } }), { "retry-after-ms": "1500" })).toMatchObject({
      errorClass: "rate_limited",
      retryAfterMs: 1500,
      providerMessage: "slow down",
      providerCode: "rate_limit_exceeded",
    });
    expect(parseOpenAIError(400, JSON.stringify({ error: { message: "max ctx", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } }), {})).toMatchObject({
      errorClass: "context_length",
    });
    expect(parseOpenAIError(400, JSON.stringify({ error: { code: "content_filter", message: "filtered", innererror: { code: "ResponsibleAIPolicyViolation" } } }), {})).toMatchObject({
      errorClass: "content_filter",
      retryable: false,
    });
    expect(parseOpenAIError(400, JSON.stringify({ object: "error", message: "bad temp", type: "BadRequestError", code: 400 }), {})).toMatchObject({ errorClass: "bad_request", providerMessage: "bad temp" });
    expect(parseOpenAIError(404, JSON.stringify({ error: "model 'x' not found" }), {})).toMatchObject({ errorClass: "not_found", providerMessage: "model 'x' not found" });
    expect(parseOpenAIError(502, "<html>bad gateway</html>", {})).toMatchObject({ errorClass: "server", providerMessage: "<html>bad gateway</html>" });
    expect(parseOpenAIError(503, "", {})).toMatchObject({ errorClass: "overloaded", providerMessage: "HTTP 503" });
  });

  it("in-stream error types map to the class of their status", () => {
    expect(openAIStreamError({ error: { message: "x", type: "rate_limit_error" } })).toMatchObject({ errorClass: "rate_limited", status: undefined });
    expect(openAIStreamError({ error: { message: "x", type: "invalid_request_error", code: "context_length_exceeded" } })).toMatchObject({ errorClass: "context_length" });
    expect(openAIStreamError({ error: { message: "x" } })).toMatchObject({ errorClass: "server" });
  });
});

describe("isPlainCompletion: the hand-checked common answer reads exactly as zod's parse of it", () => {
  const ctx = { model: "gpt-4o-mini", created: 1_700_000_000 };
  const text = (extra: Record<string, unknown> = {}, message: Record<string, unknown> = {}) => ({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_001,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null, ...message }, finish_reason: "stop", logprobs: null }],
    ...extra,
  });

  it.each([
    ["a plain answer", text()],
    ["usage with details and unknown fields", text({ usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 1, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 1 } }, system_fingerprint: "fp" })],
    ["reasoning under either name", text({}, { reasoning: "because", annotations: [] })],
    ["nulls where servers leave things out", { id: null, created: null, model: null, choices: [{ message: { content: null }, finish_reason: null }], usage: null }],
    ["two choices, odd finish reason", { id: "x", choices: [{ index: 0, message: { content: "a" }, finish_reason: "eos" }, { index: 1, message: { content: "b" }, finish_reason: "length" }] }],
  ])("accepts %s, and normalises it as the zod path does", (_name, raw) => {
    expect(isPlainCompletion(raw)).toBe(true);
    const parsed = UpstreamCompletion.safeParse(raw);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(raw);
    const fast = normaliseOpenAICompletion(raw as UpstreamCompletion, ctx);
    const slow = normaliseOpenAICompletion(UpstreamCompletion.parse(raw), ctx);
    // ids made up for a missing one differ run to run; everything else is the same
    expect({ ...fast.response, id: "" }).toEqual({ ...slow.response, id: "" });
    expect(fast.usage).toEqual(slow.usage);
  });

  it.each([
    ["tool calls", text({}, { tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] })],
    ["content parts", text({}, { content: [{ type: "text", text: "hi" }] })],
    ["no choices", { id: "x" }],
    ["a numeric id", { ...text(), id: 7 }],
    ["a fractional index", { choices: [{ index: 0.5, message: { content: "a" } }] }],
    ["a message that is not an object", { choices: [{ message: "hi" }] }],
    ["usage as a string", text({ usage: "lots" })],
    ["a token count as a string", text({ usage: { prompt_tokens: "3" } })],
    ["details as an array", text({ usage: { prompt_tokens_details: [] } })],
    ["not an object", ["choices"]],
  ])("leaves %s to zod", (_name, raw) => {
    expect(isPlainCompletion(raw)).toBe(false);
  });
});
