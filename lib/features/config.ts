import { z } from "zod";

/**
 * `features.config` (Json): what a feature turns on in the data plane beyond
 * its route. Parsed wherever it is read (snapshot, dashboard); every field has
 * a default, so `{}` is a valid config. `staticFallback` keeps the shape the
 * switches stage already reads (lib/gateway/route/static-answer.ts).
 */
export const CacheConfig = z.object({
  exact: z
    .object({
      /** Cache answers of this feature (callers may also opt in per request with `Cache-Control: max-age=N`). */
      enabled: z.boolean().default(false),
      ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(3_600),
    })
    .prefault({}),
  semantic: z
    .object({
      enabled: z.boolean().default(false),
      /** Cosine similarity at or above which a neighbour's answer is served. */
      threshold: z.number().min(0).max(1).default(0.95),
      ttlSeconds: z.number().int().min(1).max(30 * 86_400).default(86_400),
      /** Route alias (or concrete model) that embeds the last user turn. */
      embeddingRoute: z.string().min(1).nullable().default(null),
    })
    .prefault({}),
  /** Provider prompt caching: mark a long stable system prompt cacheable (Anthropic cache_control). */
  promptCaching: z
    .object({
      markSystemPrompt: z.boolean().default(false),
      /** Only system prompts at least this long (characters) are marked. */
      minChars: z.number().int().min(0).default(4_096),
    })
    .prefault({}),
});
export type CacheConfig = z.infer<typeof CacheConfig>;

export const InputLimitConfig = z.object({
  /** Per-request prompt-token limit of the feature; null = the model's context window only. */
  maxInputTokens: z.number().int().min(1).nullable().default(null),
  /** Over the limit: refuse with 400 context_length_exceeded, or drop the oldest non-system turns until it fits. */
  overflow: z.enum(["reject", "trim"]).default("reject"),
});
export type InputLimitConfig = z.infer<typeof InputLimitConfig>;

export const FeatureConfig = z
  .object({
    cache: CacheConfig.prefault({}),
    input: InputLimitConfig.prefault({}),
    /** Answer served when the feature is switched off or its budget is exhausted (same shapes as a route's static answer). */
    staticFallback: z.unknown().optional(),
  })
  .loose();
export type FeatureConfig = z.infer<typeof FeatureConfig>;

/** A stored config as the effective one: a malformed section falls back to its defaults rather than failing requests. */
export function parseFeatureConfig(raw: unknown): FeatureConfig {
  const obj = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const whole = FeatureConfig.safeParse(obj);
  if (whole.success) return whole.data;
  const cache = CacheConfig.safeParse(obj.cache ?? {});
  const input = InputLimitConfig.safeParse(obj.input ?? {});
  return {
    ...obj,
    cache: cache.success ? cache.data : CacheConfig.parse({}),
    input: input.success ? input.data : InputLimitConfig.parse({}),
  };
}
