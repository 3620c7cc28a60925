import { createHash } from "node:crypto";

/**
 * Deterministic content for the provider simulator: reply text, token counts,
 * JSON instances generated from a JSON Schema (response formats and tool
 * arguments), embedding vectors and a small prompt-prefix cache.
 *
 * Same input, same output: everything here is a pure function of its
 * arguments (the prompt cache aside, which models the provider's own cache).
 */

/** JSON with object keys sorted, so equal values always hash alike. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
}

/** sha256 hex of the stable JSON of the given parts. */
export function hashOf(...parts: unknown[]): string {
  return createHash("sha256").update(stableStringify(parts)).digest("hex");
}

/**
 * The simulator's token count: ceil(characters / 4). A documented
 * approximation, not a tokenizer; it only has to be deterministic.
 */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** mulberry32: a tiny seeded PRNG, returns floats in [0, 1). */
export function seededRandom(seed: number | string): () => number {
  let a = typeof seed === "number" ? seed >>> 0 : Number.parseInt(hashOf(seed).slice(0, 8), 16) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function firstWords(text: string, count: number): string {
  return text.trim().split(/\s+/).filter(Boolean).slice(0, count).join(" ");
}

const FILLER = [
  "the", "gateway", "answers", "with", "care", "and", "each", "token", "is", "counted",
  "simulated", "output", "follows", "a", "steady", "rhythm", "so", "tests", "can", "assert",
  "on", "every", "word", "that", "streams", "back", "from", "this", "fake", "upstream",
  "model", "today",
];

export interface ReplyOptions {
  /** Hash of the request (model + messages); the same hash gives the same text. */
  hash: string;
  /** Text of the last user turn. */
  lastUserText: string;
  /** Pad the reply with deterministic filler words up to this many words in total. */
  words?: number;
  /** Choice index when `n` > 1; variant 0 is the plain reply. */
  variant?: number;
}

/** "Simulated reply 1a2b3c4d to: <first words of the last user turn>", padded to `words`. */
export function replyText({ hash, lastUserText, words = 0, variant = 0 }: ReplyOptions): string {
  const tag = variant === 0 ? hash.slice(0, 8) : hashOf(hash, variant).slice(0, 8);
  const topic = firstWords(lastUserText, 8) || "(no user message)";
  const base = `Simulated reply ${tag} to: ${topic}`;
  const have = base.split(/\s+/).length;
  if (words <= have) return base;
  const rand = seededRandom(`${hash}:${variant}`);
  const extra: string[] = [];
  for (let i = have; i < words; i++) extra.push(FILLER[Math.floor(rand() * FILLER.length)] ?? "word");
  return `${base} ${extra.join(" ")}.`;
}

/** Cuts text so that approxTokens(result) <= maxTokens. */
export function truncateToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  if (approxTokens(text) <= maxTokens) return { text, truncated: false };
  return { text: text.slice(0, Math.max(0, maxTokens) * 4), truncated: true };
}

/** Cuts text before the earliest stop sequence it contains. */
export function applyStopSequences(text: string, stops: readonly string[]): { text: string; matched: string | null } {
  let best: { at: number; stop: string } | null = null;
  for (const stop of stops) {
    if (!stop) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (best === null || at < best.at)) best = { at, stop };
  }
  return best ? { text: text.slice(0, best.at), matched: best.stop } : { text, matched: null };
}

/** Stream pieces of text: each word with the whitespace before it (like token deltas). */
export function splitText(text: string): string[] {
  const parts = text.match(/\s*\S+/g) ?? [];
  const trailing = text.length - parts.join("").length;
  if (trailing > 0 && parts.length > 0) parts[parts.length - 1] += text.slice(text.length - trailing);
  return parts.length > 0 ? parts : text ? [text] : [];
}

