import { isObject } from "@/lib/gateway/objects";
import { AssistantMessage, ChatCompletionRequest, DeveloperMessage, SystemMessage, UserMessage } from "@/lib/gateway/openai/schema";

/**
 * The common chat request (text messages, sampling settings, nothing else),
 * checked and copied by hand instead of by zod: zod's pass over the request
 * was ~3% of the gateway's CPU per request. `plainChatRequest` returns
 * exactly what `ChatCompletionRequest.parse` would (the same values, the same
 * key order, every object and array a copy, so later stages may change the
 * request without touching the body the log keeps) or null, and then the
 * caller runs zod, which also names the first bad field. Anything outside
 * the shape below (tools, response_format, content parts, cache_control,
 * metadata, an unknown key, a value out of range) goes to zod.
 * plain-request.test.ts holds it to zod's output on generated requests.
 */

type Check = (v: unknown) => boolean;

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const nullish =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const bool: Check = (v) => typeof v === "boolean";
const str: Check = (v) => typeof v === "string";
const intIn = (min: number, max: number): Check => (v) => isInt(v) && v >= min && v <= max;
const numIn = (min: number, max: number): Check => (v) => isNum(v) && v >= min && v <= max;

/** The top-level keys taken here, each with the check zod would apply (`messages`, `stop` and `stream_options` below). */
const TOP: ReadonlyMap<string, Check> = new Map(Object.entries({
  model: (v) => typeof v === "string" && v.length > 0,
  stream: nullish(bool),
  max_tokens: nullish(intIn(0, Number.MAX_SAFE_INTEGER)),
  max_completion_tokens: nullish(intIn(0, Number.MAX_SAFE_INTEGER)),
  temperature: nullish(numIn(0, 2)),
  top_p: nullish(numIn(0, 1)),
  n: nullish(intIn(1, 128)),
  seed: nullish(isInt),
  presence_penalty: nullish(numIn(-2, 2)),
  frequency_penalty: nullish(numIn(-2, 2)),
  logprobs: nullish(bool),
  top_logprobs: nullish(intIn(0, 20)),
  user: str,
  store: nullish(bool),
}));
const STREAM_OPTIONS_ORDER = ["include_usage", "include_obfuscation"] as const;

/** Message keys taken here (content only as a string; `name` must be a string when present). */
const MESSAGE_KEYS: ReadonlySet<string> = new Set(["role", "content", "name"]);
const ROLES = ["system", "developer", "user", "assistant"] as const;
/** Key order of zod's output: the schema's shape order. */
const MESSAGE_ORDER: Readonly<Record<string, readonly string[]>> = {
  system: Object.keys(SystemMessage.shape),
  developer: Object.keys(DeveloperMessage.shape),
  user: Object.keys(UserMessage.shape),
  assistant: Object.keys(AssistantMessage.shape),
};
const REQUEST_ORDER: readonly string[] = Object.keys(ChatCompletionRequest.shape);

function plainMessage(m: unknown): Record<string, unknown> | null {
  if (!isObject(m)) return null;
  const role = m.role;
  if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) return null;
  for (const k in m) if (!MESSAGE_KEYS.has(k)) return null;
  if (typeof m.content !== "string") return null;
  if ("name" in m && typeof m.name !== "string") return null;
  return inOrder(m, MESSAGE_ORDER[role] ?? []);
}

/** A copy of `o` with its keys in `order` (all of its keys are in it). */
function inOrder(o: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (Object.hasOwn(o, k)) out[k] = o[k];
  return out;
}

/** The parsed request, as zod would return it, or null: then parse with zod. */
export function plainChatRequest(body: unknown): ChatCompletionRequest | null {
  if (!isObject(body)) return null;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0 || typeof body.model !== "string") return null;
  for (const k in body) {
    if (k === "messages") continue;
    const v = body[k];
    if (k === "stop") {
      if (!(v === null || typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every(str)))) return null;
    } else if (k === "stream_options") {
      if (v !== null && !(isObject(v) && Object.keys(v).every((o) => (STREAM_OPTIONS_ORDER as readonly string[]).includes(o) && bool(v[o])))) return null;
    } else {
      const check = TOP.get(k);
      if (!check?.(v)) return null;
    }
  }
  const copied: Record<string, unknown>[] = [];
  for (const m of messages) {
    const c = plainMessage(m);
    if (!c) return null;
    copied.push(c);
  }
  const out = inOrder(body, REQUEST_ORDER);
  out.messages = copied;
  if (Array.isArray(out.stop)) out.stop = [...(out.stop as string[])];
  if (isObject(out.stream_options)) out.stream_options = inOrder(out.stream_options, STREAM_OPTIONS_ORDER);
  return out as ChatCompletionRequest;
}
