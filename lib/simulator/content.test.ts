import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  applyStopSequences,
  approxTokens,
  hashOf,
  jsonFromSchema,
  planAnswer,
  replyText,
  splitText,
  stableStringify,
  truncateToTokens,
  unitVector,
  vectorToBase64,
  type AnswerInput,
} from "./content";

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);

function expectValid(schema: object, value: unknown) {
  const validate = ajv.compile(schema);
  const ok = validate(value);
  expect(ok ? [] : validate.errors, JSON.stringify(value)).toEqual([]);
}

const SCHEMAS: Record<string, object> = {
  "strict object with nullable and enum": {
    type: "object",
    properties: {
      name: { type: "string", minLength: 3, maxLength: 40 },
      age: { type: "integer", minimum: 18, maximum: 99 },
      score: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      tier: { type: "string", enum: ["gold", "silver"] },
      nickname: { type: ["string", "null"] },
      active: { type: "boolean" },
    },
    required: ["name", "age", "score", "tier", "nickname", "active"],
    additionalProperties: false,
  },
  "arrays, formats and refs": {
    type: "object",
    $defs: {
      item: {
        type: "object",
        properties: { id: { type: "string", format: "uuid" }, at: { type: "string", format: "date-time" }, email: { type: "string", format: "email" } },
        required: ["id", "at", "email"],
        additionalProperties: false,
      },
    },
    properties: {
      items: { type: "array", items: { $ref: "#/$defs/item" }, minItems: 2, maxItems: 3 },
      tags: { type: "array", items: { type: "string", enum: ["a", "b", "c"] }, minItems: 2, uniqueItems: true },
      site: { type: "string", format: "uri" },
      count: { type: "integer", multipleOf: 5, minimum: 7 },
      tuple: { type: "array", prefixItems: [{ type: "integer" }, { type: "string" }], items: false, minItems: 2 },
    },
    required: ["items", "tags", "site", "count", "tuple"],
  },
  "anyOf, oneOf, allOf, const": {
    type: "object",
    properties: {
      value: { anyOf: [{ type: "null" }, { type: "object", properties: { x: { type: "number" } }, required: ["x"] }] },
      kind: { const: "fixed" },
      merged: { allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "integer" } }, required: ["b"] }] },
      choice: { oneOf: [{ type: "string", maxLength: 2 }, { type: "integer" }] },
    },
    required: ["value", "kind", "merged", "choice"],
  },
  "recursive tree": {
    $defs: { node: { type: "object", properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 1 } }, required: ["label"] } },
    $ref: "#/$defs/node",
  },
};

describe("jsonFromSchema", () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`generates a valid instance: ${name}`, () => {
      const value = jsonFromSchema(schema, "seed");
      expectValid(schema, value);
      expect(jsonFromSchema(schema, "seed")).toEqual(value);
    });
  }

  it("reads Gemini's upper-case OpenAPI types", () => {
    const value = jsonFromSchema({
      type: "OBJECT",
      properties: { city: { type: "STRING" }, days: { type: "INTEGER", minimum: 3 }, temps: { type: "ARRAY", items: { type: "NUMBER" } }, rain: { type: "BOOLEAN" } },
      propertyOrdering: ["rain", "city", "days", "temps"],
    }) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["rain", "city", "days", "temps"]);
    expect(value).toMatchObject({ city: expect.any(String), days: 3, rain: true });
    expect(value.temps).toEqual([expect.any(Number)]);
  });

  it("varies string values with the seed", () => {
    const schema = { type: "object", properties: { q: { type: "string" } } };
    expect(jsonFromSchema(schema, "one")).not.toEqual(jsonFromSchema(schema, "two"));
  });
});

