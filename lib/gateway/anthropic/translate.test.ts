import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { BadRequestError, GatehouseError } from "@/lib/errors";
import { ChatCompletionRequest, type ChatCompletion, type ChatCompletionChunk } from "@/lib/gateway/openai/schema";
import { streamCutError } from "@/lib/gateway/providers/classify";
import { ProviderError } from "@/lib/gateway/providers/types";
import { errorToAnthropic, openAIErrorToAnthropic } from "./errors";
import { MessagesRequest } from "./schema";
import { encodeAnthropicSse, openAIChunksToAnthropicEvents, type AnthropicStreamEvent } from "./stream";
import { anthropicToOpenAI, openAIToAnthropicResponse } from "./translate";

const base = { model: "claude-x", max_tokens: 512 };

describe("anthropicToOpenAI", () => {
  it("system, text, images, documents, tool use and results, in OpenAI's order", () => {
    const req = MessagesRequest.parse({
      ...base,
      system: [{ type: "text", text: "rules", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "see" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "spec.pdf" },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "s" },
            { type: "text", text: "checking" },
            { type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "also this" },
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "42" }] },
          ],
        },
      ],
    });
    const out = anthropicToOpenAI(req);
    expect(ChatCompletionRequest.safeParse(out).success).toBe(true);
    expect(out.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "rules", cache_control: { type: "ephemeral" } }] },
      {
        role: "user",
        content: [
          { type: "text", text: "see" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          { type: "image_url", image_url: { url: "https://x.test/a.png" } },
          { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "spec.pdf" } },
        ],
      },
      { role: "assistant", content: "checking", reasoning_content: "hmm", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      { role: "tool", tool_call_id: "toolu_1", content: [{ type: "text", text: "42" }] },
      { role: "user", content: [{ type: "text", text: "also this" }] },
    ]);
    expect(out.max_completion_tokens).toBe(512);
  });

  it("parameters, tools and tool choice", () => {
    const out = anthropicToOpenAI(
      MessagesRequest.parse({
        ...base,
        messages: [{ role: "user", content: "hi" }],
        stop_sequences: ["END"],
        temperature: 0.5,
        top_p: 0.9,
        top_k: 10,
        stream: true,
        metadata: { user_id: "u-1" },
        tools: [{ name: "f", description: "d", input_schema: { type: "object", properties: {} }, cache_control: { type: "ephemeral" } }],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        thinking: { type: "enabled", budget_tokens: 4000 },
      }),
    );
    expect(out).toMatchObject({
      stop: ["END"],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 10,
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
      tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: {} } }, cache_control: { type: "ephemeral" } }],
      tool_choice: "required",
      parallel_tool_calls: false,
      reasoning_effort: "medium",
      thinking: { type: "enabled", budget_tokens: 4000 },
    });
    const choice = (tc: unknown) => anthropicToOpenAI(MessagesRequest.parse({ ...base, messages: [{ role: "user", content: "x" }], tools: [{ name: "f", input_schema: {} }], tool_choice: tc })).tool_choice;
    expect(choice({ type: "auto" })).toBe("auto");
    expect(choice({ type: "none" })).toBe("none");
    expect(choice({ type: "tool", name: "f" })).toEqual({ type: "function", function: { name: "f" } });
  });

  it("output_config -> response_format and reasoning effort", () => {
    const out = anthropicToOpenAI(
      MessagesRequest.parse({ ...base, messages: [{ role: "user", content: "x" }], output_config: { effort: "max", format: { type: "json_schema", schema: { type: "object" } } } }),
    );
    expect(out.response_format).toEqual({ type: "json_schema", json_schema: { name: "output", schema: { type: "object" }, strict: true } });
    expect(out.reasoning_effort).toBe("xhigh");
  });

  it("refuses server tools and blocks it cannot carry, naming where (400)", () => {
    const refuse = (body: unknown) => {
      try {
        anthropicToOpenAI(MessagesRequest.parse(body));
      } catch (e) {
        return e;
      }
      return null;
    };
    const server = refuse({ ...base, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search" }] });
    expect(server).toBeInstanceOf(BadRequestError);
    expect((server as GatehouseError).param).toBe("tools.0");
    const block = refuse({ ...base, messages: [{ role: "user", content: [{ type: "search_result", source: "s", title: "t", content: [] }] }] });
    expect((block as GatehouseError).param).toBe("messages.0.content.0");
    const image = refuse({ ...base, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "image", source: { type: "url", url: "u" } }] }] }] });
    expect((image as GatehouseError).message).toMatch(/image/);
  });

  it("the schema refuses what Anthropic refuses", () => {
    expect(MessagesRequest.safeParse({ model: "m", messages: [{ role: "user", content: "x" }] }).success).toBe(false);
    expect(MessagesRequest.safeParse({ ...base, messages: [] }).success).toBe(false);
    expect(MessagesRequest.safeParse({ ...base, messages: [{ role: "system", content: "x" }] }).success).toBe(false);
    expect(MessagesRequest.safeParse({ ...base, messages: [{ role: "user", content: "x" }], temperature: 1.5 }).success).toBe(false);
  });
});

