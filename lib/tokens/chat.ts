import { estimateTokensInFunctions, type ChatCompletionFunctionDefinition } from "gpt-tokenizer/functionCalling";
import type { TextCounter } from "./encodings";

/**
 * Prompt tokens of a chat request, counted the way OpenAI bills them
 * (the cookbook's "counting tokens for chat completions API calls"):
 *
 *   every message:   3 (<|start|>role...<|end|>) + tokens(role) + tokens(content)
 *                    + 1 + tokens(name) when named
 *                    + per tool call: tokens(name) + tokens(arguments) + 3
 *   the request:     3 (the reply is primed with <|start|>assistant<|message|>)
 *   tools:           tokens of the definitions rendered as OpenAI renders them
 *                    internally (a TypeScript `namespace functions {...}`) + 9,
 *                    minus 4 when there is a system message (gpt-tokenizer's
 *                    estimateTokensInFunctions, from the openai-chat-tokens
 *                    reverse-engineering: exact on its test set, an estimate in
 *                    general, e.g. nested objects and descriptions beyond two
 *                    levels)
 *
 * Parts that are not text are estimates (the count runs before the call and
 * never fetches or decodes media):
 *   image, OpenAI:   `detail: low` 85; otherwise 765 (a 1024x1024 image at
 *                    high detail: 85 + 4 tiles x 170; a 2048x768 image is
 *                    1,445, a 512x512 one 255)
 *   image, Claude:   1,600 (Anthropic's w*h/750 at its 1.15-megapixel cap)
 *   image, Gemini:   258 (one image up to 384 px; larger ones are tiled)
 *   audio:           10 tokens per second of 16 kHz 16-bit mono (base64 bytes / 3,200)
 *   file (PDF...):   base64 bytes / 4, as if it were text (rough)
 *
 * Pure: the text counter is passed in (encodings.ts), so the arithmetic is
 * tested against known counts without loading anything.
 */

export type ImagePolicy = "openai" | "claude" | "gemini";

/** The message shape counted (structurally the OpenAI chat message; loose on purpose). */
export interface CountableMessage {
  role: string;
  content?: unknown;
  name?: string | undefined;
  tool_calls?: readonly unknown[] | null | undefined;
  function_call?: { name?: string; arguments?: string } | null | undefined;
  tool_call_id?: string | undefined;
}

export interface CountableChat {
  messages: readonly CountableMessage[];
  tools?: readonly unknown[] | null | undefined;
  functions?: readonly unknown[] | null | undefined;
  tool_choice?: unknown;
  function_call?: unknown;
}

export interface ChatCount {
  /** Per message, in request order (raw counts, before any approximation factor). */
  perMessage: number[];
  /** Reply priming + tool definitions (raw). */
  fixed: number;
  /** fixed + sum(perMessage) (raw). */
  raw: number;
}

export const MESSAGE_OVERHEAD = 3;
export const REPLY_PRIMING = 3;
export const NAME_OVERHEAD = 1;
export const TOOL_CALL_OVERHEAD = 3;
/** A `function` (legacy tool result) message costs 2 fewer. */
export const FUNCTION_ROLE_DISCOUNT = 2;

