import { BadRequestError } from "@/lib/errors";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, FinishReason, FunctionTool, TextPart, ToolChoice, UserContentPart } from "@/lib/gateway/openai/schema";
import type { NormalisedUsage } from "@/lib/gateway/providers/types";
import type { ContentBlockParam, MessagesRequest, MessagesRequestWithPrompt, ToolResultBlockParam } from "./schema";

/**
 * `/v1/messages` served by any provider: the Anthropic Messages request is
 * translated into the internal OpenAI request, routed like any other, and the
 * OpenAI answer translated back.
 *
 * Request (anthropicToOpenAI):
 *   system                    -> a system message (text blocks keep cache_control)
 *   user text/image/document  -> user parts (image -> image_url, base64 PDF/text document -> file / text)
 *   user tool_result          -> tool messages, placed before the rest of that turn
 *   assistant text/tool_use   -> assistant content + tool_calls (input as JSON arguments)
 *   assistant thinking        -> reasoning_content (redacted_thinking is opaque and left out)
 *   max_tokens                -> max_completion_tokens; stop_sequences -> stop
 *   temperature, top_p        -> as is; top_k and thinking kept as vendor fields
 *                                (used by the Anthropic and Gemini adapters, removed for OpenAI)
 *   tools (client tools)      -> function tools; server tools are refused (400)
 *   tool_choice auto/any/tool/none -> auto/required/function/none; disable_parallel_tool_use -> parallel_tool_calls false
 *   metadata.user_id          -> user
 *   thinking budget           -> reasoning_effort (< 2048 low, < 8192 medium, else high)
 *   output_config.format      -> response_format json_schema; output_config.effort -> reasoning_effort
 *   stream                    -> stream + stream_options.include_usage
 * Response (openAIToAnthropicResponse): reasoning_content -> thinking block,
 * content -> text block, tool_calls -> tool_use blocks, finish_reason ->
 * stop_reason (stop end_turn, length max_tokens, tool_calls tool_use,
 * content_filter refusal), usage -> input (without cache reads/writes),
 * cache_read, cache_creation and output tokens.
 */

function refuse(path: string, what: string): never {
  throw new BadRequestError(`${path}: ${what} cannot be served through this gateway`, path);
}

function textPart(b: { text: string; cache_control?: unknown }): TextPart {
  return b.cache_control ? { type: "text", text: b.text, cache_control: b.cache_control as TextPart["cache_control"] } : { type: "text", text: b.text };
}

function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

function userPart(b: ContentBlockParam, path: string): UserContentPart {
  switch (b.type) {
    case "text":
      return textPart(b as { text: string; cache_control?: unknown });
    case "image": {
      const img = b as Extract<ContentBlockParam, { type: "image" }>;
      const src = img.source;
      const url = src.type === "base64" ? dataUrl(src.media_type, src.data) : src.type === "url" ? src.url : refuse(path, "an image by file id");
      return img.cache_control ? { type: "image_url", image_url: { url }, cache_control: img.cache_control } : { type: "image_url", image_url: { url } };
    }
    case "document": {
      const doc = b as Extract<ContentBlockParam, { type: "document" }>;
      const src = doc.source;
      if (src.type === "base64" && typeof src.data === "string") {
        const part: UserContentPart = { type: "file", file: { file_data: dataUrl(src.media_type ?? "application/pdf", src.data), ...(doc.title ? { filename: doc.title } : {}) } };
        if (doc.cache_control) part.cache_control = doc.cache_control;
        return part;
      }
      if (src.type === "text" && typeof src.data === "string") return textPart({ text: doc.title ? `${doc.title}\n\n${src.data}` : src.data, cache_control: doc.cache_control });
      return refuse(path, `a document with a ${src.type} source`);
    }
    default:
      return refuse(path, `a '${b.type}' block`);
  }
}

function toolResultContent(b: ToolResultBlockParam, path: string): string | TextPart[] {
  const c = b.content;
  if (c === undefined) return "";
  if (typeof c === "string") return c;
  if (c.length === 0) return "";
  return c.map((x, i) => (x.type === "text" ? textPart(x as { text: string; cache_control?: unknown }) : refuse(`${path}.content.${i}`, `a '${x.type}' block in a tool result`)));
}

