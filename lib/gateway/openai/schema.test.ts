import { describe, expect, it } from "vitest";
import { validateAgainstOpenAISpec } from "@/lib/testing/openapi-spec";
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingsRequest, EmbeddingsResponse, ErrorBody } from "./schema";

// Our zod schemas against the official OpenAPI description: what OpenAI
// accepts we accept (unknown fields kept), what it refuses we refuse.

const user = { role: "user", content: "hi" } as const;

const VALID_REQUESTS: Array<[string, Record<string, unknown>]> = [
  ["minimal", { model: "gpt-4o-mini", messages: [user] }],
  [
    "every role and content shape",
    {
      model: "gpt-4o",
      messages: [
        { role: "developer", content: "be brief" },
        { role: "system", content: [{ type: "text", text: "rules" }], name: "sys" },
        {
          role: "user",
          name: "ann",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } },
            { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
            { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "done" },
        { role: "assistant", content: [{ type: "refusal", refusal: "no" }], refusal: "no" },
        { role: "function", name: "legacy", content: "x" },
      ],
    },
  ],
  [
    "tools, tool_choice, response_format and sampling",
    {
      model: "gpt-4o",
      messages: [user],
      tools: [
        { type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: {} }, strict: true } },
        { type: "custom", custom: { name: "c", format: { type: "text" } } },
      ],
      tool_choice: { type: "function", function: { name: "f" } },
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      max_tokens: 100,
      temperature: 0,
      top_p: 1,
      n: 2,
      stop: ["a", "b"],
      seed: 42,
      presence_penalty: -2,
      frequency_penalty: 2,
      logit_bias: { "50256": -100 },
      logprobs: true,
      top_logprobs: 5,
      user: "user-1",
      metadata: { team: "support" },
      store: true,
      reasoning_effort: "low",
      service_tier: "auto",
    },
  ],
  ["tool_choice modes", { model: "m", messages: [user], tool_choice: "required", tools: [{ type: "function", function: { name: "f" } }] }],
  [
    "allowed_tools",
    { model: "m", messages: [user], tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "f" } }] } } },
  ],
  ["json_object and nulls", { model: "m", messages: [user], response_format: { type: "json_object" }, temperature: null, stop: null, stream_options: null }],
];

const INVALID_REQUESTS: Array<[string, Record<string, unknown>]> = [
  ["no messages", { model: "m", messages: [] }],
  ["no model", { messages: [user] }],
  ["unknown role", { model: "m", messages: [{ role: "robot", content: "x" }] }],
  ["temperature above 2", { model: "m", messages: [user], temperature: 3 }],
  ["penalty below -2", { model: "m", messages: [user], presence_penalty: -5 }],
  ["n of 0", { model: "m", messages: [user], n: 0 }],
  ["top_logprobs above 20", { model: "m", messages: [user], top_logprobs: 30 }],
  ["image part without url", { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }],
  ["empty parts", { model: "m", messages: [{ role: "user", content: [] }] }],
  ["tool message without tool_call_id", { model: "m", messages: [{ role: "tool", content: "x" }] }],
  ["json_schema without a name", { model: "m", messages: [user], response_format: { type: "json_schema", json_schema: { schema: {} } } }],
  ["tool call with object arguments", { model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: {} } }] }] }],
  ["unknown tool_choice mode", { model: "m", messages: [user], tool_choice: "always" }],
  ["text part without text", { model: "m", messages: [{ role: "user", content: [{ type: "text" }] }] }],
];

