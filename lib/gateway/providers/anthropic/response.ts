import type { AnthropicMessage, AnthropicUsage } from "@/lib/gateway/anthropic/schema";
import type { ChatCompletion, FinishReason, FunctionToolCall } from "@/lib/gateway/openai/schema";
import { usageToOpenAI } from "../usage";
import type { NormalisedUsage } from "../types";
import { JSON_TOOL_NAME } from "./request";

/**
 * Anthropic message -> OpenAI chat completion: text blocks -> content,
 * thinking -> `reasoning_content`, tool_use -> tool_calls (input as JSON
 * arguments; the structured-output tool -> content, finish `stop`),
 * stop_reason -> finish_reason, usage -> OpenAI usage with cached and
 * reasoning details.
 */

export const STOP_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

export function finishFromStopReason(reason: string | null | undefined): FinishReason {
  return (reason ? STOP_REASONS[reason] : undefined) ?? "stop";
}

const n = (v: number | null | undefined): number => (typeof v === "number" && v > 0 ? v : 0);

/** Running token counts of one Anthropic message (stream events update them). */
export interface AnthropicCounts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  /** output_tokens_details.thinking_tokens when sent. */
  thinking: number | undefined;
}

export function newCounts(): AnthropicCounts {
  return { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, thinking: undefined };
}

/** Applies a usage object; absent fields keep their value (message_delta repeats only some). */
export function applyUsage(c: AnthropicCounts, u: AnthropicUsage | null | undefined): void {
  if (!u) return;
  if (typeof u.input_tokens === "number") c.input = n(u.input_tokens);
  if (typeof u.cache_read_input_tokens === "number") c.cacheRead = n(u.cache_read_input_tokens);
  if (typeof u.cache_creation_input_tokens === "number") c.cacheWrite = n(u.cache_creation_input_tokens);
  if (typeof u.output_tokens === "number") c.output = n(u.output_tokens);
  if (typeof u.output_tokens_details?.thinking_tokens === "number") c.thinking = n(u.output_tokens_details.thinking_tokens);
}

/**
 * Anthropic's `input_tokens` excludes cache reads and writes; OpenAI's
 * `prompt_tokens` includes them. Thinking tokens are part of `output_tokens`;
 * when the API does not break them out, they are estimated from the thinking
 * text (ceil(chars / 4), at most the output).
 */
export function anthropicUsage(c: AnthropicCounts, thinkingChars: number): NormalisedUsage {
  return {
    promptTokens: c.input + c.cacheRead + c.cacheWrite,
    completionTokens: c.output,
    cachedTokens: c.cacheRead,
    cacheWriteTokens: c.cacheWrite,
    reasoningTokens: c.thinking ?? Math.min(c.output, Math.ceil(thinkingChars / 4)),
  };
}

export interface AnthropicResponseContext {
  model: string;
  created: number;
  jsonTool: boolean;
}

export function anthropicToOpenAICompletion(msg: AnthropicMessage, ctx: AnthropicResponseContext): { response: ChatCompletion; usage: NormalisedUsage } {
  let text = "";
  let hasText = false;
  let reasoning = "";
  let jsonAnswer: string | undefined;
  const toolCalls: FunctionToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === "text") {
      text += block.text ?? "";
      hasText = true;
    } else if (block.type === "thinking") {
      reasoning += block.thinking ?? "";
    } else if (block.type === "tool_use") {
      const args = JSON.stringify(block.input ?? {});
      if (ctx.jsonTool && block.name === JSON_TOOL_NAME) jsonAnswer = args;
      else toolCalls.push({ id: block.id ?? "", type: "function", function: { name: block.name ?? "", arguments: args } });
    }
  }
  const counts = newCounts();
  applyUsage(counts, msg.usage);
  const usage = anthropicUsage(counts, reasoning.length);
  let finish = finishFromStopReason(msg.stop_reason);
  let content: string | null = hasText ? text : toolCalls.length > 0 ? null : "";
  if (jsonAnswer !== undefined) {
    content = jsonAnswer;
    if (finish === "tool_calls" && toolCalls.length === 0) finish = "stop";
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    response: {
      id: msg.id,
      object: "chat.completion",
      created: ctx.created,
      model: msg.model || ctx.model,
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
      usage: usageToOpenAI(usage),
    },
    usage,
  };
}
