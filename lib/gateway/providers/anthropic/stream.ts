import type { EventSourceMessage } from "eventsource-parser";
import { StreamEventSchemas } from "@/lib/gateway/anthropic/schema";
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from "@/lib/gateway/openai/schema";
import { streamCutError } from "../classify";
import { parseEventJson, parseJsonValue } from "../http";
import type { StreamState } from "../stream";
import { usageToOpenAI } from "../usage";
import { anthropicStreamError } from "./errors";
import { JSON_TOOL_NAME } from "./request";
import { anthropicUsage, applyUsage, finishFromStopReason, newCounts } from "./response";

/**
 * Anthropic stream events -> OpenAI chunks:
 *   message_start                      id, model, input/cache usage (no chunk)
 *   content_block_start text           (no chunk)
 *   content_block_start tool_use       tool_calls[{index, id, type, function: {name, arguments: ""}}]
 *   content_block_delta text_delta     content
 *   content_block_delta input_json     tool_calls[{index, function: {arguments}}] (structured-output tool: content)
 *   content_block_delta thinking_delta reasoning_content
 *   message_delta                      stop_reason and output usage (kept)
 *   message_stop                       the finish chunk, then the usage chunk when asked
 *   ping, signature/citations deltas   ignored; unknown events ignored
 *   error                              thrown as its ProviderError (overloaded_error -> overloaded)
 * The first chunk with output carries `role: "assistant"`. An end without
 * message_stop is `stream_cut`.
 */

export interface AnthropicStreamContext {
  includeUsage: boolean;
  model: string;
  created: number;
  jsonTool: boolean;
}

type BlockKind = "text" | "thinking" | "tool" | "json" | "other";

export async function* translateAnthropicStream(
  events: AsyncIterable<EventSourceMessage>,
  ctx: AnthropicStreamContext,
  state: StreamState,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let id = "";
  let model = ctx.model;
  let roleSent = false;
  let finish: FinishReason | null = null;
  let thinkingChars = 0;
  let toolCount = 0;
  let jsonAnswered = false;
  const counts = newCounts();
  const blocks = new Map<number, { kind: BlockKind; tool: number }>();

  const chunk = (delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk => {
    const d: ChunkDelta = roleSent || finishReason ? delta : { role: "assistant", ...delta };
    roleSent = true;
    const c: ChatCompletionChunk = { id, object: "chat.completion.chunk", created: ctx.created, model, choices: [{ index: 0, delta: d, finish_reason: finishReason, logprobs: null }] };
    if (ctx.includeUsage) c.usage = null;
    return c;
  };

  for await (const event of events) {
    if (event.data === "") continue;
    const json = parseEventJson(event.data, "Anthropic stream");
    const name = event.event ?? (typeof json === "object" && json !== null ? String((json as { type?: unknown }).type) : "");
    switch (name) {
      case "error":
        throw anthropicStreamError(json);
      case "message_start": {
        const e = parseJsonValue(StreamEventSchemas.message_start, json, "Anthropic message_start");
        id = e.message.id;
        if (e.message.model) model = e.message.model;
        applyUsage(counts, e.message.usage);
        state.usage = anthropicUsage(counts, thinkingChars);
        break;
      }
      case "content_block_start": {
        const e = parseJsonValue(StreamEventSchemas.content_block_start, json, "Anthropic content_block_start");
        const b = e.content_block;
        if (b.type === "text") {
          blocks.set(e.index, { kind: "text", tool: -1 });
          if (b.text) yield chunk({ content: b.text });
        } else if (b.type === "thinking") {
          blocks.set(e.index, { kind: "thinking", tool: -1 });
        } else if (b.type === "tool_use" && ctx.jsonTool && b.name === JSON_TOOL_NAME) {
          blocks.set(e.index, { kind: "json", tool: -1 });
          jsonAnswered = true;
        } else if (b.type === "tool_use") {
          const tool = toolCount++;
          blocks.set(e.index, { kind: "tool", tool });
          yield chunk({ tool_calls: [{ index: tool, id: b.id ?? "", type: "function", function: { name: b.name ?? "", arguments: "" } }] });
        } else {
          blocks.set(e.index, { kind: "other", tool: -1 });
        }
        break;
      }
      case "content_block_delta": {
        const e = parseJsonValue(StreamEventSchemas.content_block_delta, json, "Anthropic content_block_delta");
        const block = blocks.get(e.index);
        const d = e.delta;
        if (!block) break;
        if (d.type === "text_delta" && d.text) {
          yield chunk({ content: d.text });
        } else if (d.type === "thinking_delta" && d.thinking) {
          thinkingChars += d.thinking.length;
          yield chunk({ reasoning_content: d.thinking });
        } else if (d.type === "input_json_delta" && d.partial_json) {
          if (block.kind === "json") yield chunk({ content: d.partial_json });
          else if (block.kind === "tool") yield chunk({ tool_calls: [{ index: block.tool, function: { arguments: d.partial_json } }] });
        }
        break;
      }
      case "message_delta": {
        const e = parseJsonValue(StreamEventSchemas.message_delta, json, "Anthropic message_delta");
        if (e.delta.stop_reason) finish = finishFromStopReason(e.delta.stop_reason);
        applyUsage(counts, e.usage);
        state.usage = anthropicUsage(counts, thinkingChars);
        break;
      }
      case "message_stop": {
        const usage = anthropicUsage(counts, thinkingChars);
        state.usage = usage;
        let reason = finish ?? "stop";
        if (jsonAnswered && reason === "tool_calls" && toolCount === 0) reason = "stop";
        yield chunk({}, reason);
        if (ctx.includeUsage) yield { id, object: "chat.completion.chunk", created: ctx.created, model, choices: [], usage: usageToOpenAI(usage) };
        return;
      }
      default:
        break; // ping, content_block_stop, and event types added later
    }
  }
  throw streamCutError("Anthropic stream ended before message_stop");
}