describe("openAIToAnthropicResponse", () => {
  const completion: ChatCompletion = {
    id: "chatcmpl-abc",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: "Here.", refusal: null, reasoning_content: "think", tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
        finish_reason: "tool_calls",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 5 } },
  };

  it("is an Anthropic SDK Message, every field present", () => {
    const msg: Anthropic.Message = openAIToAnthropicResponse(completion, { model: "claude-alias" });
    expect(msg).toEqual({
      id: "msg_abc",
      type: "message",
      role: "assistant",
      model: "claude-alias",
      content: [
        { type: "thinking", thinking: "think", signature: "" },
        { type: "text", text: "Here.", citations: null },
        { type: "tool_use", id: "call_1", name: "f", input: { a: 1 }, caller: { type: "direct" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: 60,
        output_tokens: 20,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 30,
        cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 0 },
        output_tokens_details: { thinking_tokens: 5 },
        server_tool_use: null,
        service_tier: "standard",
        inference_geo: null,
        speed: null,
      },
    });
  });

  it.each([
    ["stop", "end_turn"],
    ["length", "max_tokens"],
    ["tool_calls", "tool_use"],
    ["content_filter", "refusal"],
  ] as const)("finish %s -> stop_reason %s", (finish, stop) => {
    const c = { ...completion, choices: [{ index: 0, message: { role: "assistant" as const, content: "x", refusal: null }, finish_reason: finish, logprobs: null }] };
    expect(openAIToAnthropicResponse(c).stop_reason).toBe(stop);
  });

  it("a given usage wins (it knows cache writes the OpenAI body may not carry); broken arguments are kept raw", () => {
    const c = { ...completion, choices: [{ index: 0, message: { role: "assistant" as const, content: null, refusal: null, tool_calls: [{ id: "c", type: "function" as const, function: { name: "f", arguments: "{bad" } }] }, finish_reason: "tool_calls" as const, logprobs: null }] };
    const msg = openAIToAnthropicResponse(c, { usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0, cacheWriteTokens: 4, reasoningTokens: 0 } });
    expect(msg.usage).toMatchObject({ input_tokens: 6, cache_creation_input_tokens: 4, output_tokens: 2, output_tokens_details: null });
    expect(msg.content).toEqual([{ type: "tool_use", id: "c", name: "f", input: { _raw: "{bad" }, caller: { type: "direct" } }]);
  });
});

async function* chunksOf(list: ChatCompletionChunk[], fail?: Error): AsyncGenerator<ChatCompletionChunk> {
  for (const c of list) yield c;
  if (fail) throw fail;
}

