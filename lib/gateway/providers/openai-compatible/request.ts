import type { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { openAIChatBody } from "../openai/request";
import type { ProviderTarget } from "../types";

/**
 * OpenAI-compatible servers (vLLM, Ollama, llama.cpp, LM Studio, TGI): the
 * OpenAI body at `{baseUrl}/chat/completions`, a Bearer key only when one is
 * configured, and `max_completion_tokens` sent as `max_tokens`, which they all
 * read. Other fields go as sent; these servers ignore what they do not know.
 */
export function compatibleChatBody(target: ProviderTarget, req: ChatCompletionRequest, stream: boolean): Record<string, unknown> {
  return openAIChatBody(target, req, { stream, compat: true });
}

export { openAIHeaders as compatibleHeaders } from "../openai/request";
