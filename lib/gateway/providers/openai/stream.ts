import type { EventSourceMessage } from "eventsource-parser";
import { z } from "zod";
import { copyFieldsExcept, isObject, isOptNumber, isOptString } from "@/lib/gateway/objects";
import type { ChatCompletionChunk, ChunkChoice, ChunkDelta, ToolCallDelta } from "@/lib/gateway/openai/schema";
import { streamCutError } from "../classify";
import { parseEventJson, parseJsonValue } from "../http";
import type { StreamState } from "../stream";
import { usageFromOpenAI } from "../usage";
import { openAIStreamError } from "./errors";
import { argumentsText, normaliseFinishReason, openAIUsage, UpstreamUsage } from "./response";

/**
 * OpenAI-shaped SSE (`data: {chunk}` ... `data: [DONE]`) into normalised
 * chunks: finish reasons mapped, tool-call deltas completed (index, string
 * arguments), `reasoning` renamed `reasoning_content`, Azure's leading
 * prompt-filter chunk (no choices, no usage) dropped, usage captured and shown
 * to the caller only when it asked. An `{ "error": ... }` event is thrown as
 * its ProviderError; an end without `[DONE]` is `stream_cut` (OpenAI-compatible
 * servers: accepted once every choice has finished, some omit `[DONE]`).
 */

const UpstreamToolCallDelta = z.looseObject({
  index: z.number().int().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish() }).nullish(),
});

const UpstreamDelta = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(UpstreamToolCallDelta).nullish(),
  reasoning_content: z.string().nullish(),
  reasoning: z.string().nullish(),
});

const UpstreamChunkChoice = z.looseObject({
  index: z.number().int().nullish(),
  delta: UpstreamDelta.nullish(),
  finish_reason: z.string().nullish(),
  logprobs: z.unknown().optional(),
});

export const UpstreamChunk = z.looseObject({
  id: z.string().nullish(),
  object: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  choices: z.array(UpstreamChunkChoice).nullish(),
  usage: UpstreamUsage.nullish(),
});
type UpstreamChunk = z.infer<typeof UpstreamChunk>;

export interface OpenAIStreamContext {
  /** The caller asked for `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Used when the server leaves them out. */
  model: string;
  created: number;
  id: string;
  /** OpenAI-compatible servers: an end without `[DONE]` is clean once every choice finished. */
  tolerant: boolean;
}

const ROLES = new Set(["developer", "system", "user", "assistant", "tool"]);

// Fields the translation reads itself; everything else is passed on as sent (lib/gateway/objects.ts: why not `...rest`).
const CHUNK_FIELDS: ReadonlySet<string> = new Set(["usage", "choices", "id", "object", "created", "model"]);
const CHOICE_FIELDS: ReadonlySet<string> = new Set(["index", "delta", "finish_reason", "logprobs"]);
const DELTA_FIELDS: ReadonlySet<string> = new Set(["role", "content", "refusal", "tool_calls", "reasoning_content", "reasoning"]);
const TOOL_CALL_FIELDS: ReadonlySet<string> = new Set(["index", "id", "type", "function"]);

function normaliseDelta(raw: z.infer<typeof UpstreamDelta> | null | undefined): { delta: ChunkDelta; hasToolCalls: boolean } {
  if (!raw) return { delta: {}, hasToolCalls: false };
  // content and refusal first, then unknown fields in their order: the order zod's output has them in.
  const delta: ChunkDelta = {};
  if (Object.hasOwn(raw, "content")) delta.content = raw.content;
  if (Object.hasOwn(raw, "refusal")) delta.refusal = raw.refusal;
  copyFieldsExcept(raw, DELTA_FIELDS, delta);
  const { role, reasoning, reasoning_content, tool_calls } = raw;
  if (role && ROLES.has(role)) delta.role = role as ChunkDelta["role"];
  const reasoningText = reasoning_content ?? reasoning;
  if (reasoningText !== null && reasoningText !== undefined) delta.reasoning_content = reasoningText;
  let hasToolCalls = false;
  if (tool_calls && tool_calls.length > 0) {
    hasToolCalls = true;
    delta.tool_calls = tool_calls.map((t, j): ToolCallDelta => {
      const { index, id, function: fn } = t;
      const out = copyFieldsExcept(t, TOOL_CALL_FIELDS, {} as ToolCallDelta);
      out.index = index ?? j;
      if (id) {
        out.id = id;
        out.type = "function";
      }
      if (fn) {
        const f: NonNullable<ToolCallDelta["function"]> = {};
        if (fn.name) f.name = fn.name;
        if (fn.arguments !== null && fn.arguments !== undefined) f.arguments = argumentsText(fn.arguments);
        out.function = f;
      }
      return out;
    });
  }
  return { delta, hasToolCalls };
}