describe("ChatCompletionRequest agrees with the OpenAI spec", () => {
  it.each(VALID_REQUESTS)("accepts %s", (_name, body) => {
    expect(validateAgainstOpenAISpec("CreateChatCompletionRequest", body)).toEqual({ valid: true, errors: [] });
    const parsed = ChatCompletionRequest.safeParse(body);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it.each(INVALID_REQUESTS)("refuses %s", (_name, body) => {
    expect(validateAgainstOpenAISpec("CreateChatCompletionRequest", body).valid).toBe(false);
    expect(ChatCompletionRequest.safeParse(body).success).toBe(false);
  });

  it("keeps unknown fields, at the top and inside messages", () => {
    const parsed = ChatCompletionRequest.parse({ model: "m", messages: [{ role: "user", content: "x", extra: 1 }], brand_new: { a: 1 }, verbosity: "low" });
    expect(parsed).toMatchObject({ brand_new: { a: 1 }, verbosity: "low", messages: [{ extra: 1 }] });
  });

  it("accepts what Gatehouse adds on purpose: metadata.gatehouse context, cache_control, unknown part types", () => {
    const parsed = ChatCompletionRequest.parse({
      model: "m",
      messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral" } }, { type: "input_video", video: "..." }] }],
      metadata: { gatehouse: { context: [{ id: "kb-1", source: "kb", text: "Refunds within 30 days", score: 0.82 }] } },
    });
    expect(parsed.metadata?.gatehouse?.context?.[0]?.id).toBe("kb-1");
    expect(() => ChatCompletionRequest.parse({ model: "m", messages: [user], metadata: { gatehouse: { context: [{ text: "no id" }] } } })).toThrow();
  });
});

describe("response schemas agree with the spec", () => {
  const completion = {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
        finish_reason: "tool_calls",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 1 }, completion_tokens_details: { reasoning_tokens: 0 } },
  };
  const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "{" } }] }, finish_reason: null }], usage: null };

  it.each([
    ["CreateChatCompletionResponse", ChatCompletion, completion],
    ["CreateChatCompletionStreamResponse", ChatCompletionChunk, chunk],
    ["CreateEmbeddingResponse", EmbeddingsResponse, { object: "list", model: "e", data: [{ object: "embedding", index: 0, embedding: [0.1] }], usage: { prompt_tokens: 1, total_tokens: 1 } }],
    ["ErrorResponse", ErrorBody, { error: { message: "m", type: "invalid_request_error", param: null, code: null } }],
  ] as const)("%s", (name, schema, value) => {
    expect(validateAgainstOpenAISpec(name, value)).toEqual({ valid: true, errors: [] });
    expect(schema.safeParse(value).success).toBe(true);
  });

  it("refuses what the spec refuses", () => {
    const bad = { ...completion, choices: [{ ...completion.choices[0], finish_reason: "done" }] };
    expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", bad).valid).toBe(false);
    expect(ChatCompletion.safeParse(bad).success).toBe(false);
    const noRole = { ...chunk, object: "chat.completion" };
    expect(validateAgainstOpenAISpec("CreateChatCompletionStreamResponse", noRole).valid).toBe(false);
    expect(ChatCompletionChunk.safeParse(noRole).success).toBe(false);
  });
});

describe("EmbeddingsRequest agrees with the spec", () => {
  it.each([
    [{ model: "e", input: "x" }],
    [{ model: "e", input: ["a", "b"], dimensions: 8, encoding_format: "base64", user: "u" }],
    [{ model: "e", input: [1, 2, 3] }],
    [{ model: "e", input: [[1], [2, 3]] }],
  ])("accepts %j", (body) => {
    expect(validateAgainstOpenAISpec("CreateEmbeddingRequest", body).valid).toBe(true);
    expect(EmbeddingsRequest.safeParse(body).success).toBe(true);
  });

  it.each([[{ model: "e", input: [] }], [{ model: "e" }], [{ model: "e", input: "x", dimensions: 0 }], [{ model: "e", input: "x", encoding_format: "hex" }], [{ model: "e", input: [1.5] }]])(
    "refuses %j",
    (body) => {
      expect(validateAgainstOpenAISpec("CreateEmbeddingRequest", body).valid).toBe(false);
      expect(EmbeddingsRequest.safeParse(body).success).toBe(false);
    },
  );
});
