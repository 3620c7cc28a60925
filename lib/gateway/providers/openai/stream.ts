import type { EventSourceMessage } from "eventsource-parser";
import { z } from "zod";
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

function normaliseDelta(raw: z.infer<typeof UpstreamDelta> | null | undefined): { delta: ChunkDelta; hasToolCalls: boolean } {
  if (!raw) return { delta: {}, hasToolCalls: false };
  const { role, reasoning, reasoning_content, tool_calls, ...rest } = raw;
  const delta: ChunkDelta = { ...rest };
  if (role && ROLES.has(role)) delta.role = role as ChunkDelta["role"];
  const reasoningText = reasoning_content ?? reasoning;
  if (reasoningText !== null && reasoningText !== undefined) delta.reasoning_content = reasoningText;
  let hasToolCalls = false;
  if (tool_calls && tool_calls.length > 0) {
    hasToolCalls = true;
    delta.tool_calls = tool_calls.map((t, j): ToolCallDelta => {
      const { index, id, type: _type, function: fn, ...other } = t;
      const out: ToolCallDelta = { ...other, index: index ?? j };
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
    const raw: UpstreamChunk = parseJsonValue(UpstreamChunk, json, "OpenAI stream chunk");
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
      const { index: _i, delta: _d, finish_reason: _f, logprobs, ...other } = c;
      return { ...other, index, delta, finish_reason: finish, logprobs: (logprobs as ChunkChoice["logprobs"]) ?? null };
    });
    if (choices.length === 0 && !ctx.includeUsage) continue; // the usage chunk nobody asked for

    const { usage: _usage, choices: _choices, id: _id, object: _object, created: _created, model: _model, ...other } = raw;
    const chunk: ChatCompletionChunk = { ...other, id, object: "chat.completion.chunk", created, model, choices };
    if (ctx.includeUsage) chunk.usage = raw.usage && state.usage ? openAIUsage(raw.usage, state.usage) : null;
    yield chunk;
  }
  if (ctx.tolerant && finishedAny && open.size === 0) return;
  throw streamCutError("upstream stream ended before [DONE]");
}

