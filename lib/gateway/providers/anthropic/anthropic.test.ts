import { describe, expect, it } from "vitest";
import { AnthropicMessage } from "@/lib/gateway/anthropic/schema";
import { ChatCompletion, type ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { drain, sseOf } from "../testing/events";
import { ProviderError, type ProviderTarget } from "../types";
import { anthropicStreamError, parseAnthropicError } from "./errors";
import { anthropicHeaders, anthropicRequest, JSON_TOOL_NAME } from "./request";
import { anthropicToOpenAICompletion, finishFromStopReason } from "./response";
import { translateAnthropicStream } from "./stream";

const target: ProviderTarget = { kind: "anthropic", baseUrl: "https://api.anthropic.com", apiKey: "sk-ant", model: "claude-sonnet-4-5", config: {} };
const cc = { type: "ephemeral" as const };
const tool = { type: "function" as const, function: { name: "f", description: "d", parameters: { type: "object", properties: { a: { type: "string" } } } } };

function body(req: Partial<ChatCompletionRequest>, t: ProviderTarget = target) {
  return anthropicRequest(t, { model: "x", messages: [{ role: "user", content: "hi" }], ...req }, false);
}

describe("request map", () => {
  it("extracts system and developer messages, with cache_control, wherever they stand", () => {
    const { body: b } = body({
      messages: [
        { role: "system", content: [{ type: "text", text: "rules", cache_control: cc }] },
        { role: "user", content: "hi" },
        { role: "developer", content: "more rules" },
      ],
    });
    expect(b.system).toEqual([{ type: "text", text: "rules", cache_control: cc }, { type: "text", text: "more rules" }]);
    expect(b.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  });

  it("max_tokens: max_completion_tokens, else max_tokens, else the target's default, else 4096", () => {
    expect(body({ max_completion_tokens: 10, max_tokens: 20 }).body.max_tokens).toBe(10);
    expect(body({ max_tokens: 20 }).body.max_tokens).toBe(20);
    expect(body({}, { ...target, config: { defaultMaxTokens: 900 } }).body.max_tokens).toBe(900);
    expect(body({}).body.max_tokens).toBe(4096);
  });

  it("user content: text, images (data: URL and URL), PDF; message-level cache_control on the last block", () => {
    const { body: b } = body({
      messages: [
        {
          role: "user",
          cache_control: cc,
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://x.test/cat.jpg" } },
            { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" } },
          ],
        },
      ],
    });
    expect(b.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
          { type: "image", source: { type: "url", url: "https://x.test/cat.jpg" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "a.pdf", cache_control: cc },
        ],
      },
    ]);
  });

  it("assistant tool calls -> tool_use; tool messages -> tool_result blocks in one user turn", () => {
    const { body: b } = body({
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "f", arguments: '{"a":"1"}' } },
            { id: "c2", type: "function", function: { name: "f", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "one" },
        { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "two" }] },
        { role: "user", content: "and?" },
      ],
      tools: [tool],
    });
    expect(b.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "c1", name: "f", input: { a: "1" } },
          { type: "tool_use", id: "c2", name: "f", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "c1", content: "one" },
          { type: "tool_result", tool_use_id: "c2", content: [{ type: "text", text: "two" }] },
          { type: "text", text: "and?" },
        ],
      },
    ]);
    expect(b.tools).toEqual([{ name: "f", description: "d", input_schema: tool.function.parameters }]);
  });

  it.each([
    ["auto", undefined],
    ["required", { type: "any" }],
    ["none", { type: "none" }],
    [{ type: "function", function: { name: "f" } }, { type: "tool", name: "f" }],
  ] as const)("tool_choice %j -> %j", (choice, expected) => {
    expect(body({ tools: [tool], tool_choice: choice }).body.tool_choice).toEqual(expected);
  });

  it("parallel_tool_calls false -> disable_parallel_tool_use", () => {
    expect(body({ tools: [tool], parallel_tool_calls: false }).body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(body({ tools: [tool], tool_choice: "required", parallel_tool_calls: false }).body.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
  });

  it("stop, temperature, top_p, top_k, user", () => {
    expect(body({ stop: ["a", "b"], temperature: 0.3, top_p: 0.9, top_k: 4, user: "u1" } as Partial<ChatCompletionRequest>).body).toMatchObject({
      stop_sequences: ["a", "b"],
      temperature: 0.3,
      top_p: 0.9,
      top_k: 4,
      metadata: { user_id: "u1" },
    });
    expect(body({ stop: "END" }).body.stop_sequences).toEqual(["END"]);
  });

  it("reasoning_effort -> a thinking budget that fits in max_tokens; an Anthropic thinking object is sent as is", () => {
    expect(body({ reasoning_effort: "medium", max_tokens: 10_000 }).body.thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    expect(body({ reasoning_effort: "high", max_tokens: 3000 }).body.thinking).toEqual({ type: "enabled", budget_tokens: 2999 });
    expect(body({ reasoning_effort: "low", max_tokens: 500 }).body.thinking).toBeUndefined();
    expect(body({ reasoning_effort: "minimal" }).body.thinking).toBeUndefined();
    expect(body({ thinking: { type: "enabled", budget_tokens: 5000 } } as Partial<ChatCompletionRequest>).body.thinking).toEqual({ type: "enabled", budget_tokens: 5000 });
  });

  it("json_schema: a forced tool by default, output_config when native or thinking", () => {
    const schema = { type: "object", properties: { x: { type: "number" } } };
    const rf = { type: "json_schema" as const, json_schema: { name: "out", schema } };
    const viaTool = body({ response_format: rf });
    expect(viaTool.jsonTool).toBe(true);
    expect(viaTool.body.tools).toEqual([{ name: JSON_TOOL_NAME, description: expect.any(String), input_schema: schema }]);
    expect(viaTool.body.tool_choice).toEqual({ type: "tool", name: JSON_TOOL_NAME });
    const withTools = body({ response_format: rf, tools: [tool] });
    expect(withTools.body.tool_choice).toEqual({ type: "any" });
    expect(body({ response_format: { type: "json_object" } }).body.tools).toEqual([{ name: JSON_TOOL_NAME, description: expect.any(String), input_schema: { type: "object" } }]);
    const native = body({ response_format: rf }, { ...target, config: { structuredOutput: "native" } });
    expect(native.jsonTool).toBe(false);
    expect(native.body.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(native.body.tools).toBeUndefined();
    expect(body({ response_format: rf, reasoning_effort: "low", max_tokens: 5000 }).body.output_config).toBeDefined();
  });

  it("refuses what Anthropic cannot do, as non-retryable bad requests", () => {
    const refused = (req: Partial<ChatCompletionRequest>) => {
      try {
        body(req);
      } catch (e) {
        return e;
      }
      return null;
    };
    for (const req of [
      { n: 2 },
      { messages: [{ role: "user" as const, content: [{ type: "input_audio" as const, input_audio: { data: "x", format: "wav" } }] }] },
      { messages: [{ role: "assistant" as const, content: null, tool_calls: [{ id: "1", type: "function" as const, function: { name: "f", arguments: "[1]" } }] }] },
      { tools: [{ type: "custom" as const, custom: { name: "c" } }] },
    ]) {
      const e = refused(req);
      expect(e).toBeInstanceOf(ProviderError);
      expect(e).toMatchObject({ errorClass: "bad_request", retryable: false });
    }
  });

  it("headers", () => {
    expect(anthropicHeaders({ ...target, config: { headers: { "anthropic-beta": "x" } } }, true)).toEqual({
      "content-type": "application/json",
      accept: "text/event-stream",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant",
      "anthropic-beta": "x",
    });
  });
});

describe("response map", () => {
  const ctx = { model: "claude-sonnet-4-5", created: 1_700_000_000, jsonTool: false };
  const msg = (content: unknown[], stop_reason: string, usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 20 }) =>
    AnthropicMessage.parse({ id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content, stop_reason, stop_sequence: null, usage });

  it("text, thinking and tool_use blocks; usage with caches and thinking", () => {
    const { response, usage } = anthropicToOpenAICompletion(
      msg(
        [
          { type: "thinking", thinking: "abcdefgh", signature: "s" },
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_1", name: "f", input: { a: "1" } },
        ],
        "tool_use",
        { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 50, output_tokens: 20 },
      ),
      ctx,
    );
    expect(ChatCompletion.safeParse(response).success).toBe(true);
    expect(response.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "Let me check.",
        refusal: null,
        reasoning_content: "abcdefgh",
        tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":"1"}' } }],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
    expect(usage).toEqual({ promptTokens: 160, completionTokens: 20, cachedTokens: 100, cacheWriteTokens: 50, reasoningTokens: 2 });
    expect(response.usage).toEqual({
      prompt_tokens: 160,
      completion_tokens: 20,
      total_tokens: 180,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 50 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it("reported thinking tokens win over the estimate", () => {
    const { usage } = anthropicToOpenAICompletion(msg([{ type: "thinking", thinking: "abcdefgh", signature: "s" }], "end_turn", { input_tokens: 1, output_tokens: 30, output_tokens_details: { thinking_tokens: 25 } }), ctx);
    expect(usage.reasoningTokens).toBe(25);
  });

  it("the structured-output tool becomes the content", () => {
    const { response } = anthropicToOpenAICompletion(msg([{ type: "tool_use", id: "t", name: JSON_TOOL_NAME, input: { x: 1 } }], "tool_use"), { ...ctx, jsonTool: true });
    expect(response.choices[0]?.message).toEqual({ role: "assistant", content: '{"x":1}', refusal: null });
    expect(response.choices[0]?.finish_reason).toBe("stop");
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["something_new", "stop"],
  ])("stop_reason %s -> %s", (reason, finish) => {
    expect(finishFromStopReason(reason)).toBe(finish);
  });
});

describe("stream map", () => {
  const ctx = { includeUsage: true, model: "claude", created: 5, jsonTool: false };
  const start = { __event: "message_start", type: "message_start", message: { id: "msg_1", model: "claude-x", usage: { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 1 } } };
  const stop = [
    { __event: "message_delta", type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } },
    { __event: "message_stop", type: "message_stop" },
  ];

  it("text, thinking and tool_use events -> chunks, finish and usage at message_stop", async () => {
    const { chunks, error, state } = await drain((s) =>
      translateAnthropicStream(
        sseOf(
          start,
          { __event: "content_block_start", type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
          { __event: "content_block_delta", type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } },
          { __event: "content_block_delta", type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
          { __event: "content_block_stop", type: "content_block_stop", index: 0 },
          { __event: "ping", type: "ping" },
          { __event: "content_block_start", type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
          { __event: "content_block_delta", type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi" } },
          { __event: "content_block_start", type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} } },
          { __event: "content_block_delta", type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "" } },
          { __event: "content_block_delta", type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":' } },
          { __event: "content_block_delta", type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "1}" } },
          { __event: "brand_new_event", type: "brand_new_event" },
          ...stop,
        ),
        ctx,
        s,
      ),
    );
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: "assistant", reasoning_content: "hmm" },
      { content: "Hi" },
      { tool_calls: [{ index: 0, id: "toolu_1", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: "1}" } }] },
      {},
      null,
    ]);
    expect(chunks.every((c) => c.id === "msg_1" && c.model === "claude-x")).toBe(true);
    expect(chunks[5]?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks[6]?.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4 } });
    expect(state.usage).toEqual({ promptTokens: 14, completionTokens: 9, cachedTokens: 4, cacheWriteTokens: 0, reasoningTokens: 1 });
  });

  it("the structured-output tool streams as content", async () => {
    const { chunks } = await drain((s) =>
      translateAnthropicStream(
        sseOf(
          start,
          { __event: "content_block_start", type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "t", name: JSON_TOOL_NAME, input: {} } },
          { __event: "content_block_delta", type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"x":1}' } },
          ...stop,
        ),
        { ...ctx, includeUsage: false, jsonTool: true },
        s,
      ),
    );
    expect(chunks.map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: "assistant", content: '{"x":1}' }, finish_reason: null, logprobs: null },
      { index: 0, delta: {}, finish_reason: "stop", logprobs: null },
    ]);
  });

  it("an error event is its class; no message_stop is stream_cut with the input usage known", async () => {
    const err = await drain((s) =>
      translateAnthropicStream(sseOf(start, { __event: "error", type: "error", error: { type: "overloaded_error", message: "Overloaded" } }), ctx, s),
    );
    expect(err.error).toMatchObject({ errorClass: "overloaded", retryable: true, providerMessage: "Overloaded" });
    const cut = await drain((s) =>
      translateAnthropicStream(sseOf(start, { __event: "content_block_delta", type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } }), ctx, s),
    );
    expect(cut.error).toMatchObject({ errorClass: "stream_cut" });
    expect(cut.state.usage?.promptTokens).toBe(14);
  });
});

describe("error map", () => {
  it("status decides; Anthropic's body gives the message", () => {
    const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } });
    expect(parseAnthropicError(529, body("overloaded_error", "Overloaded"), {})).toMatchObject({ errorClass: "overloaded", retryable: true, providerMessage: "Overloaded" });
    expect(parseAnthropicError(429, body("rate_limit_error", "slow"), { "anthropic-ratelimit-requests-reset": new Date(Date.now() + 60_000).toISOString() }).retryAfterMs).toBeGreaterThan(0);
    expect(parseAnthropicError(400, body("invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum"), {})).toMatchObject({ errorClass: "context_length" });
    expect(parseAnthropicError(401, body("authentication_error", "invalid x-api-key"), {})).toMatchObject({ errorClass: "auth", retryable: false });
  });

  it("in-stream error types", () => {
    expect(anthropicStreamError({ type: "error", error: { type: "api_error", message: "x" } })).toMatchObject({ errorClass: "server" });
    expect(anthropicStreamError({ type: "error", error: { type: "rate_limit_error", message: "x" } })).toMatchObject({ errorClass: "rate_limited" });
    expect(anthropicStreamError({})).toMatchObject({ errorClass: "server" });
  });
});
