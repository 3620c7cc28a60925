/**
 * Prompt-token counting before a model call (see README "Tokens and limits"):
 * exact BPE counts for OpenAI encodings, a documented over-estimate for
 * Claude and Gemini, the chat overhead OpenAI bills, and trimming to a limit.
 */
export { countChat, countMessage, countTools, type ChatCount, type CountableChat, type CountableMessage, type ImagePolicy } from "./chat";
export { ENCODINGS, loadEncoding, loadedEncoding, type EncodingName, type TextCounter } from "./encodings";
export { scaleCount, tokenizerFamily, type TokenizerFamily } from "./family";
export { TextCountCache } from "./lru";
export { trimToLimit, type TrimResult } from "./trim";

import { countChat, type CountableChat } from "./chat";
import type { EncodingName, TextCounter } from "./encodings";
import { loadEncoding, loadedEncoding } from "./encodings";
import { scaleCount, tokenizerFamily, type TokenizerFamily } from "./family";
import type { ChatCount } from "./chat";

export interface ChatEstimate {
  family: TokenizerFamily;
  count: ChatCount;
  /** The estimate: the raw count scaled by the family's factor. */
  tokens: number;
}

function estimateWith(chat: CountableChat, family: TokenizerFamily, counter: TextCounter): ChatEstimate {
  const count = countChat(chat, counter, family.images);
  return { family, count, tokens: scaleCount(family, count.raw) };
}

/** Counts a chat request for a model's `tokenizer` (loads the encoding on first use). */
export async function estimateChatTokens(chat: CountableChat, tokenizer: string): Promise<ChatEstimate> {
  const family = tokenizerFamily(tokenizer);
  return estimateWith(chat, family, loadedEncoding(family.encoding) ?? (await loadEncoding(family.encoding)));
}

/** The load of the tokenizer's encoding when it is not loaded yet; undefined when it is (no promise on the hot path). */
export function encodingLoading(tokenizer: string): Promise<TextCounter> | undefined {
  const encoding = tokenizerFamily(tokenizer).encoding;
  return loadedEncoding(encoding) ? undefined : loadEncoding(encoding);
}

/**
 * The chat request's count when the encoding is loaded already (the gateway
 * loads those its models use with every config snapshot), without a
 * promise; null when it is not.
 */
export function estimateChatTokensNow(chat: CountableChat, tokenizer: string): ChatEstimate | null {
  const family = tokenizerFamily(tokenizer);
  const counter = loadedEncoding(family.encoding);
  return counter ? estimateWith(chat, family, counter) : null;
}

/**
 * Every token of a byte-level BPE encoding (o200k, cl100k) covers at least
 * one UTF-8 byte, and one UTF-16 code unit is at most three of them: an upper
 * bound of a text's tokens without running the tokenizer.
 */
const UTF8_BYTES_BOUND: TextCounter = (text) => text.length * 3;

/**
 * An upper bound of estimateChatTokens(chat, tokenizer).tokens, at the cost
 * of a walk over the request (no tokenizer): the same rules (per-message
 * overhead, images, tools) with every text counted as its UTF-8 byte bound.
 * When it fits a limit, the exact count cannot be over it either.
 */
export function chatTokensUpperBound(chat: CountableChat, tokenizer: string): number {
  const family = tokenizerFamily(tokenizer);
  return scaleCount(family, countChat(chat, UTF8_BYTES_BOUND, family.images).raw);
}

/**
 * Loads, in the background, the encodings these model tokenizers need, plus
 * o200k (the count for a route without a known model). The gateway calls it
 * with every config snapshot, so a request never waits 1-4 s for a rank
 * table, and a table no model uses (cl100k: ~8 MB of heap the GC walks) is
 * never loaded.
 */
export function warmEncodingsFor(tokenizers: Iterable<string>): Promise<void> {
  const needed = new Set<EncodingName>(["o200k_base"]);
  for (const t of tokenizers) needed.add(tokenizerFamily(t).encoding);
  return Promise.all([...needed].filter((e) => !loadedEncoding(e)).map(loadEncoding)).then(() => undefined);
}
