import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approximateJsonLength, isJsonObject, isJsonValue, MAX_JSON_DEPTH } from "@/lib/queues/json-value";

// The walk must give z.json()'s verdict: it replaces it in the request log's schema.
const ZodJson = z.json();
const ZodJsonObject = z.record(z.string(), z.json());

class Point {
  constructor(
    readonly x = 1,
    readonly y = 2,
  ) {}
}

function withSymbol(enumerable: boolean): object {
  const o: Record<string | symbol, unknown> = { a: 1 };
  Object.defineProperty(o, Symbol("s"), { value: 1, enumerable });
  return o;
}

function withHiddenBad(): object {
  const o: Record<string, unknown> = { a: 1 };
  Object.defineProperty(o, "hidden", { value: undefined, enumerable: false });
  return o;
}

const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: [true, null] });
const nullProtoBad = Object.assign(Object.create(null) as Record<string, unknown>, { a: Number.NaN });
const inheritsBad = Object.create({ inherited: undefined }) as Record<string, unknown>;
inheritsBad.own = 1;
const sparse = [1, , 3];
const ownProto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
const ownProtoBad = JSON.parse('{"a": 2}') as Record<string, unknown>;
Object.defineProperty(ownProtoBad, "__proto__", { value: undefined, enumerable: true, configurable: true, writable: true });
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = { back: [1, { fine: "yes" }] };

const values: Array<[string, unknown]> = [
  ["string", "x"],
  ["empty string", ""],
  ["true", true],
  ["false", false],
  ["null", null],
  ["zero", 0],
  ["negative zero", -0],
  ["float", 1.5],
  ["big float", 1e308],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["undefined", undefined],
  ["bigint", 1n],
  ["symbol", Symbol("s")],
  ["function", () => 1],
  ["Date", new Date(0)],
  ["Map", new Map([["a", 1]])],
  ["Set", new Set([1])],
  ["RegExp", /x/],
  ["class instance", new Point()],
  ["boxed string", Object("x") as unknown],
  ["Buffer", Buffer.from("x")],
  ["typed array", new Uint8Array([1])],
  ["empty object", {}],
  ["empty array", []],
  ["nested", { a: [1, "b", { c: null, d: [true, { e: -1.25 }] }], f: {} }],
  ["chat request", { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }], max_tokens: 32, temperature: 0.2, stream: false }],
  ["undefined property", { a: 1, b: undefined }],
  ["deep undefined", { a: [{ b: [undefined] }] }],
  ["NaN inside", { a: [1, Number.NaN] }],
  ["bigint inside", { a: { b: 2n } }],
  ["Date inside", { at: new Date(0) }],
  ["function inside", { f: () => 1 }],
  ["sparse array", sparse],
  ["array with undefined", [1, undefined]],
  ["null prototype", nullProto],
  ["null prototype, bad value", nullProtoBad],
  ["constructor property", { constructor: 1 }],
  ["inherited bad value", inheritsBad],
  ["enumerable symbol key", withSymbol(true)],
  ["hidden symbol key", withSymbol(false)],
  ["hidden bad value", withHiddenBad()],
  ["own __proto__ key", ownProto],
  ["own __proto__ key, bad value", ownProtoBad],
  ["numeric keys", { "1": 1, "2": [2] }],
  ["unicode", { "é": "ünïcødé 🎉", "\u0000": "\u0000" }],
  ["shared (not cyclic) references", cyclic],
];

describe("isJsonValue", () => {
  it.each(values)("agrees with z.json(): %s", (_name, value) => {
    expect(isJsonValue(value)).toBe(ZodJson.safeParse(value).success);
  });

  it.each(values)("isJsonObject agrees with z.record(z.string(), z.json()): %s", (_name, value) => {
    expect(isJsonObject(value)).toBe(ZodJsonObject.safeParse(value).success);
  });

  it("agrees on JSON nested up to its depth limit, and refuses deeper nesting and cycles instead of throwing", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(isJsonValue(deep)).toBe(true);
    expect(ZodJson.safeParse(deep).success).toBe(true);
    expect(isJsonValue([deep])).toBe(false);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(isJsonValue(loop)).toBe(false);
    expect(isJsonObject(loop)).toBe(false);
  });
});

describe("approximateJsonLength", () => {
  it.each([
    ["chat request", { model: "gpt-4o", messages: [{ role: "user", content: "Hello ".repeat(200) }], max_tokens: 32, temperature: 0.2 }],
    ["numbers", { a: [1, 2.5, -3, 1e21, 0], b: true, c: null }],
    ["nested", { a: [{ b: [{ c: "d" }] }], e: {} }],
    ["long text", { text: "x".repeat(100_000) }],
  ])("is within a factor of two of the JSON text's length: %s", (_name, value) => {
    const actual = JSON.stringify(value).length;
    const approx = approximateJsonLength(value);
    expect(approx).toBeGreaterThanOrEqual(actual / 2);
    expect(approx).toBeLessThanOrEqual(actual * 2);
  });

  it("throws where JSON.stringify would: a BigInt, a cycle, nesting past MAX_JSON_DEPTH", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    let deep: unknown = "x";
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
    for (const bad of [{ n: 1n }, loop, deep]) expect(() => approximateJsonLength(bad)).toThrow(TypeError);
    expect(() => JSON.stringify({ n: 1n })).toThrow();
    expect(() => JSON.stringify(loop)).toThrow();
  });
});
