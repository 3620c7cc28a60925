import { encodeAnthropicSse, openAIChunksToAnthropicEvents } from "@/lib/gateway/anthropic/stream";
import { openAIToAnthropicResponse } from "@/lib/gateway/anthropic/translate";
import { chatStages } from "@/lib/gateway/endpoints/chat-completions";
import { completeChat, streamChat } from "@/lib/gateway/endpoints/chat-call";
import { jsonResponse, sseResponse } from "@/lib/gateway/respond";
import { answerErrorsAs } from "@/lib/gateway/stages/compose";
import { requireCallState } from "@/lib/gateway/stages/state";
import { validateMessages } from "@/lib/gateway/stages/validate";
import type { Endpoint, Stage } from "@/lib/gateway/types";

/**
 * `POST /v1/messages`: Anthropic's Messages API in and out (system, content
 * blocks, tool use, streaming events), so the Anthropic SDK works against
 * Gatehouse, served by any provider: the request is translated to the
 * internal OpenAI shape, routed like a chat completion, and the answer (or
 * the stream, or the error) translated back (lib/gateway/anthropic). A
 * stream that fails after its first event ends with `event: error`.
 */
const routeAndRespond: Stage = async (ctx) => {
  const state = requireCallState(ctx);
  if (state.chat?.stream) {
    const outcome = await streamChat(ctx);
    if (outcome.kind === "response") return outcome.response;
    const events = openAIChunksToAnthropicEvents(outcome.chunks, { model: state.model, usage: outcome.usage });
    return sseResponse(encodeAnthropicSse(events, { requestId: ctx.requestId }), outcome.headers);
  }
  const outcome = await completeChat(ctx);
  if (outcome.kind === "response") return outcome.response;
  return jsonResponse(200, openAIToAnthropicResponse(outcome.completion, { usage: outcome.usage, model: state.model }), outcome.headers);
};

export const messagesCreate: Endpoint = {
  name: "messages.create",
  method: "POST",
  path: "/v1/messages",
  stages: [answerErrorsAs("anthropic", chatStages(validateMessages, routeAndRespond))],
};