function convertMessages(req: MessagesRequest | MessagesRequestWithPrompt): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (req.system !== undefined) {
    if (typeof req.system === "string") {
      if (req.system !== "") out.push({ role: "system", content: req.system });
    } else if (req.system.length > 0) {
      out.push({ role: "system", content: req.system.map((b) => textPart(b)) });
    }
  }
  req.messages.forEach((m, i) => {
    const path = `messages.${i}`;
    if (typeof m.content === "string") {
      out.push(m.role === "user" ? { role: "user", content: m.content } : { role: "assistant", content: m.content });
      return;
    }
    if (m.role === "user") {
      const parts: UserContentPart[] = [];
      m.content.forEach((b, j) => {
        if (b.type === "tool_result") {
          const r = b as ToolResultBlockParam;
          out.push({ role: "tool", tool_call_id: r.tool_use_id, content: toolResultContent(r, `${path}.content.${j}`), ...(r.cache_control ? { cache_control: r.cache_control } : {}) });
        } else parts.push(userPart(b, `${path}.content.${j}`));
      });
      if (parts.length > 0) out.push({ role: "user", content: parts });
      return;
    }
    const texts: TextPart[] = [];
    let reasoning = "";
    const toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }> = [];
    m.content.forEach((b, j) => {
      switch (b.type) {
        case "text":
          texts.push(textPart(b as { text: string; cache_control?: unknown }));
          break;
        case "tool_use": {
          const t = b as Extract<ContentBlockParam, { type: "tool_use" }>;
          toolCalls.push({ id: t.id, type: "function", function: { name: t.name, arguments: JSON.stringify(t.input ?? {}) } });
          break;
        }
        case "thinking":
          reasoning += (b as Extract<ContentBlockParam, { type: "thinking" }>).thinking;
          break;
        case "redacted_thinking":
          break;
        default:
          refuse(`${path}.content.${j}`, `a '${b.type}' block`);
      }
    });
    const cached = texts.some((t) => t.cache_control);
    const content = texts.length === 0 ? null : cached ? texts : texts.map((t) => t.text).join("");
    out.push({
      role: "assistant",
      content,
      ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      ...(reasoning ? { reasoning_content: reasoning } : {}),
    });
  });
  return out;
}

function effortForBudget(budget: number): string {
  return budget < 2048 ? "low" : budget < 8192 ? "medium" : "high";
}

const EFFORTS: Readonly<Record<string, string>> = { low: "low", medium: "medium", high: "high", xhigh: "xhigh", max: "xhigh" };

/** `max_tokens` may be absent only when the request names a stored prompt (its version's params may set it; stages/prompt.ts). */
export function anthropicToOpenAI(req: MessagesRequest | MessagesRequestWithPrompt): ChatCompletionRequest {
  const out: ChatCompletionRequest = {
    model: req.model,
    messages: convertMessages(req),
  };
  if (req.max_tokens !== undefined) out.max_completion_tokens = req.max_tokens;
  if (req.stop_sequences && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.top_k !== undefined) out.top_k = req.top_k;
  if (req.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  if (req.metadata?.user_id) out.user = req.metadata.user_id;

  if (req.tools && req.tools.length > 0) {
    out.tools = req.tools.map((t, i): FunctionTool => {
      if (t.type && t.type !== "custom") refuse(`tools.${i}`, `the server tool '${t.type}'`);
      const fn: FunctionTool["function"] = { name: t.name, parameters: t.input_schema ?? { type: "object", properties: {} } };
      if (t.description) fn.description = t.description;
      return t.cache_control ? { type: "function", function: fn, cache_control: t.cache_control } : { type: "function", function: fn };
    });
  }
  const tc = req.tool_choice;
  if (tc) {
    const choice: ToolChoice = tc.type === "auto" ? "auto" : tc.type === "any" ? "required" : tc.type === "none" ? "none" : { type: "function", function: { name: tc.name } };
    out.tool_choice = choice;
    if (tc.type !== "none" && tc.disable_parallel_tool_use) out.parallel_tool_calls = false;
  }

  if (req.thinking) {
    out.thinking = req.thinking;
    if (req.thinking.type === "enabled") out.reasoning_effort = effortForBudget(req.thinking.budget_tokens);
    else if (req.thinking.type === "adaptive") out.reasoning_effort = "medium";
  }
  const effort = req.output_config?.effort;
  if (effort && EFFORTS[effort]) out.reasoning_effort = EFFORTS[effort];
  const format = req.output_config?.format;
  if (format) out.response_format = { type: "json_schema", json_schema: { name: "output", schema: format.schema, strict: true } };
  return out;
}

// ---------------------------------------------------------------- response

/** The Anthropic Message we answer with (the SDK's `Message`, every field present). */
export interface AnthropicTextBlock {
  type: "text";
  text: string;
  citations: null;
}
export interface AnthropicThinkingBlock {
  type: "thinking";
  thinking: string;
  signature: string;
}
export interface AnthropicToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
  caller: { type: "direct" };
}
export type AnthropicContentBlock = AnthropicTextBlock | AnthropicThinkingBlock | AnthropicToolUseBlock;

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

