import { describe, expect, it } from "vitest";
import { ChatCompletion, type ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { drain, sseOf } from "../testing/events";
import type { ProviderTarget } from "../types";
import { geminiStreamError, parseGeminiError } from "./errors";
import { geminiEmbeddingsRequest, geminiGenerateUrl, geminiHeaders, geminiRequest, geminiStreamUrl } from "./request";
import { finishFromGemini, GenerateContentResponse, geminiToOpenAICompletion, geminiToOpenAIEmbeddings } from "./response";
import { toGeminiSchema } from "./schema-convert";
import { translateGeminiStream } from "./stream";

const target: ProviderTarget = { kind: "gemini", baseUrl: "https://generativelanguage.googleapis.com/", apiKey: "g-key", model: "gemini-2.5-flash", config: {} };
const req = (r: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: "x", messages: [{ role: "user", content: "hi" }], ...r });

describe("request map", () => {
  it("URLs, headers", () => {
    expect(geminiGenerateUrl(target)).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
    expect(geminiStreamUrl({ ...target, config: { apiVersion: "v1" } })).toBe("https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(geminiHeaders(target, false)).toEqual({ "content-type": "application/json", accept: "application/json", "x-goog-api-key": "g-key" });
  });

  it("system instruction, roles, function calls and responses (name looked up by id)", () => {
    const body = geminiRequest(
      req({
        messages: [
          { role: "system", content: "rules" },
          { role: "developer", content: [{ type: "text", text: "more" }] },
          { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }, { type: "image_url", image_url: { url: "https://x.test/a.webp?s=1" } }] },
          { role: "assistant", content: "ok", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
          { role: "tool", tool_call_id: "c1", content: '{"temp": 21}' },
          { role: "tool", tool_call_id: "c1", content: "plain text" },
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: "rules" }, { text: "more" }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "look" }, { inlineData: { mimeType: "image/png", data: "AAAA" } }, { fileData: { mimeType: "image/webp", fileUri: "https://x.test/a.webp?s=1" } }] },
      { role: "model", parts: [{ text: "ok" }, { functionCall: { id: "c1", name: "f", args: { a: 1 } } }] },
      {
        role: "user",
        parts: [
          { functionResponse: { id: "c1", name: "f", response: { temp: 21 } } },
          { functionResponse: { id: "c1", name: "f", response: { content: "plain text" } } },
        ],
      },
    ]);
  });

  it("a tool message answering no call is refused", () => {
    expect(() => geminiRequest(req({ messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] }))).toThrow(/answers no earlier assistant tool call/);
  });

  it("tools, tool_choice and generationConfig", () => {
    const body = geminiRequest(
      req({
        tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: { a: { type: ["string", "null"] } }, additionalProperties: false } } }],
        tool_choice: { type: "function", function: { name: "f" } },
        temperature: 0.2,
        top_p: 0.5,
        max_completion_tokens: 99,
        stop: "END",
        n: 2,
        seed: 1,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        reasoning_effort: "low",
      }),
    );
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: "f", description: "d", parameters: { type: "OBJECT", properties: { a: { type: "STRING", nullable: true } } } }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } });
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.5,
      maxOutputTokens: 99,
      stopSequences: ["END"],
      candidateCount: 2,
      seed: 1,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      thinkingConfig: { thinkingBudget: 1024 },
    });
    expect(geminiRequest(req({ tools: [], tool_choice: "none" })).toolConfig).toBeUndefined();
  });

  it("json_schema -> responseSchema when it converts exactly, responseJsonSchema otherwise", () => {
    const simple = { type: "object", properties: { n: { type: "integer", minimum: 0 } }, required: ["n"] };
    expect(geminiRequest(req({ response_format: { type: "json_schema", json_schema: { name: "x", schema: simple } } })).generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: { type: "OBJECT", properties: { n: { type: "INTEGER", minimum: 0 } }, required: ["n"] },
    });
    const withRef = { $defs: { n: { type: "integer" } }, type: "object", properties: { n: { $ref: "#/$defs/n" } } };
    expect(geminiRequest(req({ response_format: { type: "json_schema", json_schema: { name: "x", schema: withRef } } })).generationConfig).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: withRef,
    });
    expect(geminiRequest(req({ response_format: { type: "json_object" } })).generationConfig).toEqual({ responseMimeType: "application/json" });
  });

  it("embeddings: one text -> embedContent, many -> batchEmbedContents; token ids refused", () => {
    expect(geminiEmbeddingsRequest(target, { model: "m", input: "a", dimensions: 8 })).toEqual({ batch: false, texts: ["a"], body: { content: { parts: [{ text: "a" }] }, outputDimensionality: 8 } });
    expect(geminiEmbeddingsRequest(target, { model: "m", input: ["a", "b"] }).body).toEqual({
      requests: [
        { model: "models/gemini-2.5-flash", content: { parts: [{ text: "a" }] } },
        { model: "models/gemini-2.5-flash", content: { parts: [{ text: "b" }] } },
      ],
    });
    expect(() => geminiEmbeddingsRequest(target, { model: "m", input: [1, 2] })).toThrow(/token ids/);
  });
});

