import { encodeOpenAISse } from "@/lib/gateway/openai/sse";
import { jsonResponse, sseResponse } from "@/lib/gateway/respond";
import { completeChat, streamChat } from "@/lib/gateway/endpoints/chat-call";
import { authenticate } from "@/lib/gateway/stages/authenticate";
import { cache } from "@/lib/gateway/stages/cache";
import { answerErrorsAs } from "@/lib/gateway/stages/compose";
import { insertContext } from "@/lib/gateway/stages/context";
import { withIdempotency } from "@/lib/gateway/stages/idempotency";
import { inputGuards } from "@/lib/gateway/stages/input-guards";
import { withLimits } from "@/lib/gateway/stages/limits";
import { parseJson } from "@/lib/gateway/stages/parse";
import { prompt } from "@/lib/gateway/stages/prompt";
import { requireScope, resolveCaller, resolveRoute } from "@/lib/gateway/stages/resolve";
import { requireCallState } from "@/lib/gateway/stages/state";
import { switches } from "@/lib/gateway/stages/switches";
import { validateChat } from "@/lib/gateway/stages/validate";
import type { Endpoint, Stage } from "@/lib/gateway/types";

/**
 * `POST /v1/chat/completions`: OpenAI's request and response, JSON or SSE
 * (`data: {chunk}` ... `data: [DONE]`), served by any provider of the route.
 * A stream that fails after its first chunk ends with `data: {"error":...}`
 * and no `[DONE]` (the official SDKs raise it as an APIError).
 */
const routeAndRespond: Stage = async (ctx) => {
  if (requireCallState(ctx).chat?.stream) {
    const outcome = await streamChat(ctx);
    if (outcome.kind === "response") return outcome.response;
    return sseResponse(encodeOpenAISse(outcome.chunks), outcome.headers);
  }
  const outcome = await completeChat(ctx);
  if (outcome.kind === "response") return outcome.response;
  return jsonResponse(200, outcome.completion, outcome.headers);
};

/** The model-call pipeline shared by the chat endpoints, in DESIGN.md's order. */
export function chatStages(validate: Stage, respond: Stage): Stage[] {
  return [
    parseJson, //             1 parse: JSON
    authenticate, //          2 authenticate: key -> tenant
    requireScope("chat"),
    validate, //              1 parse: the endpoint's schema, x-gatehouse-timeout-ms
    resolveCaller, //         2 feature, end-user, context documents
    resolveRoute("chat"), //  8 the named model -> route plan (404 model_not_found)
    withIdempotency([
      switches, //            3 kill switches, flags, opt-out (issue 4)
      prompt, //              4 prompt@label (later)
      insertContext, //       4 context documents as untrusted data
      inputGuards, //         5 (later)
      withLimits([
        //                    6 rate limits + budget reservation, settled when the answer ends
        cache, //             7 (later)
        respond, //           8-11 route, call, output guards, respond
      ]),
    ]),
  ];
}

export const chatCompletions: Endpoint = {
  name: "chat.completions",
  method: "POST",
  path: "/v1/chat/completions",
  stages: [answerErrorsAs("openai", chatStages(validateChat, routeAndRespond))],
};
