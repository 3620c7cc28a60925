/**
 * JSON Schema -> Gemini `Schema` (the OpenAPI 3.0 subset of `responseSchema`
 * and function `parameters`), or null when the schema uses something that
 * subset cannot say; the caller then sends it unchanged as
 * `responseJsonSchema` / `parametersJsonSchema`. So nothing the caller asked
 * for is silently dropped: a schema is either converted exactly or passed whole.
 *
 * Converted: type (a type list with "null" -> nullable), enum, const (strings),
 * properties, required, items, anyOf, min/max of items, length, properties and
 * values, pattern, format, title, description, default, example, nullable,
 * propertyOrdering. `additionalProperties: false` is dropped (Gemini never adds
 * undeclared properties); annotations ($schema, $id, $comment, examples) too.
 */

const TYPES: Readonly<Record<string, string>> = {
  string: "STRING",
  number: "NUMBER",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  array: "ARRAY",
  object: "OBJECT",
  null: "NULL",
};

const COPIED = new Set([
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "default",
  "minimum",
  "maximum",
  "propertyOrdering",
  "required",
]);
const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "examples", "strict"]);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function toGeminiSchema(schema: unknown): Json | null {
  if (!isObject(schema)) return null;
  const out: Json = {};
  for (const key of Object.keys(schema)) {
    const v = schema[key];
    if (ANNOTATIONS.has(key)) continue;
    if (COPIED.has(key)) {
      out[key] = v;
      continue;
    }
    switch (key) {
      case "type": {
        if (typeof v === "string") {
          const t = TYPES[v];
          if (!t) return null;
          out.type = t;
        } else if (Array.isArray(v)) {
          const real = v.filter((x) => x !== "null");
          if (real.length !== 1 || typeof real[0] !== "string" || !TYPES[real[0]]) return null;
          out.type = TYPES[real[0]];
          if (real.length !== v.length) out.nullable = true;
        } else return null;
        break;
      }
      case "const":
        if (typeof v !== "string") return null;
        out.enum = [v];
        break;
      case "additionalProperties":
        if (v !== false) return null;
        break;
      case "properties": {
        if (!isObject(v)) return null;
        const props: Json = {};
        for (const name of Object.keys(v)) {
          const converted = toGeminiSchema(v[name]);
          if (converted === null) return null;
          props[name] = converted;
        }
        out.properties = props;
        break;
      }
      case "items": {
        const converted = toGeminiSchema(v);
        if (converted === null) return null;
        out.items = converted;
        break;
      }
      case "anyOf": {
        if (!Array.isArray(v)) return null;
        const list: Json[] = [];
        for (const s of v) {
          const converted = toGeminiSchema(s);
          if (converted === null) return null;
          list.push(converted);
        }
        out.anyOf = list;
        break;
      }
      default:
        return null; // $ref, $defs, oneOf, allOf, not, patternProperties, prefixItems, ...
    }
  }
  return out;
}
