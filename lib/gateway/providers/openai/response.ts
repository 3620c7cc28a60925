import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { ChatCompletion, ChatCompletionChoice, CompletionUsage, EmbeddingsResponse, FinishReason, ResponseMessage, ToolCall } from "@/lib/gateway/openai/schema";
import { copyFieldsExcept, isObject, isOptNumber, isOptString, omitFields } from "@/lib/gateway/objects";
import { usageFromOpenAI, ZERO_USAGE } from "../usage";
import type { NormalisedUsage } from "../types";

/**
 * OpenAI-shaped responses (OpenAI, Azure, OpenAI-compatible servers) into the
 * normalised ChatCompletion. Parsing is lenient where servers differ (missing
 * id/created/usage, tool-call arguments as objects, `reasoning` instead of
 * `reasoning_content`, odd finish reasons) and strict where it matters (an
 * answer without `choices` is malformed). Fields we do not know are kept.
 */

export const UpstreamUsage = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish(), cache_write_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

const Arguments = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const UpstreamToolCall = z.looseObject({
  index: z.number().int().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: Arguments.nullish() }).nullish(),
  custom: z.looseObject({ name: z.string(), input: z.string() }).nullish(),
});
type UpstreamToolCall = z.infer<typeof UpstreamToolCall>;

const UpstreamContent = z.union([z.string(), z.array(z.looseObject({ type: z.string().optional(), text: z.string().optional() }))]).nullish();

export const UpstreamMessage = z.looseObject({
  role: z.string().nullish(),
  content: UpstreamContent,
  refusal: z.string().nullish(),
  tool_calls: z.array(UpstreamToolCall).nullish(),
  reasoning_content: z.string().nullish(),
  reasoning: z.string().nullish(),
});

export const UpstreamChoice = z.looseObject({
  index: z.number().int().nullish(),
  message: UpstreamMessage,
  finish_reason: z.string().nullish(),
  logprobs: z.unknown().optional(),
});

export const UpstreamCompletion = z.looseObject({
  id: z.string().nullish(),
  object: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(UpstreamChoice),
  usage: UpstreamUsage.nullish(),
});
export type UpstreamCompletion = z.infer<typeof UpstreamCompletion>;

function isPlainUsage(u: unknown): boolean {
  if (u === undefined || u === null) return true;
  if (!isObject(u) || !isOptNumber(u.prompt_tokens) || !isOptNumber(u.completion_tokens) || !isOptNumber(u.total_tokens)) return false;
  const p = u.prompt_tokens_details;
  if (p != null && (!isObject(p) || !isOptNumber(p.cached_tokens) || !isOptNumber(p.cache_write_tokens))) return false;
  const c = u.completion_tokens_details;
  return c == null || (isObject(c) && isOptNumber(c.reasoning_tokens));
}

/**
 * The common answer (text messages, no tool calls, no content parts),
 * checked by hand: true only where `UpstreamCompletion` would accept the
 * value unchanged, so it is used as it is; anything else goes through zod
 * (`parseJsonBody`). zod's pass over an answer was ~2% of the
 * gateway's CPU per request; openai.test.ts checks both read alike.
 */
export function isPlainCompletion(v: unknown): v is UpstreamCompletion {
  if (!isObject(v) || !isOptString(v.id) || !isOptString(v.object) || !isOptString(v.model) || !isOptNumber(v.created)) return false;
  const choices = v.choices;
  if (!Array.isArray(choices)) return false;
  for (const c of choices) {
    if (!isObject(c) || (c.index != null && !Number.isSafeInteger(c.index)) || !isOptString(c.finish_reason)) return false;
    const m = c.message;
    if (!isObject(m) || m.tool_calls != null) return false;
    if (!isOptString(m.role) || !isOptString(m.content) || !isOptString(m.refusal) || !isOptString(m.reasoning_content) || !isOptString(m.reasoning)) return false;
  }
  return isPlainUsage(v.usage);
}

/** Finish reasons OpenAI-shaped servers send, onto OpenAI's own. Unknown and missing ones become `stop`. */
const FINISH: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  content_filter: "content_filter",
  function_call: "function_call",
  eos: "stop",
  eos_token: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  max_length: "length",
  model_length: "length",
  tool_use: "tool_calls",
  tool_call: "tool_calls",
  function: "tool_calls",
};

export function normaliseFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const f = (reason ? FINISH[reason] : undefined) ?? "stop";
  // Some compatible servers (older Ollama, llama.cpp) say "stop" after a tool call.
  return hasToolCalls && f === "stop" ? "tool_calls" : f;
}

