import { describe, expect, it } from "vitest";
import { normaliseSchema, validateAgainstOpenAISpec } from "./openapi-spec";

// The first use parses the 3 MB spec: about a second on an idle machine, much more on a busy one.
describe("validateAgainstOpenAISpec", { timeout: 60_000 }, () => {
  const completion = {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: "hi", refusal: null }, logprobs: null, finish_reason: "stop" }],
  };

  it("accepts a valid value and names every problem of an invalid one", () => {
    expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", completion)).toEqual({ valid: true, errors: [] });
    const broken = { ...completion, created: -5, choices: [{ index: 0, message: { role: "assistant", content: 3 }, finish_reason: "done" }] };
    const result = validateAgainstOpenAISpec("CreateChatCompletionResponse", broken);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        "/choices/0 must have required property 'logprobs'",
        "/choices/0/finish_reason must be equal to one of the allowed values",
        '/created must match format "unixtime"',
      ]),
    );
  });

  it("follows $refs into other schemas (usage, stream chunks, embeddings)", () => {
    expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", { ...completion, usage: { prompt_tokens: "1" } }).errors).toEqual(
      expect.arrayContaining(["/usage must have required property 'completion_tokens'", "/usage/prompt_tokens must be integer"]),
    );
    expect(validateAgainstOpenAISpec("CreateChatCompletionStreamResponse", { id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: null }] }).valid).toBe(true);
    expect(validateAgainstOpenAISpec("CreateEmbeddingResponse", { object: "list", model: "m", data: [{ object: "embedding", index: 0, embedding: "AAAA" }], usage: { prompt_tokens: 1, total_tokens: 1 } }).valid).toBe(false);
    expect(() => validateAgainstOpenAISpec("NoSuchSchema", {})).toThrow(/no schema named NoSuchSchema/);
  });
});

describe("normaliseSchema", () => {
  it("turns OpenAPI 3.0 idioms into JSON Schema 2020-12", () => {
    const formats = new Set<string>();
    expect(normaliseSchema({ type: "string", nullable: true, enum: ["a"], format: "float" }, formats)).toEqual({ type: ["string", "null"], enum: ["a", null], format: "float" });
    expect(normaliseSchema({ $ref: "#/x", nullable: true }, formats)).toEqual({ anyOf: [{ $ref: "#/x" }, { type: "null" }] });
    expect(normaliseSchema({ type: "number", minimum: 0, exclusiveMinimum: true, discriminator: { propertyName: "t" } }, formats)).toEqual({ type: "number", exclusiveMinimum: 0 });
    expect([...formats]).toEqual(["float"]);
  });
});
