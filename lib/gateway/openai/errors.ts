import { GatehouseError } from "@/lib/errors";
import { ProviderError, type ErrorClass } from "@/lib/gateway/providers/types";
import type { ErrorBody } from "./schema";

/**
 * What a caller sees when an upstream failure reaches it, in OpenAI's error
 * body: mid-stream as an SSE `data: {"error": ...}` event (the official SDKs
 * raise it), or as the body of an error response when routing has nothing
 * left to try. The provider's class picks the type and code; the message says
 * what happened without our internals.
 */

const TYPES: Readonly<Record<ErrorClass, { type: string; code: string; status: number }>> = {
  timeout: { type: "server_error", code: "timeout", status: 504 },
  connect: { type: "server_error", code: "upstream_error", status: 502 },
  reset: { type: "server_error", code: "upstream_error", status: 502 },
  rate_limited: { type: "rate_limit_error", code: "rate_limit_exceeded", status: 429 },
  overloaded: { type: "server_error", code: "unavailable", status: 503 },
  server: { type: "server_error", code: "upstream_error", status: 502 },
  bad_request: { type: "invalid_request_error", code: "invalid_request", status: 400 },
  auth: { type: "server_error", code: "upstream_error", status: 502 },
  not_found: { type: "invalid_request_error", code: "model_not_found", status: 404 },
  context_length: { type: "invalid_request_error", code: "context_length_exceeded", status: 400 },
  content_filter: { type: "invalid_request_error", code: "content_filter", status: 400 },
  malformed: { type: "server_error", code: "upstream_error", status: 502 },
  stream_cut: { type: "server_error", code: "upstream_error", status: 502 },
  cancelled: { type: "server_error", code: "upstream_error", status: 499 },
};

const MAX_MESSAGE = 500;

/** The HTTP status and OpenAI type/code a ProviderError stands for when shown to the caller. */
export function providerErrorShape(e: ProviderError): { status: number; type: string; code: string } {
  return TYPES[e.errorClass];
}

export function providerErrorMessage(e: ProviderError): string {
  const detail = e.providerMessage.length > MAX_MESSAGE ? `${e.providerMessage.slice(0, MAX_MESSAGE)}...` : e.providerMessage;
  return `Upstream provider error (${e.errorClass}${e.status === undefined ? "" : `, HTTP ${e.status}`}): ${detail}`;
}

/** Any error as an OpenAI error body; unknown errors never leak their message. */
export function errorToOpenAIBody(e: unknown): ErrorBody {
  if (e instanceof ProviderError) {
    const t = TYPES[e.errorClass];
    return { error: { message: providerErrorMessage(e), type: t.type, param: null, code: t.code } };
  }
  if (e instanceof GatehouseError) return { error: { ...e.toBody().error } };
  return { error: { message: "Internal error", type: "server_error", param: null, code: "internal_error" } };
}
