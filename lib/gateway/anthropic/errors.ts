import { GatehouseError } from "@/lib/errors";
import { errorToOpenAIBody, providerErrorShape } from "@/lib/gateway/openai/errors";
import { ProviderError } from "@/lib/gateway/providers/types";

/**
 * OpenAI-style error -> Anthropic's error body `{ type: "error", error: { type, message } }`,
 * so `/v1/messages` callers get errors their SDK understands (same HTTP status;
 * the type by status, as Anthropic uses them).
 */

export interface AnthropicErrorOut {
  type: "error";
  error: { type: string; message: string };
  request_id?: string;
}

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  409: "invalid_request_error",
  413: "request_too_large",
  422: "invalid_request_error",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function anthropicErrorType(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** An OpenAI error body and its HTTP status -> the Anthropic error body. */
export function openAIErrorToAnthropic(body: { error: { message: string } }, status: number, requestId?: string): AnthropicErrorOut {
  return { type: "error", error: { type: anthropicErrorType(status), message: body.error.message }, ...(requestId ? { request_id: requestId } : {}) };
}

/** Any error -> HTTP status and Anthropic body (unknown errors never leak their message). */
export function errorToAnthropic(e: unknown, requestId?: string): { status: number; body: AnthropicErrorOut } {
  const status = e instanceof ProviderError ? providerErrorShape(e).status : e instanceof GatehouseError ? e.status : 500;
  return { status, body: openAIErrorToAnthropic(errorToOpenAIBody(e), status, requestId) };
}