export function newToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`;
}

export function argumentsText(args: string | Record<string, unknown> | null | undefined): string {
  if (args === null || args === undefined) return "";
  return typeof args === "string" ? args : JSON.stringify(args);
}

/** Copies the fields of `from` that are neither null nor undefined (and not named in `skip`) onto `to`; returns `to`. */
function copyPresent(from: Record<string, unknown> | null | undefined, to: Record<string, unknown>, skip?: ReadonlySet<string>): Record<string, unknown> {
  if (from) for (const k in from) if (from[k] !== null && from[k] !== undefined && !skip?.has(k)) to[k] = from[k];
  return to;
}

// Fields the maps below set themselves; the rest is passed on (lib/gateway/objects.ts: why not `...rest`).
const USAGE_DETAILS: ReadonlySet<string> = new Set(["prompt_tokens_details", "completion_tokens_details"]);
const TOOL_CALL_INDEX: ReadonlySet<string> = new Set(["index"]);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(["reasoning", "reasoning_content", "tool_calls", "content", "refusal", "role"]);

/**
 * The upstream's usage object with the counts we normalised (extra details such as audio tokens kept).
 * Built in place (fields the upstream sent keep their position, ours overwrite them) rather than by spreading copies.
 */
export function openAIUsage(raw: z.infer<typeof UpstreamUsage>, u: NormalisedUsage): CompletionUsage {
  const out = copyPresent(raw, {}, USAGE_DETAILS);
  out.prompt_tokens = u.promptTokens;
  out.completion_tokens = u.completionTokens;
  out.total_tokens = typeof raw.total_tokens === "number" ? raw.total_tokens : u.promptTokens + u.completionTokens;
  const prompt = copyPresent(raw.prompt_tokens_details, {});
  prompt.cached_tokens = u.cachedTokens;
  if (u.cacheWriteTokens > 0) prompt.cache_write_tokens = u.cacheWriteTokens;
  out.prompt_tokens_details = prompt;
  const completion = copyPresent(raw.completion_tokens_details, {});
  completion.reasoning_tokens = u.reasoningTokens;
  out.completion_tokens_details = completion;
  return out as CompletionUsage;
}

function toolCall(c: UpstreamToolCall): ToolCall {
  if (c.type === "custom" && c.custom) return { ...c, id: c.id ?? newToolCallId(), type: "custom", custom: c.custom };
  return {
    ...omitFields(c, TOOL_CALL_INDEX),
    id: c.id || newToolCallId(),
    type: "function",
    function: { ...c.function, name: c.function?.name ?? "", arguments: argumentsText(c.function?.arguments) },
  };
}

function contentText(content: z.infer<typeof UpstreamContent>): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === "string") return content;
  return content.map((p) => p.text ?? "").join("");
}

export interface NormaliseContext {
  /** Used when the server sends no model. */
  model: string;
  /** Unix seconds, used when the server sends no `created`. */
  created: number;
}

export function normaliseOpenAICompletion(raw: UpstreamCompletion, ctx: NormaliseContext): { response: ChatCompletion; usage: NormalisedUsage } {
  const usage = raw.usage ? usageFromOpenAI(raw.usage) : { ...ZERO_USAGE };
  const choices = raw.choices.map((c, i): ChatCompletionChoice => {
    const { reasoning, reasoning_content, tool_calls, content, refusal } = c.message;
    const toolCalls = tool_calls && tool_calls.length > 0 ? tool_calls.map(toolCall) : undefined;
    const reasoningText = reasoning_content ?? reasoning ?? undefined;
    const message = copyFieldsExcept(c.message, MESSAGE_FIELDS, {} as ResponseMessage);
    message.role = "assistant";
    message.content = contentText(content);
    message.refusal = refusal ?? null;
    if (toolCalls) message.tool_calls = toolCalls;
    if (reasoningText) message.reasoning_content = reasoningText;
    return {
      ...c,
      index: c.index ?? i,
      message,
      finish_reason: normaliseFinishReason(c.finish_reason, toolCalls !== undefined),
      logprobs: (c.logprobs as ChatCompletionChoice["logprobs"] | undefined) ?? null,
    };
  });
  const response: ChatCompletion = {
    ...raw,
    id: raw.id || `chatcmpl-${randomUUID().replace(/-/g, "")}`,
    object: "chat.completion",
    created: typeof raw.created === "number" && raw.created >= 0 ? Math.floor(raw.created) : ctx.created,
    model: raw.model || ctx.model,
    choices,
    usage: raw.usage ? openAIUsage(raw.usage, usage) : undefined,
  };
  if (!response.usage) delete response.usage;
  return { response, usage };
}

// ---------------------------------------------------------------- embeddings

/**
 * A vector (or its base64 form), checked by shape only: validating every float
 * of 2,048 x 3,072-dimension embeddings would cost more CPU than the request.
 */
export const VectorShape = z.custom<number[] | string>((v) => typeof v === "string" || (Array.isArray(v) && (v.length === 0 || typeof v[0] === "number")), {
  message: "expected an array of numbers or a base64 string",
});

export const UpstreamEmbeddings = z.looseObject({
  object: z.string().nullish(),
  data: z.array(z.looseObject({ index: z.number().int().nullish(), object: z.string().nullish(), embedding: VectorShape })),
  model: z.string().nullish(),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});
export type UpstreamEmbeddings = z.infer<typeof UpstreamEmbeddings>;

export function normaliseOpenAIEmbeddings(raw: UpstreamEmbeddings, model: string): { response: EmbeddingsResponse; usage: NormalisedUsage } {
  const prompt = typeof raw.usage?.prompt_tokens === "number" ? raw.usage.prompt_tokens : 0;
  const total = typeof raw.usage?.total_tokens === "number" ? raw.usage.total_tokens : prompt;
  return {
    response: {
      ...raw,
      object: "list",
      data: raw.data.map((d, i) => ({ ...d, object: "embedding", index: d.index ?? i })),
      model: raw.model || model,
      usage: { ...raw.usage, prompt_tokens: prompt, total_tokens: total },
    },
    usage: { ...ZERO_USAGE, promptTokens: prompt },
  };
}
