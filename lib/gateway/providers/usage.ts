import type { CompletionUsage } from "@/lib/gateway/openai/schema";
import type { NormalisedUsage } from "./types";

export const ZERO_USAGE: Readonly<NormalisedUsage> = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

const count = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/** OpenAI `usage` -> NormalisedUsage (its convention is already ours). */
export function usageFromOpenAI(u: {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown; cache_write_tokens?: unknown } | null | undefined;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null | undefined;
}): NormalisedUsage {
  return {
    promptTokens: count(u.prompt_tokens),
    completionTokens: count(u.completion_tokens),
    cachedTokens: count(u.prompt_tokens_details?.cached_tokens),
    cacheWriteTokens: count(u.prompt_tokens_details?.cache_write_tokens),
    reasoningTokens: count(u.completion_tokens_details?.reasoning_tokens),
  };
}

/** NormalisedUsage -> OpenAI `usage`, with cached and reasoning details (cache writes only when there were some). */
export function usageToOpenAI(u: NormalisedUsage): CompletionUsage {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: u.cacheWriteTokens > 0 ? { cached_tokens: u.cachedTokens, cache_write_tokens: u.cacheWriteTokens } : { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

/** The simulator's and our fallback estimate where a provider reports no count: ceil(characters / 4). */
export function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
