import type { ChatCompletion } from "@/lib/gateway/openai/schema";
import type { StaticAnswer } from "@/lib/gateway/route/plan";

/** `x-gatehouse-target` of an answer that came from the route's static fallback, not a provider. */
export const STATIC_TARGET = "static";

/**
 * The route's static answer as an OpenAI chat completion (the caller's own
 * shape: /v1/messages translates it like any completion, streams replay it as
 * chunks). No provider was involved: usage and cost are zero.
 */
export function staticCompletion(answer: StaticAnswer, model: string, requestId: string): ChatCompletion {
  return {
    id: `chatcmpl-static-${requestId}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: "assistant", content: answer.content, refusal: null }, finish_reason: "stop", logprobs: null }],
    usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    system_fingerprint: null,
  };
}