describe("toGeminiSchema", () => {
  it("converts the OpenAPI subset and drops only annotations and additionalProperties: false", () => {
    expect(
      toGeminiSchema({
        $schema: "x",
        type: "object",
        title: "T",
        properties: { tags: { type: "array", items: { type: "string", enum: ["a", "b"] }, minItems: 1 }, kind: { const: "k" }, any: { anyOf: [{ type: "string" }, { type: "number" }] } },
        required: ["tags"],
        additionalProperties: false,
      }),
    ).toEqual({
      type: "OBJECT",
      title: "T",
      properties: { tags: { type: "ARRAY", items: { type: "STRING", enum: ["a", "b"] }, minItems: 1 }, kind: { enum: ["k"] }, any: { anyOf: [{ type: "STRING" }, { type: "NUMBER" }] } },
      required: ["tags"],
    });
  });

  it.each([
    [{ type: "object", additionalProperties: { type: "string" } }],
    [{ type: ["string", "number"] }],
    [{ oneOf: [{ type: "string" }] }],
    [{ allOf: [] }],
    [{ type: "object", properties: { a: { $ref: "#/x" } } }],
    [{ const: 1 }],
    [{ type: "string", x_custom: 1 }],
    ["not a schema"],
  ])("refuses %j (sent whole instead)", (schema) => {
    expect(toGeminiSchema(schema)).toBeNull();
  });
});

describe("response map", () => {
  const ctx = { model: "gemini-2.5-flash", created: 7, id: "chatcmpl-g" };

  it("text, thoughts and function calls; usage with thoughts and cache", () => {
    const raw = GenerateContentResponse.parse({
      candidates: [
        {
          content: { role: "model", parts: [{ text: "plan", thought: true }, { text: "Hello" }, { functionCall: { name: "f", args: { a: 1 } } }] },
          finishReason: "STOP",
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 100, candidatesTokenCount: 10, thoughtsTokenCount: 5, cachedContentTokenCount: 60, totalTokenCount: 115 },
      modelVersion: "gemini-2.5-flash-001",
      responseId: "resp1",
    });
    const { response, usage } = geminiToOpenAICompletion(raw, ctx);
    expect(ChatCompletion.safeParse(response).success).toBe(true);
    expect(response).toMatchObject({ id: "resp1", model: "gemini-2.5-flash-001", created: 7 });
    expect(response.choices[0]).toMatchObject({
      message: { role: "assistant", content: "Hello", reasoning_content: "plan", tool_calls: [{ type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
      finish_reason: "tool_calls",
    });
    expect(usage).toEqual({ promptTokens: 100, completionTokens: 15, cachedTokens: 60, cacheWriteTokens: 0, reasoningTokens: 5 });
  });

  it("a blocked prompt is one empty content_filter choice", () => {
    const { response } = geminiToOpenAICompletion(GenerateContentResponse.parse({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4 } }), ctx);
    expect(response.choices).toEqual([{ index: 0, message: { role: "assistant", content: null, refusal: null }, finish_reason: "content_filter", logprobs: null }]);
  });

  it.each([
    ["STOP", false, "stop"],
    ["STOP", true, "tool_calls"],
    ["MAX_TOKENS", false, "length"],
    ["SAFETY", false, "content_filter"],
    ["RECITATION", false, "content_filter"],
    ["PROHIBITED_CONTENT", false, "content_filter"],
    ["SPII", false, "content_filter"],
    ["BLOCKLIST", false, "content_filter"],
    ["MALFORMED_FUNCTION_CALL", false, "stop"],
    ["OTHER", false, "stop"],
    [null, false, "stop"],
  ])("finishReason %s (function call %s) -> %s", (reason, tools, expected) => {
    expect(finishFromGemini(reason, tools)).toBe(expected);
  });

  it("embeddings: floats or base64, tokens estimated", () => {
    const { response, usage } = geminiToOpenAIEmbeddings([[0.5, -1]], ["abcdefgh"], "e", false);
    expect(response).toEqual({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5, -1] }], model: "e", usage: { prompt_tokens: 2, total_tokens: 2 } });
    expect(usage.promptTokens).toBe(2);
    const b64 = geminiToOpenAIEmbeddings([[0.5, -1]], ["x"], "e", true).response.data[0]?.embedding;
    expect(typeof b64).toBe("string");
    const back = new Float32Array(new Uint8Array(Buffer.from(b64 as string, "base64")).buffer);
    expect(Array.from(back)).toEqual([0.5, -1]);
  });
});