const ck = (delta: ChatCompletionChunk["choices"][number]["delta"], finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null): ChatCompletionChunk => ({
  id: "chatcmpl-9",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe("OpenAI chunks -> Anthropic events", () => {
  it("thinking, text and tool blocks opened and closed in order, finish and usage at the end", async () => {
    const events: AnthropicStreamEvent[] = [];
    const chunks = [
      ck({ role: "assistant", reasoning_content: "hm" }),
      ck({ content: "Hi" }),
      ck({ content: " there" }),
      ck({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] }),
      ck({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
      ck({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "g", arguments: "{}" } }] }),
      ck({}, "tool_calls"),
      { ...ck({}), choices: [], usage: { prompt_tokens: 50, completion_tokens: 7, total_tokens: 57, prompt_tokens_details: { cached_tokens: 20 } } },
    ];
    for await (const e of openAIChunksToAnthropicEvents(chunksOf(chunks), { model: "claude-alias" })) events.push(e);
    expect(events.map((e) => `${e.type}${"index" in e ? `:${e.index}` : ""}`)).toEqual([
      "message_start",
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "content_block_start:2",
      "content_block_delta:2",
      "content_block_stop:2",
      "content_block_start:3",
      "content_block_delta:3",
      "content_block_stop:3",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toMatchObject({ type: "message_start", message: { id: "msg_9", model: "claude-alias", content: [] } });
    expect(events[8]).toEqual({ type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "call_1", name: "f", input: {}, caller: { type: "direct" } } });
    expect(events[9]).toEqual({ type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"a":1}' } });
    expect(events[14]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null, stop_details: null, container: null },
      usage: { input_tokens: 30, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, server_tool_use: null, output_tokens_details: null },
    });
  });

  it("usage from the stream's own promise when the chunks carry none", async () => {
    const events: AnthropicStreamEvent[] = [];
    const usage = async () => ({ promptTokens: 9, completionTokens: 3, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    for await (const e of openAIChunksToAnthropicEvents(chunksOf([ck({ content: "x" }), ck({}, "stop")]), { usage })) events.push(e);
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { input_tokens: 9, output_tokens: 3 } });
  });

  it("SSE encoding: events with names; a failure after the first event ends with event: error; before it, it is rethrown", async () => {
    const text: string[] = [];
    const failures: unknown[] = [];
    for await (const s of encodeAnthropicSse(openAIChunksToAnthropicEvents(chunksOf([ck({ content: "Hi" })], streamCutError("gone"))), { onError: (e) => failures.push(e) })) text.push(s);
    expect(text[0]).toMatch(/^event: message_start\ndata: \{"type":"message_start"/);
    const last = text.at(-1) ?? "";
    expect(last).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(last.split("data: ")[1] ?? "")).toEqual({ type: "error", error: { type: "api_error", message: expect.stringContaining("stream_cut") } });
    expect(text.some((s) => s.startsWith("event: message_stop"))).toBe(false);
    expect(failures).toHaveLength(1);

    const early = encodeAnthropicSse(openAIChunksToAnthropicEvents(chunksOf([], new Error("before anything"))));
    await expect(early.next()).rejects.toThrow("before anything");
  });
});

describe("errors -> Anthropic bodies", () => {
  it("by status, like Anthropic's own", () => {
    expect(openAIErrorToAnthropic({ error: { message: "slow" } }, 429, "req_1")).toEqual({ type: "error", error: { type: "rate_limit_error", message: "slow" }, request_id: "req_1" });
    expect(errorToAnthropic(new BadRequestError("bad field", "x"))).toEqual({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "bad field" } } });
    expect(errorToAnthropic(new ProviderError({ errorClass: "overloaded", retryable: true, status: 529, providerMessage: "Overloaded" })).body.error.type).toBe("overloaded_error");
    expect(errorToAnthropic(new ProviderError({ errorClass: "timeout", retryable: true, providerMessage: "late" }))).toMatchObject({ status: 504, body: { error: { type: "timeout_error" } } });
    expect(errorToAnthropic(new TypeError("secret internals"))).toEqual({ status: 500, body: { type: "error", error: { type: "api_error", message: "Internal error" } } });
    expect(errorToAnthropic(new GatehouseError("budget_exceeded", "Budget exceeded")).body.error.type).toBe("rate_limit_error");
  });
});
