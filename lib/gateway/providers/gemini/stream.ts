import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, ChunkDelta, FinishReason, ToolCallDelta } from "@/lib/gateway/openai/schema";
import { streamCutError } from "../classify";
import { parseEventJson, parseJsonValue } from "../http";
import type { StreamState } from "../stream";
import { usageToOpenAI } from "../usage";
import { geminiStreamError } from "./errors";
import { finishFromGemini, GenerateContentResponse, geminiUsage, toolCallFromGemini } from "./response";

/**
 * Gemini `streamGenerateContent?alt=sse` -> OpenAI chunks. Each event is a
 * whole GenerateContentResponse holding the next piece of each candidate:
 * text -> content, thought text -> reasoning_content, a functionCall (Gemini
 * sends it whole) -> one tool_calls delta with all its arguments, finishReason
 * -> a finish chunk (tool_calls when the candidate called a function).
 * usageMetadata is cumulative: the last one wins. Gemini has no end marker:
 * a stream is complete when it ends after every candidate it started sent a
 * finishReason (or the prompt was blocked); otherwise it is `stream_cut`.
 * An `{ "error": ... }` event is thrown as its ProviderError.
 */

export interface GeminiStreamContext {
  includeUsage: boolean;
  model: string;
  created: number;
  id: string;
}

interface CandidateState {
  roleSent: boolean;
  tools: number;
  finished: boolean;
}

export async function* translateGeminiStream(
  events: AsyncIterable<EventSourceMessage>,
  ctx: GeminiStreamContext,
  state: StreamState,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let id = ctx.id;
  let model = ctx.model;
  const candidates = new Map<number, CandidateState>();
  const chunk = (index: number, delta: ChunkDelta, finish: FinishReason | null): ChatCompletionChunk => {
    const c: ChatCompletionChunk = { id, object: "chat.completion.chunk", created: ctx.created, model, choices: [{ index, delta, finish_reason: finish, logprobs: null }] };
    if (ctx.includeUsage) c.usage = null;
    return c;
  };
  const finishAll = function* (): Generator<ChatCompletionChunk> {
    if (ctx.includeUsage && state.usage) yield { id, object: "chat.completion.chunk", created: ctx.created, model, choices: [], usage: usageToOpenAI(state.usage) };
  };

  for await (const event of events) {
    if (event.data === "") continue;
    const json = parseEventJson(event.data, "Gemini stream");
    if (typeof json === "object" && json !== null && "error" in json) throw geminiStreamError(json);
    const raw = parseJsonValue(GenerateContentResponse, json, "Gemini stream chunk");
    if (raw.responseId) id = raw.responseId;
    if (raw.modelVersion) model = raw.modelVersion;
    if (raw.usageMetadata) state.usage = geminiUsage(raw.usageMetadata);
    const list = raw.candidates ?? [];
    if (list.length === 0 && raw.promptFeedback?.blockReason) {
      yield chunk(0, { role: "assistant", content: null }, null);
      yield chunk(0, {}, "content_filter");
      yield* finishAll();
      return;
    }
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (!c) continue;
      const index = c.index ?? i;
      let cs = candidates.get(index);
      if (!cs) {
        cs = { roleSent: false, tools: 0, finished: false };
        candidates.set(index, cs);
      }
      let content = "";
      let reasoning = "";
      const toolCalls: ToolCallDelta[] = [];
      for (const p of c.content?.parts ?? []) {
        if (p.functionCall) {
          const call = toolCallFromGemini(p.functionCall);
          toolCalls.push({ index: cs.tools++, id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } });
        } else if (p.text && p.thought) reasoning += p.text;
        else if (p.text) content += p.text;
      }
      if (content || reasoning || toolCalls.length > 0) {
        const delta: ChunkDelta = cs.roleSent ? {} : { role: "assistant" };
        cs.roleSent = true;
        if (reasoning) delta.reasoning_content = reasoning;
        if (content) delta.content = content;
        if (toolCalls.length > 0) delta.tool_calls = toolCalls;
        yield chunk(index, delta, null);
      }
      if (c.finishReason) {
        cs.finished = true;
        yield chunk(index, cs.roleSent ? {} : { role: "assistant", content: "" }, finishFromGemini(c.finishReason, cs.tools > 0));
        cs.roleSent = true;
      }
    }
  }
  if (candidates.size === 0 || [...candidates.values()].some((c) => !c.finished)) {
    throw streamCutError("Gemini stream ended before every candidate finished");
  }
  yield* finishAll();
}