const IMAGE_TOKENS: Record<ImagePolicy, { low: number; other: number }> = {
  openai: { low: 85, other: 765 },
  claude: { low: 1_600, other: 1_600 },
  gemini: { low: 258, other: 258 },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function base64Bytes(data: unknown): number {
  if (typeof data !== "string") return 0;
  const comma = data.startsWith("data:") ? data.indexOf(",") + 1 : 0;
  return Math.floor(((data.length - comma) * 3) / 4);
}

function countPart(part: unknown, count: TextCounter, images: ImagePolicy): number {
  if (!isRecord(part)) return 0;
  switch (part.type) {
    case "text":
      return typeof part.text === "string" ? count(part.text) : 0;
    case "refusal":
      return typeof part.refusal === "string" ? count(part.refusal) : 0;
    case "image_url": {
      const detail = isRecord(part.image_url) ? part.image_url.detail : undefined;
      return detail === "low" ? IMAGE_TOKENS[images].low : IMAGE_TOKENS[images].other;
    }
    case "input_audio":
      return Math.ceil(base64Bytes(isRecord(part.input_audio) ? part.input_audio.data : undefined) / 3_200);
    case "file":
      return Math.ceil(base64Bytes(isRecord(part.file) ? part.file.file_data : undefined) / 4);
    default:
      // An unknown part type (OpenAI adds them): its JSON as text, an over- rather than an under-estimate.
      return count(JSON.stringify(part));
  }
}

function countContent(content: unknown, count: TextCounter, images: ImagePolicy): number {
  if (typeof content === "string") return count(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) n += countPart(part, count, images);
  return n;
}

function countToolCall(call: unknown, count: TextCounter): number {
  if (!isRecord(call)) return 0;
  const fn = isRecord(call.function) ? call.function : isRecord(call.custom) ? call.custom : null;
  if (!fn) return TOOL_CALL_OVERHEAD;
  const name = typeof fn.name === "string" ? count(fn.name) : 0;
  const args = typeof fn.arguments === "string" ? count(fn.arguments) : typeof fn.input === "string" ? count(fn.input) : 0;
  return name + args + TOOL_CALL_OVERHEAD;
}

/** One message's tokens (overhead included). */
export function countMessage(m: CountableMessage, count: TextCounter, images: ImagePolicy = "openai"): number {
  let n = MESSAGE_OVERHEAD + count(m.role) + countContent(m.content, count, images);
  if (m.name) n += NAME_OVERHEAD + count(m.name);
  if (m.tool_calls) for (const call of m.tool_calls) n += countToolCall(call, count);
  if (m.function_call) n += countToolCall({ function: m.function_call }, count);
  if (m.role === "function") n -= FUNCTION_ROLE_DISCOUNT;
  return n;
}

/** `tools` (and the deprecated `functions`) as the function definitions OpenAI renders. */
function functionDefinitions(chat: CountableChat): ChatCompletionFunctionDefinition[] {
  const defs: ChatCompletionFunctionDefinition[] = [];
  for (const tool of chat.tools ?? []) {
    if (!isRecord(tool)) continue;
    const fn = isRecord(tool.function) ? tool.function : isRecord(tool.custom) ? tool.custom : null;
    if (fn && typeof fn.name === "string") defs.push(fn as unknown as ChatCompletionFunctionDefinition);
  }
  for (const fn of chat.functions ?? []) {
    if (isRecord(fn) && typeof fn.name === "string") defs.push(fn as unknown as ChatCompletionFunctionDefinition);
  }
  return defs;
}

/** Tokens of the tool definitions (0 without tools). */
export function countTools(chat: CountableChat, count: TextCounter): number {
  const defs = functionDefinitions(chat);
  if (defs.length === 0) return 0;
  try {
    const hasSystem = chat.messages.some((m) => m.role === "system");
    return estimateTokensInFunctions(defs, count) - (hasSystem ? 4 : 0);
  } catch {
    // A schema the renderer does not understand: its JSON as text.
    return count(JSON.stringify(defs)) + 9;
  }
}

/** A forced choice costs tokens too: `none` 1, a named function its name + 4 (`auto`/`required`: 0). */
function countToolChoice(chat: CountableChat, count: TextCounter): number {
  const choice = chat.tool_choice ?? chat.function_call;
  if (choice === "none") return 1;
  if (!isRecord(choice)) return 0;
  const named = isRecord(choice.function) ? choice.function.name : isRecord(choice.custom) ? choice.custom.name : choice.name;
  return typeof named === "string" ? count(named) + 4 : 0;
}

export function countChat(chat: CountableChat, count: TextCounter, images: ImagePolicy = "openai"): ChatCount {
  const hasTools = functionDefinitions(chat).length > 0;
  // With tools, OpenAI renders the first system message with a trailing newline.
  const padAt = hasTools ? chat.messages.findIndex((m) => m.role === "system") : -1;
  const perMessage = chat.messages.map((m, i) => {
    if (i === padAt && typeof m.content === "string" && m.content && !m.content.endsWith("\n")) {
      return countMessage({ ...m, content: `${m.content}\n` }, count, images);
    }
    return countMessage(m, count, images);
  });
  const fixed = REPLY_PRIMING + countTools(chat, count) + countToolChoice(chat, count);
  let raw = fixed;
  for (const n of perMessage) raw += n;
  return { perMessage, fixed, raw };
}
