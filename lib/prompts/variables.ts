/**
 * Prompt variables: the declared types of a version (`{ name: { type,
 * required } }`) and the values a caller sends with
 * `"prompt": { ..., "variables": {...} }`. Every error is a 400 naming the
 * variable (`param: "prompt.variables.<name>"`).
 */
import { BadRequestError, GatehouseError, validationError } from "@/lib/errors";
import { PromptVariables, type PromptVariableSpec, type PromptVariableType } from "@/lib/prompts/schema";

export type VariableValue = string | number | boolean;
/** Validated values: exactly the declared variables that were given (null-prototype object). */
export type VariableValues = Readonly<Record<string, VariableValue>>;

const PARAM = "prompt.variables";

/**
 * A version's declared variables, parsed. `origin` says who is at fault for a
 * bad declaration: the caller saving a version (400, param `variables.<name>`)
 * or a stored version (500: it was validated when saved, so it is our bug).
 */
export function parseDeclaredVariables(declared: unknown, origin: "input" | "stored" = "input"): PromptVariables {
  const parsed = PromptVariables.safeParse(declared ?? {});
  if (parsed.success) return parsed.data;
  if (origin === "input") {
    throw validationError(parsed.error.issues.map((i) => ({ path: ["variables", ...i.path], message: i.message })));
  }
  throw new GatehouseError("internal_error", "The stored prompt version declares invalid variables");
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function matches(type: PromptVariableType, v: unknown): v is VariableValue {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

/**
 * The caller's variables checked against the declaration: every required
 * variable present (null counts as absent), every value of its declared type
 * (numbers finite), no undeclared names (a typo in an optional variable would
 * otherwise vanish silently). Throws BadRequestError naming the first
 * offending variable.
 */
export function validateVariables(declared: Readonly<Record<string, PromptVariableSpec>>, input: unknown): VariableValues {
  if (input !== undefined && input !== null && (typeof input !== "object" || Array.isArray(input))) {
    throw new BadRequestError(`prompt.variables must be an object of name -> value, got ${typeOf(input)}`, PARAM, "validation_failed");
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, VariableValue> = Object.create(null) as Record<string, VariableValue>;

  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) {
      const names = Object.keys(declared);
      const known = names.length > 0 ? `declared: ${names.join(", ")}` : "this prompt declares no variables";
      throw new BadRequestError(`Unknown prompt variable '${name}' (${known})`, `${PARAM}.${name}`, "validation_failed");
    }
  }
  for (const name of Object.keys(declared)) {
    const spec = declared[name] as PromptVariableSpec;
    const v = Object.hasOwn(given, name) ? given[name] : undefined;
    if (v === undefined || v === null) {
      if (spec.required) {
        throw new BadRequestError(`Missing prompt variable '${name}' (${spec.type}, required)`, `${PARAM}.${name}`, "validation_failed");
      }
      continue;
    }
    if (!matches(spec.type, v)) {
      const got = typeof v === "number" && spec.type === "number" ? "a non-finite number" : typeOf(v);
      throw new BadRequestError(
        `Prompt variable '${name}' must be a ${spec.type}, got ${got}`,
        `${PARAM}.${name}`,
        "validation_failed",
      );
    }
    out[name] = v;
  }
  return out;
}
