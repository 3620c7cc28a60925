import { util } from "zod/v4/core";

/**
 * Whether a value is JSON by z.json()'s rules, without z.json()'s cost.
 *
 * z.json() is a lazy union of six schemas tried in turn at every node, and it
 * copies every object and array it walks: checking the prompt and the
 * response of a request-log record with it was most of the record's
 * validation time (measured: ~20 µs of CPU per chat record, on the gateway's
 * request path). This walk gives the same verdict (json-value.test.ts
 * compares the two):
 *
 * - strings, booleans and null; numbers that are finite (no NaN, no Infinity);
 * - arrays whose every element is JSON (a hole is `undefined`: not JSON);
 * - plain objects (zod's own `isPlainObject`: no Date, Map, class instance)
 *   whose every own enumerable property is JSON, keyed by strings (an
 *   enumerable symbol key is refused; a `__proto__` key is skipped, as zod
 *   skips it).
 *
 * Unlike z.json() it never throws: nesting deeper than `MAX_JSON_DEPTH` (or a
 * cycle) is refused, where z.json() would overflow the stack. It returns the
 * value as it is (z.json() returns a copy without `__proto__` keys).
 */
export const MAX_JSON_DEPTH = 512;

/** A JSON object (the type of z.record(z.string(), z.json())). */
export type JsonObject = Record<string, util.JSONType>;

export function isJsonValue(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJsonValue(value[i], depth + 1)) return false;
        return true;
      }
      return isJsonObjectAt(value, depth);
    default:
      return false;
  }
}

/** A JSON object: what a `Json` column of the request log holds at its top. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && isJsonObjectAt(value, 0);
}

function isJsonObjectAt(value: object, depth: number): boolean {
  if (!util.isPlainObject(value)) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key === "__proto__") continue;
    if (!isJsonValue(record[key], depth + 1)) return false;
  }
  const symbols = Object.getOwnPropertySymbols(record);
  for (const s of symbols) if (Object.prototype.propertyIsEnumerable.call(record, s)) return false;
  return true;
}

/**
 * About how many characters `value` takes as JSON text (escapes not counted):
 * cheap enough to bound a batch by size without serialising it. Throws a
 * TypeError where JSON.stringify would throw (a BigInt, a cycle or nesting
 * deeper than MAX_JSON_DEPTH), so a record that could never be enqueued is
 * caught before it joins a batch.
 */
export function approximateJsonLength(value: unknown, depth = 0): number {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
    case "boolean":
      return 8;
    case "object": {
      if (value === null) return 4;
      if (depth >= MAX_JSON_DEPTH) throw new TypeError(`nested deeper than ${MAX_JSON_DEPTH} levels (or a cycle)`);
      let n = 2;
      if (Array.isArray(value)) {
        for (const v of value as unknown[]) n += approximateJsonLength(v, depth + 1) + 1;
        return n;
      }
      const record = value as Record<string, unknown>;
      for (const key in record) n += key.length + 4 + approximateJsonLength(record[key], depth + 1);
      return n;
    }
    case "bigint":
      throw new TypeError("a BigInt is not JSON");
    default:
      return 0;
  }
}