export interface AnthropicUsageOut {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number } | null;
  output_tokens_details: { thinking_tokens: number } | null;
  server_tool_use: null;
  service_tier: "standard" | null;
  inference_geo: null;
  speed: null;
}

export interface AnthropicMessageOut {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  diagnostics: null;
  usage: AnthropicUsageOut;
}

export const STOP_REASON_FOR: Readonly<Record<FinishReason, AnthropicStopReason>> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "refusal",
};

export function anthropicMessageId(id: string): string {
  return id.startsWith("msg_") ? id : `msg_${id.replace(/^chatcmpl-/, "")}`;
}

/** NormalisedUsage (prompt includes cache reads and writes) -> Anthropic usage (input excludes them). */
export function anthropicUsageOut(u: NormalisedUsage): AnthropicUsageOut {
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens - u.cacheWriteTokens),
    output_tokens: u.completionTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWriteTokens, ephemeral_1h_input_tokens: 0 },
    output_tokens_details: u.reasoningTokens > 0 ? { thinking_tokens: u.reasoningTokens } : null,
    server_tool_use: null,
    service_tier: "standard",
    inference_geo: null,
    speed: null,
  };
}

export function usageOfCompletion(res: ChatCompletion): NormalisedUsage {
  const u = res.usage;
  return {
    promptTokens: u?.prompt_tokens ?? 0,
    completionTokens: u?.completion_tokens ?? 0,
    cachedTokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: u?.prompt_tokens_details?.cache_write_tokens ?? 0,
    reasoningTokens: u?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export function parseToolInput(args: string): unknown {
  if (args.trim() === "") return {};
  try {
    return JSON.parse(args);
  } catch {
    // A model that wrote broken JSON: hand the text over rather than lose it.
    return { _raw: args };
  }
}

/** The first choice of an OpenAI completion as an Anthropic Message. */
export function openAIToAnthropicResponse(res: ChatCompletion, opts: { usage?: NormalisedUsage; model?: string } = {}): AnthropicMessageOut {
  const choice = res.choices[0];
  const content: AnthropicContentBlock[] = [];
  const m = choice?.message;
  if (m?.reasoning_content) content.push({ type: "thinking", thinking: m.reasoning_content, signature: "" });
  if (m?.content) content.push({ type: "text", text: m.content, citations: null });
  for (const call of m?.tool_calls ?? []) {
    if (call.type === "function") content.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments), caller: { type: "direct" } });
  }
  return {
    id: anthropicMessageId(res.id),
    type: "message",
    role: "assistant",
    model: opts.model ?? res.model,
    content,
    stop_reason: choice ? STOP_REASON_FOR[choice.finish_reason] : "end_turn",
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: anthropicUsageOut(opts.usage ?? usageOfCompletion(res)),
  };
}