/** Stream pieces of a JSON string (tool arguments): fixed-size slices. */
export function splitJson(json: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

// ---------------------------------------------------------------------------
// JSON instances from a JSON Schema
// ---------------------------------------------------------------------------

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return undefined;
  const path = ref.slice(1).split("/").filter(Boolean);
  let node: unknown = root;
  for (const raw of path) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isSchema(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** JSON Schema type names, also Gemini's OpenAPI-style upper-case ones (OBJECT, STRING...). */
function typesOf(schema: Schema): string[] {
  const t = schema.type;
  const list = Array.isArray(t) ? t : typeof t === "string" ? [t] : [];
  return list.filter((x): x is string => typeof x === "string").map((x) => x.toLowerCase());
}

function mergeAllOf(schema: Schema, root: unknown): Schema {
  const parts = schema.allOf;
  if (!Array.isArray(parts)) return schema;
  const merged: Schema = { ...schema };
  delete merged.allOf;
  const properties: Schema = isSchema(schema.properties) ? { ...schema.properties } : {};
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required.filter((x): x is string => typeof x === "string") : []);
  for (const raw of parts) {
    let part = raw;
    if (isSchema(part) && typeof part.$ref === "string") part = resolvePointer(root, part.$ref);
    if (!isSchema(part)) continue;
    part = mergeAllOf(part, root) as Schema;
    for (const [k, v] of Object.entries(part)) {
      if (k === "properties" && isSchema(v)) Object.assign(properties, v);
      else if (k === "required" && Array.isArray(v)) v.forEach((r) => typeof r === "string" && required.add(r));
      else if (!(k in merged)) merged[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

const FORMAT_SAMPLES: Record<string, string> = {
  "date-time": "2025-01-01T00:00:00Z",
  date: "2025-01-01",
  time: "12:00:00Z",
  duration: "PT1H",
  email: "sim@example.com",
  "idn-email": "sim@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com/sim",
  "uri-reference": "https://example.com/sim",
  iri: "https://example.com/sim",
  url: "https://example.com/sim",
};

interface GenContext {
  root: unknown;
  seed: string;
  depth: number;
  name: string;
  index: number;
}

/** Past SOFT_DEPTH only what the schema requires is generated (recursive schemas end); past MAX_DEPTH, null. */
const SOFT_DEPTH = 8;
const MAX_DEPTH = 32;

function genString(schema: Schema, ctx: GenContext): string {
  const format = typeof schema.format === "string" ? schema.format : "";
  let value: string;
  if (format === "uuid") {
    const h = hashOf(ctx.seed, ctx.name, ctx.index);
    value = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  } else if (FORMAT_SAMPLES[format]) {
    value = FORMAT_SAMPLES[format];
  } else {
    const label = ctx.name || "value";
    value = `sim ${label} ${hashOf(ctx.seed, ctx.name, ctx.index).slice(0, 6)}`;
  }
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  if (value.length < min) value = value.padEnd(min, "x");
  if (value.length > max) value = value.slice(0, max);
  return value;
}

function genNumber(schema: Schema, integer: boolean): number {
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  let lo = num(schema.minimum) ?? -Infinity;
  let hi = num(schema.maximum) ?? Infinity;
  // JSON Schema 2020 numeric exclusives, and OpenAPI 3.0 boolean ones.
  const exMin = schema.exclusiveMinimum;
  const exMax = schema.exclusiveMaximum;
  const step = integer ? 1 : 0.5;
  if (typeof exMin === "number") lo = Math.max(lo, exMin + step);
  else if (exMin === true && Number.isFinite(lo)) lo += step;
  if (typeof exMax === "number") hi = Math.min(hi, exMax - step);
  else if (exMax === true && Number.isFinite(hi)) hi -= step;
  let value = Math.min(Math.max(1, lo), hi);
  if (!Number.isFinite(value)) value = 1;
  if (integer) value = Number.isFinite(lo) && value === lo ? Math.ceil(value) : Math.floor(value);
  const multipleOf = num(schema.multipleOf);
  if (multipleOf && multipleOf > 0) {
    value = Math.ceil(value / multipleOf) * multipleOf;
    if (value > hi) value -= multipleOf;
  }
  return value;
}

function gen(input: unknown, ctx: GenContext): unknown {
  if (input === true || input === undefined) return `sim ${ctx.name || "value"}`;
  if (!isSchema(input)) return null;
  let schema: Schema = input;
  if (typeof schema.$ref === "string") {
    const target = resolvePointer(ctx.root, schema.$ref);
    if (ctx.depth > MAX_DEPTH) return null;
    return gen(target, { ...ctx, depth: ctx.depth + 1 });
  }
  schema = mergeAllOf(schema, ctx.root);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const choices = schema.enum.filter((v) => v !== null);
    return (choices.length > 0 ? choices : schema.enum)[ctx.index % (choices.length || 1)] ?? null;
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const pick = branches.find((b) => !(isSchema(b) && typesOf(b).join() === "null")) ?? branches[0];
      const rest: Schema = { ...schema };
      delete rest[key];
      const base = isSchema(pick) && typeof pick.$ref === "string" ? resolvePointer(ctx.root, pick.$ref) : pick;
      return gen(isSchema(base) ? { ...rest, ...base } : base, { ...ctx, depth: ctx.depth + 1 });
    }
  }
  const types = typesOf(schema);
  let type = types.find((t) => t !== "null") ?? types[0];
  if (!type) type = isSchema(schema.properties) ? "object" : schema.items !== undefined || Array.isArray(schema.prefixItems) ? "array" : "string";
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return true;
    case "integer":
      return genNumber(schema, true);
    case "number":
      return genNumber(schema, false);
    case "string":
      return genString(schema, ctx);
    case "array": {
      const deep = ctx.depth > SOFT_DEPTH;
      const min = typeof schema.minItems === "number" ? schema.minItems : deep ? 0 : 1;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity;
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      const count = Math.min(Math.max(min, deep ? 0 : 1, prefix.length), max);
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const item = i < prefix.length ? prefix[i] : schema.items;
        out.push(gen(item === false ? undefined : item, { ...ctx, depth: ctx.depth + 1, index: i }));
      }
      return out;
    }
    default: {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const out: Record<string, unknown> = {};
      const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
      // Every declared property (OpenAI strict mode requires all of them), in declared order;
      // deep in a recursive schema, only the required ones.
      const order = Array.isArray(schema.propertyOrdering) ? schema.propertyOrdering.filter((k): k is string => typeof k === "string") : [];
      let keys = [...new Set([...order.filter((k) => k in properties), ...Object.keys(properties)])];
      if (ctx.depth > SOFT_DEPTH) keys = keys.filter((k) => required.includes(k));
      for (const key of keys) out[key] = gen(properties[key], { ...ctx, depth: ctx.depth + 1, name: key, index: 0 });
      for (const key of required) {
        if (!(key in out)) out[key] = gen(isSchema(schema.additionalProperties) ? schema.additionalProperties : true, { ...ctx, depth: ctx.depth + 1, name: key, index: 0 });
      }
      return out;
    }
  }
}

/**
 * A deterministic instance of a JSON Schema (draft 2020-12 / OpenAPI 3 / Gemini's
 * upper-case subset): every declared property, the first enum value, the first
 * non-null anyOf/oneOf branch, allOf merged, local $refs followed, formats,
 * lengths, bounds and multipleOf honoured. Not honoured: `pattern`,
 * `not`, `if/then/else`, `dependentRequired`, `uniqueItems` beyond distinct strings.
 */
export function jsonFromSchema(schema: unknown, seed = ""): unknown {
  return gen(schema, { root: schema, seed, depth: 0, name: "", index: 0 });
}

// ---------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------

/**
 * A deterministic unit vector (L2 norm 1) for the given text that behaves
 * like a real embedding where tests need it: similar texts embed close
 * together. Feature hashing of the text's character trigrams (of the
 * lower-cased, whitespace-collapsed text, padded with spaces) and its words:
 * each feature adds +1 or -1 (by hash) to one dimension (by hash, seeded with
 * the model, so two models' spaces differ). The cosine similarity of two
 * texts is then about the overlap of their trigram and word sets:
 * "What is your refund policy?" vs "what is your refund policy" ~0.97,
 * vs "How do I reset my password?" ~0.1. Text without any feature (empty)
 * gets a seeded random vector. Rounded through float32 like the real thing.
 */
export function unitVector(text: string, dimensions: number, model = ""): number[] {
  const norm = text.toLowerCase().replace(/\s+/g, " ").trim();
  const v = new Array<number>(dimensions).fill(0);
  let any = false;
  const addFeature = (feature: string): void => {
    const h = fnv1a(`${model}\u0000${feature}`);
    const i = h % dimensions;
    v[i] = (v[i] ?? 0) + ((h >>> 31) & 1 ? 1 : -1);
    any = true;
  };
  if (norm) {
    const padded = ` ${norm} `;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(`c:${padded.slice(i, i + 3)}`);
    for (const word of norm.split(/[^\p{L}\p{N}]+/u)) if (word) addFeature(`w:${word}`);
  }
  if (!any) {
    const rand = seededRandom(`${model}\u0000${text}`);
    for (let i = 0; i < dimensions; i++) v[i] = rand() * 2 - 1;
  }
  let sum = 0;
  for (const x of v) sum += x * x;
  const length = Math.sqrt(sum) || 1;
  return v.map((x) => Math.fround(x / length));
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Little-endian float32 bytes, base64: OpenAI's `encoding_format: "base64"`. */
export function vectorToBase64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString("base64");
}

// ---------------------------------------------------------------------------
// Prompt cache
// ---------------------------------------------------------------------------

/**
 * Models a provider's prompt cache: a prefix (by key) of at least `minTokens`
 * tokens is a miss the first time it is seen and a hit afterwards.
 */
export class PromptCache {
  private readonly seen = new Set<string>();

  constructor(private readonly maxEntries = 10_000) {}

  /** true when the prefix was seen before; records it either way. */
  hit(key: string): boolean {
    if (this.seen.has(key)) return true;
    this.add(key);
    return false;
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  add(key: string): void {
    if (this.seen.size >= this.maxEntries) this.seen.clear();
    this.seen.add(key);
  }

  clear(): void {
    this.seen.clear();
  }
}

/** OpenAI's automatic caching: prompts of 1024+ tokens, cached in 128-token increments. */
export const CACHE_MIN_TOKENS = 1024;
export function cachedIncrement(tokens: number): number {
  return tokens >= CACHE_MIN_TOKENS ? Math.floor(tokens / 128) * 128 : 0;
}

// ---------------------------------------------------------------------------
// The answer to a chat request, independent of the wire format
// ---------------------------------------------------------------------------

export interface ToolSpec {
  name: string;
  /** JSON Schema of the arguments (OpenAI `parameters`, Anthropic `input_schema`, Gemini `parameters`). */
  schema: unknown;
}

export type ToolChoice = { mode: "auto" | "none" | "required" } | { mode: "tool"; name: string };

export interface AnswerInput {
  /** Hash of model + messages: the seed of everything generated. */
  hash: string;
  lastUserText: string;
  /** The last turn is a tool result: with tool choice "auto" the model answers in text. */
  lastTurnIsToolResult: boolean;
  tools: readonly ToolSpec[];
  toolChoice: ToolChoice;
  /** Structured output: `{ schema }` (null schema = any JSON object), or null for free text. */
  json: { schema: unknown } | null;
  /** Token budget for the visible output, or null for none. */
  maxTokens: number | null;
  stops: readonly string[];
  variant: number;
  reply?: string | undefined;
  echo?: boolean | undefined;
  replyWords?: number | undefined;
}

export type Answer =
  | { kind: "text"; text: string; finish: "stop" | "length" | "stop_sequence"; stopSequence: string | null; tokens: number }
  | { kind: "tool"; name: string; input: unknown; arguments: string; idSeed: string; tokens: number };

/** What the simulated model says: a tool call, JSON for the schema, or reply text, cut by stops and max tokens. */
export function planAnswer(input: AnswerInput): Answer {
  const { tools, toolChoice } = input;
  if (tools.length > 0 && toolChoice.mode !== "none") {
    const forced = toolChoice.mode === "required" || toolChoice.mode === "tool";
    if (forced || !input.lastTurnIsToolResult) {
      const tool = (toolChoice.mode === "tool" ? tools.find((t) => t.name === toolChoice.name) : undefined) ?? tools[0];
      if (tool) {
        const args = jsonFromSchema(tool.schema ?? { type: "object", properties: {} }, `${input.hash}:${input.variant}:${tool.name}`);
        const argsJson = JSON.stringify(args);
        return {
          kind: "tool",
          name: tool.name,
          input: args,
          arguments: argsJson,
          idSeed: hashOf(input.hash, input.variant, tool.name).slice(0, 24),
          tokens: approxTokens(tool.name) + approxTokens(argsJson),
        };
      }
    }
  }
  let text: string;
  if (input.reply !== undefined) text = input.reply;
  else if (input.json) {
    const value =
      input.json.schema === null || input.json.schema === undefined
        ? { reply: replyText({ hash: input.hash, lastUserText: input.lastUserText, words: input.replyWords, variant: input.variant }) }
        : jsonFromSchema(input.json.schema, `${input.hash}:${input.variant}`);
    text = JSON.stringify(value);
  } else if (input.echo) text = input.lastUserText;
  else text = replyText({ hash: input.hash, lastUserText: input.lastUserText, words: input.replyWords, variant: input.variant });

  const stopped = applyStopSequences(text, input.stops);
  if (input.maxTokens !== null) {
    const cut = truncateToTokens(stopped.text, input.maxTokens);
    if (cut.truncated) return { kind: "text", text: cut.text, finish: "length", stopSequence: null, tokens: approxTokens(cut.text) };
  }
  return {
    kind: "text",
    text: stopped.text,
    finish: stopped.matched === null ? "stop" : "stop_sequence",
    stopSequence: stopped.matched,
    tokens: approxTokens(stopped.text),
  };
}
