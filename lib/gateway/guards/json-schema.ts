import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

/**
 * JSON-schema validation of structured outputs (Ajv, draft 2020-12 style
 * keywords of OpenAI's json_schema subset). Compiled validators are cached by
 * the schema's JSON text (a bounded map): a feature's schema compiles once
 * per process, not per request.
 */

const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: true });
// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
addFormats(ajv);

const MAX_CACHED = 500;
const cache = new Map<string, ValidateFunction | string>();

/** The compiled validator, or the compile error (a schema Ajv refuses). */
function compile(schema: unknown): ValidateFunction | string {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let out: ValidateFunction | string;
  try {
    out = ajv.compile(schema as object);
  } catch (err) {
    out = `invalid schema: ${err instanceof Error ? err.message.slice(0, 200) : "unknown"}`;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, out);
  return out;
}

export type SchemaCheck = { ok: true; value: unknown } | { ok: false; error: string; parsed: boolean };

/** Parses `text` as JSON and validates it against `schema`. */
export function checkJson(text: string | null | undefined, schema: unknown): SchemaCheck {
  if (typeof text !== "string") return { ok: false, error: "the answer has no text content", parsed: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${err instanceof Error ? err.message.slice(0, 120) : "parse error"})`, parsed: false };
  }
  if (schema === null || schema === undefined) {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? { ok: true, value } : { ok: false, error: "not a JSON object", parsed: true };
  }
  const validate = compile(schema);
  if (typeof validate === "string") return { ok: false, error: validate, parsed: true };
  if (validate(value)) return { ok: true, value };
  const e = validate.errors?.[0];
  const where = e?.instancePath || "(root)";
  return { ok: false, error: `${where} ${e?.message ?? "does not match the schema"}`.slice(0, 300), parsed: true };
}
