import { GatehouseError, toGatehouseError } from "@/lib/errors";
import { errorToAnthropic } from "@/lib/gateway/anthropic/errors";
import { errorToOpenAIBody, providerErrorShape } from "@/lib/gateway/openai/errors";
import { ProviderError } from "@/lib/gateway/providers/types";
import type { WireFormat } from "@/lib/gateway/stages/state";
import type { GatewayResponse } from "@/lib/gateway/types";
import { log } from "@/lib/log";

/**
 * Any error of a model call as the response the caller's SDK understands:
 * OpenAI's `{ error: { message, type, param, code } }`, or for /v1/messages
 * Anthropic's `{ type: "error", error: { type, message } }`, with the status
 * the error stands for. A provider's error that reaches the caller as is (its
 * own fault: bad_request, context_length, content_filter) keeps its class's
 * status. Unknown errors never leak their message (and are logged as
 * errors); a route that ran out of targets is logged as a warning.
 */
export interface ErrorAnswer {
  response: GatewayResponse;
  /** The OpenAI-style code, for the request log (Anthropic bodies carry none). */
  code: string | null;
}

export function errorAnswer(err: unknown, format: WireFormat, requestId: string): ErrorAnswer {
  const provider = err instanceof ProviderError ? err : null;
  const gh = provider ? null : toGatehouseError(err);
  if (gh && gh.code === "internal_error") log("error", "gateway.error", { code: gh.code, err: gh.cause ?? gh }, { requestId });
  // Upstreams failing is an operational fact, not a bug: one line, no stack.
  else if (gh && !gh.expected) log("warn", "gateway.route_failed", { code: gh.code, message: gh.message }, { requestId });
  const status = provider ? providerErrorShape(provider).status : (gh as GatehouseError).status;
  const headers = gh ? { ...gh.headers } : {};
  const openai = errorToOpenAIBody(provider ?? gh);
  const body = format === "anthropic" ? errorToAnthropic(provider ?? gh, requestId).body : openai;
  return { response: { status, headers, body }, code: openai.error.code };
}