/**
 * The common event (text deltas, no tool calls, no usage), checked by hand:
 * true only where `UpstreamChunk` would accept the value unchanged, so it is
 * used as is; anything else (tool calls, usage, an unexpected type) goes
 * through zod. Validating every event with zod cost more than the rest of its
 * translation. The translation below reads both alike.
 */
function isPlainTextChunk(v: unknown): v is UpstreamChunk {
  if (!isObject(v) || v.usage != null) return false;
  if (!isOptString(v.id) || !isOptString(v.object) || !isOptString(v.model)) return false;
  if (!isOptNumber(v.created)) return false;
  const choices = v.choices;
  if (choices == null) return true;
  if (!Array.isArray(choices)) return false;
  for (const c of choices) {
    if (!isObject(c) || (c.index != null && !Number.isSafeInteger(c.index)) || !isOptString(c.finish_reason)) return false;
    const d = c.delta;
    if (d == null) continue;
    if (!isObject(d) || d.tool_calls != null) return false;
    if (!isOptString(d.role) || !isOptString(d.content) || !isOptString(d.refusal) || !isOptString(d.reasoning_content) || !isOptString(d.reasoning)) return false;
  }
  return true;
}

export async function* translateOpenAIStream(
  events: AsyncIterable<EventSourceMessage>,
  ctx: OpenAIStreamContext,
  state: StreamState,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const withToolCalls = new Set<number>();
  const open = new Set<number>(); // choices seen without a finish reason yet
  let finishedAny = false;
  let id = ctx.id;
  let created = ctx.created;
  let model = ctx.model;
  for await (const event of events) {
    const data = event.data;
    if (data === "[DONE]") return;
    if (data === "") continue;
    const json = parseEventJson(data, "OpenAI stream");
    if (typeof json === "object" && json !== null && "error" in json && (json as { error: unknown }).error) throw openAIStreamError(json);
    const raw: UpstreamChunk = isPlainTextChunk(json) ? json : parseJsonValue(UpstreamChunk, json, "OpenAI stream chunk");
    if (raw.id) id = raw.id;
    if (typeof raw.created === "number" && raw.created > 0) created = Math.floor(raw.created);
    if (raw.model) model = raw.model;
    if (raw.usage) state.usage = usageFromOpenAI(raw.usage);
    const rawChoices = raw.choices ?? [];
    if (rawChoices.length === 0 && !raw.usage) continue; // Azure's prompt-filter preamble, keep-alives

    const choices = rawChoices.map((c, i): ChunkChoice => {
      const index = c.index ?? i;
      const { delta, hasToolCalls } = normaliseDelta(c.delta);
      if (hasToolCalls) withToolCalls.add(index);
      let finish: ChunkChoice["finish_reason"] = null;
      if (c.finish_reason) {
        finish = normaliseFinishReason(c.finish_reason, withToolCalls.has(index));
        open.delete(index);
        finishedAny = true;
      } else open.add(index);
      const choice = copyFieldsExcept(c, CHOICE_FIELDS, {} as ChunkChoice);
      choice.index = index;
      choice.delta = delta;
      choice.finish_reason = finish;
      choice.logprobs = (c.logprobs as ChunkChoice["logprobs"]) ?? null;
      return choice;
    });
    if (choices.length === 0 && !ctx.includeUsage) continue; // the usage chunk nobody asked for

    const chunk = copyFieldsExcept(raw, CHUNK_FIELDS, {} as ChatCompletionChunk);
    chunk.id = id;
    chunk.object = "chat.completion.chunk";
    chunk.created = created;
    chunk.model = model;
    chunk.choices = choices;
    if (ctx.includeUsage) chunk.usage = raw.usage && state.usage ? openAIUsage(raw.usage, state.usage) : null;
    yield chunk;
  }
  if (ctx.tolerant && finishedAny && open.size === 0) return;
  throw streamCutError("upstream stream ended before [DONE]");
}

