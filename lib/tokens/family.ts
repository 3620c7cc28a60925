import type { EncodingName } from "./encodings";
import type { ImagePolicy } from "./chat";

/**
 * How a provider model's `tokenizer` column is counted.
 *
 * - `o200k_base`, `cl100k_base` (OpenAI, Azure OpenAI and OpenAI-compatible
 *   models that use them): exact BPE counts with gpt-tokenizer.
 * - `claude`: no tokenizer for Claude 3+ is published (`@anthropic-ai/tokenizer`
 *   is Claude 2's and Anthropic says it is inaccurate for newer models; the
 *   exact count is their `count_tokens` API, a network call per request). We
 *   count with o200k_base and multiply by 1.25: Claude's vocabulary is smaller
 *   and public comparisons put it 10-30% above GPT-4o's on English prose and
 *   code, more on some languages. A deliberate over-estimate: budgets and the
 *   context-window check fail safe; a prompt within ~20% of a Claude model's
 *   window can be refused (or trimmed) although it would fit. Measured against
 *   Claude 2's tokenizer (the only one published): it counts 4-11% more than
 *   o200k on prose, TypeScript and JSON, so x1.25 over-counts it by 12-20%.
 * - `gemini`: Gemini's SentencePiece vocabulary (256k) is close to o200k's in
 *   size; o200k_base x 1.1 as a margin. Exact counts need `countTokens`
 *   (a network call).
 * - anything else (a local model's own tokenizer): o200k_base x 1.25.
 *
 * The simulator's own usage (ceil(chars / 4)) is not a reference for any of
 * these; after the call the provider's reported usage is the truth for cost.
 */
export interface TokenizerFamily {
  /** The `tokenizer` column as given. */
  name: string;
  encoding: EncodingName;
  /** Multiplier applied to the BPE count (1 = exact). */
  factor: number;
  exact: boolean;
  images: ImagePolicy;
}

const FAMILIES: Record<string, Omit<TokenizerFamily, "name">> = {
  o200k_base: { encoding: "o200k_base", factor: 1, exact: true, images: "openai" },
  cl100k_base: { encoding: "cl100k_base", factor: 1, exact: true, images: "openai" },
  claude: { encoding: "o200k_base", factor: 1.25, exact: false, images: "claude" },
  gemini: { encoding: "o200k_base", factor: 1.1, exact: false, images: "gemini" },
};

const UNKNOWN: Omit<TokenizerFamily, "name"> = { encoding: "o200k_base", factor: 1.25, exact: false, images: "openai" };

export function tokenizerFamily(tokenizer: string): TokenizerFamily {
  return { name: tokenizer, ...(FAMILIES[tokenizer] ?? UNKNOWN) };
}

/** A raw BPE count as the family's estimate (rounded up). */
export function scaleCount(family: TokenizerFamily, raw: number): number {
  return family.factor === 1 ? raw : Math.ceil(raw * family.factor);
}