describe("text helpers", () => {
  it("counts tokens as ceil(chars / 4)", () => {
    expect([approxTokens(""), approxTokens("abc"), approxTokens("abcd"), approxTokens("abcde")]).toEqual([0, 1, 1, 2]);
  });

  it("hashes by value, not key order", () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(hashOf({ a: 1, b: 2 })).toBe(hashOf({ b: 2, a: 1 }));
    expect(hashOf({ a: 1 })).not.toBe(hashOf({ a: 2 }));
  });

  it("replies deterministically, quoting the user and padding to the requested length", () => {
    const a = replyText({ hash: "0123456789abcdef", lastUserText: "  What is the refund policy for damaged goods please tell me  " });
    expect(a).toBe("Simulated reply 01234567 to: What is the refund policy for damaged goods");
    const long = replyText({ hash: "0123456789abcdef", lastUserText: "hi", words: 50 });
    expect(long.split(/\s+/)).toHaveLength(50);
    expect(replyText({ hash: "0123456789abcdef", lastUserText: "hi", words: 50 })).toBe(long);
    expect(replyText({ hash: "0123456789abcdef", lastUserText: "hi", variant: 1 })).not.toBe(replyText({ hash: "0123456789abcdef", lastUserText: "hi" }));
  });

  it("splits text into pieces that join back exactly", () => {
    const text = "  one two\nthree  ";
    expect(splitText(text).join("")).toBe(text);
    expect(splitText(text)).toHaveLength(3);
  });

  it("truncates to a token budget and cuts at the earliest stop sequence", () => {
    expect(truncateToTokens("abcdefghij", 2)).toEqual({ text: "abcdefgh", truncated: true });
    expect(truncateToTokens("abcd", 1)).toEqual({ text: "abcd", truncated: false });
    expect(applyStopSequences("one two three", ["three", "two"])).toEqual({ text: "one ", matched: "two" });
    expect(applyStopSequences("one", ["x"])).toEqual({ text: "one", matched: null });
  });
});

describe("planAnswer", () => {
  const base: AnswerInput = {
    hash: hashOf("m", "hello"),
    lastUserText: "hello",
    lastTurnIsToolResult: false,
    tools: [],
    toolChoice: { mode: "auto" },
    json: null,
    maxTokens: null,
    stops: [],
    variant: 0,
  };
  const tools = [
    { name: "lookup_order", schema: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } },
    { name: "refund", schema: { type: "object", properties: { amount: { type: "number", minimum: 5 } }, required: ["amount"] } },
  ];

  it("calls the first tool, or the one tool_choice names, unless the last turn is a tool result", () => {
    const first = planAnswer({ ...base, tools });
    expect(first).toMatchObject({ kind: "tool", name: "lookup_order" });
    expect(planAnswer({ ...base, tools, toolChoice: { mode: "tool", name: "refund" } })).toMatchObject({ kind: "tool", name: "refund", input: { amount: 5 } });
    expect(planAnswer({ ...base, tools, lastTurnIsToolResult: true })).toMatchObject({ kind: "text" });
    expect(planAnswer({ ...base, tools, lastTurnIsToolResult: true, toolChoice: { mode: "required" } })).toMatchObject({ kind: "tool" });
    expect(planAnswer({ ...base, tools, toolChoice: { mode: "none" } })).toMatchObject({ kind: "text" });
  });

  it("answers with reply, echo, or JSON, and finishes with length when the budget is short", () => {
    expect(planAnswer({ ...base, reply: "fixed" })).toMatchObject({ text: "fixed", finish: "stop", tokens: 2 });
    expect(planAnswer({ ...base, echo: true })).toMatchObject({ text: "hello" });
    const json = planAnswer({ ...base, json: { schema: SCHEMAS["strict object with nullable and enum"] } });
    expect(json.kind === "text" && JSON.parse(json.text)).toMatchObject({ tier: "gold" });
    expect(planAnswer({ ...base, maxTokens: 3 })).toMatchObject({ finish: "length", tokens: 3, text: "Simulated re" });
    expect(planAnswer({ ...base, stops: ["reply"] })).toMatchObject({ finish: "stop_sequence", stopSequence: "reply", text: "Simulated " });
  });
});

describe("unitVector", () => {
  it("is deterministic, unit length, float32, and base64 round-trips", () => {
    const v = unitVector("hello", 64, "m");
    expect(v).toHaveLength(64);
    expect(unitVector("hello", 64, "m")).toEqual(v);
    expect(unitVector("hellp", 64, "m")).not.toEqual(v);
    expect(Math.sqrt(v.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
    const buf = Buffer.from(vectorToBase64(v), "base64");
    expect(Array.from({ length: 64 }, (_, i) => buf.readFloatLE(i * 4))).toEqual(v);
  });

  it("embeds similar texts close together and unrelated ones far apart", () => {
    const cos = (a: string, b: string) => {
      const x = unitVector(a, 1536, "text-embedding-3-small");
      const y = unitVector(b, 1536, "text-embedding-3-small");
      return x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0);
    };
    expect(cos("What is your refund policy?", "what is your refund policy")).toBeGreaterThan(0.9);
    expect(cos("What is your refund policy?", "How do I reset my password?")).toBeLessThan(0.3);
    expect(cos("What is your refund policy?", "What is your refund policy?")).toBeCloseTo(1, 5);
    expect(unitVector("", 8, "m").some((x) => x !== 0)).toBe(true);
  });
});
