import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { load as loadYaml } from "js-yaml";

/**
 * Validates values against the official OpenAI OpenAPI description
 * (`shared/specs/openai-openapi.yaml` beside the repo or one of its parent
 * folders, or `GATEHOUSE_OPENAI_SPEC`).
 *
 *   expect(validateAgainstOpenAISpec("CreateChatCompletionResponse", body)).toEqual({ valid: true, errors: [] });
 *
 * The file is OpenAPI 3.1 with OpenAPI 3.0 leftovers, so before compiling with
 * Ajv (JSON Schema 2020-12) each schema is normalised: `nullable: true` adds
 * `null` to the type (or wraps the schema in `anyOf [.., null]`), boolean
 * `exclusiveMinimum/Maximum` become numeric, `discriminator` is dropped (the
 * `oneOf` it annotates still decides), and the non-standard formats
 * (`unixtime`, `float`, `double`, `int64`, `binary`, ...) are registered:
 * `unixtime` must be a non-negative integer, the others accept any value of the
 * declared type. The spec is parsed once per process (about a second) and each
 * schema compiled on first use.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const SPEC_IN_SHARED = path.join("shared", "specs", "openai-openapi.yaml");

/**
 * `shared/specs/openai-openapi.yaml` beside the checkout, or beside one of its
 * parent folders (a git worktree under `wt/<name>` shares the same file).
 */
function findSharedSpec(): string {
  for (let dir = path.dirname(repoRoot); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SPEC_IN_SHARED);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(repoRoot, "..", SPEC_IN_SHARED);
  }
}

export const OPENAI_SPEC_PATH = process.env.GATEHOUSE_OPENAI_SPEC ?? findSharedSpec();

const SPEC_ID = "https://gatehouse.local/openai-openapi.json";

export interface SpecValidation {
  valid: boolean;
  /** One line per problem: `<instance path> <message>`, e.g. `/choices/0/message must have required property 'role'`. */
  errors: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** OpenAPI 3.0 idioms -> JSON Schema 2020-12, recursively; collects the formats it meets. */
export function normaliseSchema(node: Json, formats: Set<string>): Json {
  if (Array.isArray(node)) return node.map((x) => normaliseSchema(x, formats));
  if (!isObject(node)) return node;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(node)) {
    // Keys under `properties` / `$defs` are names, not keywords: recurse into their values only.
    out[k] = normaliseSchema(v, formats);
  }
  if (typeof out.format === "string") formats.add(out.format);
  delete out.discriminator;
  for (const [ex, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[ex] === "boolean") {
      if (out[ex] === true && typeof out[bound] === "number") {
        out[ex] = out[bound];
        delete out[bound];
      } else delete out[ex];
    }
  }
  if (out.nullable === true) {
    delete out.nullable;
    const type = out.type;
    if (typeof type === "string") out.type = type === "null" ? type : [type, "null"];
    else if (Array.isArray(type)) {
      if (!type.includes("null")) out.type = [...type, "null"];
    } else {
      return { anyOf: [out, { type: "null" }] };
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (out.nullable === false) delete out.nullable;
  return out;
}

let compiled: { ajv: Ajv2020; schemaNames: Set<string> } | null = null;
const validators = new Map<string, ValidateFunction>();

function load(): { ajv: Ajv2020; schemaNames: Set<string> } {
  if (compiled) return compiled;
  const doc = loadYaml(readFileSync(OPENAI_SPEC_PATH, "utf8")) as { components?: { schemas?: Record<string, Json> } };
  const schemas = doc.components?.schemas;
  if (!schemas) throw new Error(`${OPENAI_SPEC_PATH}: no components.schemas`);
  const formats = new Set<string>();
  const normalised = normaliseSchema(schemas, formats) as Record<string, Json>;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
  addFormats(ajv);
  ajv.addFormat("unixtime", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
  for (const f of formats) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: normalised } });
  compiled = { ajv, schemaNames: new Set(Object.keys(schemas)) };
  return compiled;
}

function format(e: ErrorObject): string {
  const extra = e.keyword === "additionalProperties" ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : "";
  return `${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
}

/** Validates `value` against `components.schemas[schemaName]` of the OpenAI spec. */
export function validateAgainstOpenAISpec(schemaName: string, value: unknown): SpecValidation {
  const { ajv, schemaNames } = load();
  if (!schemaNames.has(schemaName)) throw new Error(`OpenAI spec has no schema named ${schemaName}`);
  let validate = validators.get(schemaName);
  if (!validate) {
    validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`could not compile ${schemaName}`);
    validators.set(schemaName, validate);
  }
  const valid = validate(value) === true;
  return { valid, errors: valid ? [] : [...new Set((validate.errors ?? []).map(format))] };
}

/** Throws with every problem listed when `value` does not match the schema. */
export function assertMatchesOpenAISpec(schemaName: string, value: unknown): void {
  const result = validateAgainstOpenAISpec(schemaName, value);
  if (!result.valid) throw new Error(`not a valid ${schemaName}:\n  ${result.errors.join("\n  ")}`);
}
