import type { CacheConfig } from "@/lib/features/config";
import type { ChatCompletionRequest, ChatMessage } from "@/lib/gateway/openai/schema";
import type { ProviderKind } from "@/lib/gateway/providers/types";

/**
 * Provider prompt caching the caller did not ask for: a feature with
 * `cache.promptCaching.markSystemPrompt` gets its system prompt marked
 * cacheable (`cache_control: { type: "ephemeral" }` on the last leading
 * system message) when it is at least `minChars` long and the call goes to an
 * Anthropic target: Anthropic caches only up to explicit breakpoints, so a
 * long system prompt re-sent on every turn is otherwise billed in full each
 * time (a cache read costs 10% of the input price, a write 125%). OpenAI and
 * Gemini cache long prefixes on their own, and OpenAI's API does not know
 * `cache_control`, so the request for those targets is left as it is.
 *
 * Not marked when the caller manages caching itself (a breakpoint already on
 * a system message) or when the request already has Anthropic's maximum of 4
 * breakpoints.
 */

export const MAX_BREAKPOINTS = 4;

type Cacheable = { cache_control?: unknown; prompt_cache_breakpoint?: unknown };

function marked(x: Cacheable): boolean {
  return Boolean(x.cache_control) || Boolean(x.prompt_cache_breakpoint);
}

function partsOf(m: ChatMessage): readonly Cacheable[] {
  const content = (m as { content?: unknown }).content;
  return Array.isArray(content) ? (content as Cacheable[]) : [];
}

/** Cache breakpoints the request already carries (messages, their parts, tools). */
export function countBreakpoints(req: ChatCompletionRequest): number {
  let n = 0;
  for (const m of req.messages) {
    if (marked(m as Cacheable)) n++;
    for (const p of partsOf(m)) if (marked(p)) n++;
  }
  for (const t of req.tools ?? []) if (marked(t as Cacheable)) n++;
  return n;
}

function textLength(m: ChatMessage): number {
  const content = (m as { content?: unknown }).content;
  if (typeof content === "string") return content.length;
  let n = 0;
  for (const p of partsOf(m)) {
    const text = (p as { text?: unknown }).text;
    if (typeof text === "string") n += text.length;
  }
  return n;
}

const isSystem = (m: ChatMessage): boolean => m.role === "system" || m.role === "developer";

/** The request with its leading system prompt marked cacheable, or null when it is not to be marked. */
export function markSystemPromptCacheable(req: ChatCompletionRequest, minChars: number): ChatCompletionRequest | null {
  let end = 0;
  let chars = 0;
  while (end < req.messages.length && isSystem(req.messages[end]!)) {
    const m = req.messages[end]!;
    if (marked(m as Cacheable) || partsOf(m).some(marked)) return null;
    chars += textLength(m);
    end++;
  }
  if (end === 0 || chars < minChars || chars === 0) return null;
  if (countBreakpoints(req) >= MAX_BREAKPOINTS) return null;
  const messages = req.messages.slice();
  messages[end - 1] = { ...messages[end - 1]!, cache_control: { type: "ephemeral" } } as ChatMessage;
  return { ...req, messages };
}

/**
 * The request each provider kind is sent: marked for Anthropic targets when
 * the feature says so (built once, on the first Anthropic attempt), as it is
 * for every other kind.
 */
export function requestPerProvider(req: ChatCompletionRequest, caching: CacheConfig["promptCaching"] | undefined): (kind: ProviderKind) => ChatCompletionRequest {
  if (!caching?.markSystemPrompt) return () => req;
  let forAnthropic: ChatCompletionRequest | undefined;
  return (kind) => {
    if (kind !== "anthropic") return req;
    forAnthropic ??= markSystemPromptCacheable(req, caching.minChars) ?? req;
    return forAnthropic;
  };
}
