/**
 * Prompt-token counting before a model call (see README "Tokens and limits"):
 * exact BPE counts for OpenAI encodings, a documented over-estimate for
 * Claude and Gemini, the chat overhead OpenAI bills, and trimming to a limit.
 */
export { countChat, countMessage, countTools, type ChatCount, type CountableChat, type CountableMessage, type ImagePolicy } from "./chat";
export { ENCODINGS, loadEncoding, loadedEncoding, warmEncodings, type EncodingName, type TextCounter } from "./encodings";
export { scaleCount, tokenizerFamily, type TokenizerFamily } from "./family";
export { TextCountCache } from "./lru";
export { trimToLimit, type TrimResult } from "./trim";

import { countChat, type CountableChat } from "./chat";
import { loadEncoding, loadedEncoding } from "./encodings";
import { scaleCount, tokenizerFamily, type TokenizerFamily } from "./family";
import type { ChatCount } from "./chat";

export interface ChatEstimate {
  family: TokenizerFamily;
  count: ChatCount;
  /** The estimate: the raw count scaled by the family's factor. */
  tokens: number;
}

/** Counts a chat request for a model's `tokenizer` (loads the encoding on first use). */
export async function estimateChatTokens(chat: CountableChat, tokenizer: string): Promise<ChatEstimate> {
  const family = tokenizerFamily(tokenizer);
  const counter = loadedEncoding(family.encoding) ?? (await loadEncoding(family.encoding));
  const count = countChat(chat, counter, family.images);
  return { family, count, tokens: scaleCount(family, count.raw) };
}
