import type { ChatCompletionChunk, FinishReason } from "@/lib/gateway/openai/schema";
import type { NormalisedUsage } from "@/lib/gateway/providers/types";
import { usageFromOpenAI } from "@/lib/gateway/providers/usage";
import { errorToAnthropic } from "./errors";
import { anthropicMessageId, anthropicUsageOut, STOP_REASON_FOR, type AnthropicMessageOut } from "./translate";

/**
 * OpenAI chunks (from any provider) -> Anthropic stream events, as the
 * Anthropic SDK expects them:
 *   first chunk             message_start (usage so far: none, OpenAI reports it at the end)
 *   reasoning_content       content_block_start thinking + thinking_delta
 *   content                 content_block_start text + text_delta
 *   tool_calls (with id)    content_block_start tool_use {id, name, input: {}}
 *   tool_calls arguments    input_json_delta
 *   a new kind of block     content_block_stop of the open one first
 *   end of the chunks       content_block_stop, message_delta {stop_reason, usage}, message_stop
 * Only choice 0 is translated (the Messages API has one). A failure of the
 * chunks propagates; `encodeAnthropicSse` turns it into `event: error`.
 */

export type AnthropicStreamEvent =
  | { type: "message_start"; message: AnthropicMessageOut }
  | { type: "content_block_start"; index: number; content_block: AnthropicMessageOut["content"][number] }
  | {
      type: "content_block_delta";
      index: number;
      delta: { type: "text_delta"; text: string } | { type: "input_json_delta"; partial_json: string } | { type: "thinking_delta"; thinking: string };
    }
  | { type: "content_block_stop"; index: number }
  | {
      type: "message_delta";
      delta: { stop_reason: AnthropicMessageOut["stop_reason"]; stop_sequence: null; stop_details: null; container: null };
      usage: {
        input_tokens: number;
        output_tokens: number;
        cache_creation_input_tokens: number;
        cache_read_input_tokens: number;
        server_tool_use: null;
        output_tokens_details: { thinking_tokens: number } | null;
      };
    }
  | { type: "message_stop" };

const ZERO: NormalisedUsage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };

export interface AnthropicStreamOptions {
  /** The model to name (default: the chunks' model). */
  model?: string;
  /** Usage when the chunks carry none (e.g. ChatStream.usage). */
  usage?: () => Promise<NormalisedUsage | null>;
}

export async function* openAIChunksToAnthropicEvents(
  chunks: AsyncIterable<ChatCompletionChunk>,
  opts: AnthropicStreamOptions = {},
): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  let started = false;
  let open: { kind: "text" | "thinking" | "tool"; index: number } | null = null;
  let nextIndex = 0;
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | null = null;
  let usage: NormalisedUsage | null = null;
  let id = "msg_gatehouse";
  let model = opts.model ?? "";

  const start = (): AnthropicStreamEvent => ({
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: anthropicUsageOut(ZERO),
    },
  });
  function* close(): Generator<AnthropicStreamEvent> {
    if (open) yield { type: "content_block_stop", index: open.index };
    open = null;
  }

  for await (const c of chunks) {
    if (!started) {
      id = anthropicMessageId(c.id || id);
      if (!opts.model) model = c.model;
      started = true;
      yield start();
    }
    if (c.usage) usage = usageFromOpenAI(c.usage);
    const choice = c.choices.find((x) => x.index === 0);
    if (!choice) continue;
    const d = choice.delta;
    if (d.reasoning_content) {
      if (open?.kind !== "thinking") {
        yield* close();
        open = { kind: "thinking", index: nextIndex++ };
        yield { type: "content_block_start", index: open.index, content_block: { type: "thinking", thinking: "", signature: "" } };
      }
      yield { type: "content_block_delta", index: open.index, delta: { type: "thinking_delta", thinking: d.reasoning_content } };
    }
    if (d.content) {
      if (open?.kind !== "text") {
        yield* close();
        open = { kind: "text", index: nextIndex++ };
        yield { type: "content_block_start", index: open.index, content_block: { type: "text", text: "", citations: null } };
      }
      yield { type: "content_block_delta", index: open.index, delta: { type: "text_delta", text: d.content } };
    }
    for (const tc of d.tool_calls ?? []) {
      let block = toolBlocks.get(tc.index);
      if (block === undefined) {
        yield* close();
        block = nextIndex++;
        toolBlocks.set(tc.index, block);
        open = { kind: "tool", index: block };
        yield {
          type: "content_block_start",
          index: block,
          content_block: { type: "tool_use", id: tc.id ?? `toolu_${id.slice(4)}_${tc.index}`, name: tc.function?.name ?? "", input: {}, caller: { type: "direct" } },
        };
      }
      const args = tc.function?.arguments;
      if (args) yield { type: "content_block_delta", index: block, delta: { type: "input_json_delta", partial_json: args } };
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (!started) yield start();
  yield* close();
  const u = usage ?? (opts.usage ? await opts.usage() : null) ?? ZERO;
  const out = anthropicUsageOut(u);
  yield {
    type: "message_delta",
    delta: { stop_reason: STOP_REASON_FOR[finish ?? "stop"], stop_sequence: null, stop_details: null, container: null },
    usage: {
      input_tokens: out.input_tokens,
      output_tokens: out.output_tokens,
      cache_creation_input_tokens: u.cacheWriteTokens,
      cache_read_input_tokens: u.cachedTokens,
      server_tool_use: null,
      output_tokens_details: out.output_tokens_details,
    },
  };
  yield { type: "message_stop" };
}

/**
 * Events -> SSE text (`event: <type>\ndata: <json>\n\n`). A failure after the
 * first event ends the stream with `event: error` (the Anthropic SDK raises it
 * as an APIError); a failure before it is rethrown so the caller can still
 * answer with an HTTP error or fall back.
 */
export async function* encodeAnthropicSse(
  events: AsyncIterable<AnthropicStreamEvent>,
  opts: { onError?: (e: unknown) => void; requestId?: string } = {},
): AsyncGenerator<string, void, undefined> {
  let sent = false;
  try {
    for await (const e of events) {
      sent = true;
      yield `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    }
  } catch (e) {
    if (!sent) throw e;
    opts.onError?.(e);
    yield `event: error\ndata: ${JSON.stringify(errorToAnthropic(e, opts.requestId).body)}\n\n`;
  }
}