describe("stream map", () => {
  const ctx = { includeUsage: true, model: "gemini", created: 3, id: "chatcmpl-g" };
  const ev = (candidates: unknown[], usage: Record<string, number> = { promptTokenCount: 5, candidatesTokenCount: 2 }) => ({
    candidates,
    usageMetadata: usage,
    responseId: "r1",
    modelVersion: "gemini-2.5-flash",
  });

  it("text pieces, a function call, finish; usage from the last event", async () => {
    const { chunks, error, state } = await drain((s) =>
      translateGeminiStream(
        sseOf(
          ev([{ content: { parts: [{ text: "Hel" }] }, index: 0 }]),
          ev([{ content: { parts: [{ text: "lo" }, { functionCall: { id: "fc1", name: "f", args: {} } }] }, index: 0, finishReason: "STOP" }], {
            promptTokenCount: 5,
            candidatesTokenCount: 4,
            thoughtsTokenCount: 2,
          }),
        ),
        ctx,
        s,
      ),
    );
    expect(error).toBeUndefined();
    expect(chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null])).toEqual([
      [{ role: "assistant", content: "Hel" }, null],
      [{ content: "lo", tool_calls: [{ index: 0, id: "fc1", type: "function", function: { name: "f", arguments: "{}" } }] }, null],
      [{}, "tool_calls"],
      [null, null],
    ]);
    expect(chunks[3]?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6, completion_tokens_details: { reasoning_tokens: 2 } });
    expect(state.usage?.completionTokens).toBe(6);
    expect(chunks[0]?.id).toBe("r1");
  });

  it("two candidates both finishing is complete; one unfinished is stream_cut", async () => {
    const both = await drain((s) =>
      translateGeminiStream(sseOf(ev([{ content: { parts: [{ text: "a" }] }, index: 0, finishReason: "STOP" }, { content: { parts: [{ text: "b" }] }, index: 1, finishReason: "MAX_TOKENS" }])), { ...ctx, includeUsage: false }, s),
    );
    expect(both.error).toBeUndefined();
    expect(both.chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => [c.choices[0]?.index, c.choices[0]?.finish_reason])).toEqual([
      [0, "stop"],
      [1, "length"],
    ]);
    const half = await drain((s) => translateGeminiStream(sseOf(ev([{ content: { parts: [{ text: "a" }] }, index: 0, finishReason: "STOP" }, { content: { parts: [{ text: "b" }] }, index: 1 }])), ctx, s));
    expect(half.error).toMatchObject({ errorClass: "stream_cut" });
    const none = await drain((s) => translateGeminiStream(sseOf(), ctx, s));
    expect(none.error).toMatchObject({ errorClass: "stream_cut" });
  });

  it("a blocked prompt ends the stream with content_filter; an error event is thrown", async () => {
    const blocked = await drain((s) => translateGeminiStream(sseOf({ promptFeedback: { blockReason: "SAFETY" } }), { ...ctx, includeUsage: false }, s));
    expect(blocked.error).toBeUndefined();
    expect(blocked.chunks.at(-1)?.choices[0]?.finish_reason).toBe("content_filter");
    const err = await drain((s) => translateGeminiStream(sseOf({ error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED" } }), ctx, s));
    expect(err.error).toMatchObject({ errorClass: "rate_limited", status: undefined });
  });
});

describe("error map", () => {
  it("status decides; RetryInfo gives the delay; an invalid key is auth", () => {
    const body = JSON.stringify({ error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2.5s" }] } });
    expect(parseGeminiError(429, body, {})).toMatchObject({ errorClass: "rate_limited", retryAfterMs: 2500 });
    expect(parseGeminiError(429, body, { "retry-after": "1" }).retryAfterMs).toBe(1000);
    const key = JSON.stringify({
      error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] },
    });
    expect(parseGeminiError(400, key, {})).toMatchObject({ errorClass: "auth", retryable: false });
    expect(parseGeminiError(400, JSON.stringify({ error: { code: 400, message: "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT" } }), {})).toMatchObject({
      errorClass: "context_length",
    });
    expect(parseGeminiError(503, JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } }), {})).toMatchObject({ errorClass: "overloaded" });
  });

  it("in-stream errors by code or status", () => {
    expect(geminiStreamError({ error: { code: 503, message: "x", status: "UNAVAILABLE" } })).toMatchObject({ errorClass: "overloaded" });
    expect(geminiStreamError({ error: { message: "x", status: "DEADLINE_EXCEEDED" } })).toMatchObject({ errorClass: "timeout" });
  });
});
