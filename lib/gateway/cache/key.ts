import { createHash } from "node:crypto";
import type { ChatCompletionRequest, ChatMessage } from "@/lib/gateway/openai/schema";

/**
 * What a cached answer is keyed on (stage 7, lib/gateway/stages/cache.ts).
 *
 * Exact key = SHA-256 over (canonical JSON, object keys sorted):
 *   - the tenant (also in the Redis key's prefix: never shared across tenants);
 *   - the resolved route: the name the caller used and the chain's targets
 *     (`provider/model` in order), so editing a route's models changes the key;
 *   - the prompt version id when a stored prompt was resolved (stage 4);
 *   - the guard policy in force, as `<policy id>@<version>` (stage 5/10);
 *   - every request field that can change the answer: all fields of the chat
 *     request as it goes upstream (messages after context insertion and
 *     redaction, tools, tool_choice, response_format, temperature, top_p,
 *     seed, stop, max_tokens, max_completion_tokens, n, logit_bias,
 *     presence/frequency penalties, logprobs, reasoning_effort, ... and any
 *     field the schema passes through unknown), EXCEPT the fields listed in
 *     NOT_ANSWER_FIELDS below, which only change how or to whom the answer
 *     is delivered. A field that is not listed there is in the key: a new
 *     OpenAI parameter can never be served a wrong answer by omission.
 */

/** Request fields that do not change the answer, left out of the key. Everything else is in it. */
export const NOT_ANSWER_FIELDS: ReadonlySet<string> = new Set([
  "stream", // a cached answer is served as JSON or as a stream
  "stream_options", // include_usage only adds a usage chunk (rebuilt on a hit)
  "user", // the end-user id: attribution, not content
  "safety_identifier",
  "metadata", // the caller's tags; gatehouse.context is already inserted into the messages
  "store",
  "prompt_cache_key", // provider prompt-cache routing hint
  "service_tier",
  "prompt", // the stored-prompt reference: resolved into messages + the version id
]);

/** The answer-changing fields named in the docs (the key covers these and any other field not in NOT_ANSWER_FIELDS). */
export const ANSWER_FIELDS = [
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "temperature",
  "top_p",
  "seed",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "n",
  "logit_bias",
  "presence_penalty",
  "frequency_penalty",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "modalities",
  "functions",
  "function_call",
] as const;

/** What, besides the request, decides the answer. */
export interface KeyScope {
  tenantId: string;
  /** The model name the caller used (route alias or concrete model). */
  route: string;
  /** `provider/model` of the route's targets, in chain order. */
  targets: readonly string[];
  promptVersionId: string | null;
  /** The effective guard policy, `<id>@<version>` (stages/cache.ts guardPolicyKey). */
  guardPolicy: string;
}

/** JSON with object keys sorted at every level; undefined fields dropped (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The request's answer-changing fields (all but NOT_ANSWER_FIELDS; null and absent are the same). */
export function answerFields(chat: ChatCompletionRequest, omit: ReadonlySet<string> = NOT_ANSWER_FIELDS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(chat)) {
    if (omit.has(k) || v === undefined || v === null) continue;
    out[k] = v;
  }
  return out;
}

function scopeParts(scope: KeyScope): Record<string, unknown> {
  return { t: scope.tenantId, r: scope.route, tg: scope.targets, pv: scope.promptVersionId, gv: scope.guardPolicy };
}

/** Digest of the exact-cache key (the Redis key adds the tenant as prefix: cacheRedisKeys). */
export function exactDigest(scope: KeyScope, chat: ChatCompletionRequest): string {
  return sha256(canonicalJson({ v: 1, ...scopeParts(scope), req: answerFields(chat) }));
}

// ---------------------------------------------------------------- semantic

/** The last message, when it is a user turn with text only (else the semantic cache does not apply). */
export function lastUserText(messages: readonly ChatMessage[]): string | null {
  const last = messages.at(-1);
  if (!last || last.role !== "user") return null;
  const content: unknown = last.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (!part || typeof part !== "object") return null;
    const p = part as { type?: unknown; text?: unknown };
    if (p.type !== "text" || typeof p.text !== "string") return null;
    texts.push(p.text);
  }
  return texts.join("\n");
}

/** Normalised for embedding: Unicode NFKC, lower case, whitespace collapsed, trailing punctuation dropped. */
export function normaliseTurn(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\s.!?…。]+$/u, "");
}

/**
 * Digest of a semantic scope: everything of the exact key except the last
 * user turn, i.e. the tenant, route, prompt version, guard version, the other
 * answer-changing fields, AND every earlier message (system prompt, context
 * documents, the conversation so far). Only answers given after the same
 * earlier turns are neighbours, so a multi-turn conversation is never served
 * an answer given in another conversation. The embedding route is in it too
 * (vectors of two embedding models are not comparable).
 */
export function semanticScopeDigest(scope: KeyScope, chat: ChatCompletionRequest, embeddingRoute: string): string {
  const rest = answerFields(chat);
  rest.messages = chat.messages.slice(0, -1);
  return sha256(canonicalJson({ v: 1, ...scopeParts(scope), emb: embeddingRoute, req: rest }));
}

/** Redis keys of one tenant's cache. `{tenantId}` is a cluster hash tag: a tenant's keys live on one shard. */
export const cacheRedisKeys = {
  exact: (tenantId: string, digest: string) => `gh:cache:{${tenantId}}:x:${digest}`,
  /** Stream of a semantic scope's entries: id, expiry, vector. */
  semanticScope: (tenantId: string, scopeDigest: string) => `gh:cache:{${tenantId}}:s:${scopeDigest}`,
  /** A semantic entry's answer. */
  semanticAnswer: (tenantId: string, entryId: string) => `gh:cache:{${tenantId}}:sa:${entryId}`,
};

// ---------------------------------------------------------------- Cache-Control

export interface CacheControl {
  /** `no-store`: neither look up nor store. */
  noStore: boolean;
  /** `no-cache`: do not serve from the cache (the answer is still stored). */
  noCache: boolean;
  /** `max-age=N`: opt in; serve nothing older than N s, store for at most N s. */
  maxAge: number | null;
}

/** The request's `Cache-Control` header (directives case-insensitive, unknown ones ignored). */
export function parseCacheControl(header: string | undefined): CacheControl {
  const out: CacheControl = { noStore: false, noCache: false, maxAge: null };
  if (!header) return out;
  for (const raw of header.split(",")) {
    const d = raw.trim().toLowerCase();
    if (d === "no-store") out.noStore = true;
    else if (d === "no-cache") out.noCache = true;
    else if (d.startsWith("max-age=")) {
      const n = Number(d.slice(8).replace(/^"|"$/g, ""));
      if (Number.isInteger(n) && n >= 0) out.maxAge = Math.min(n, 30 * 86_400);
    }
  }
  return out;
}
