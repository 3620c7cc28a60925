import { AnthropicErrorBody } from "@/lib/gateway/anthropic/schema";
import { classifyHttpError, type ProviderErrorInfo } from "../classify";
import type { HeaderBag } from "../retry-after";
import type { ProviderError } from "../types";

/**
 * Anthropic errors: `{ type: "error", error: { type, message } }` with the
 * HTTP status (529 overloaded_error, 429 rate_limit_error, ...), or the same
 * body as an `event: error` inside a 200 stream, classified by the status its
 * type stands for. Rate-limit resets come from `retry-after` or the
 * `anthropic-ratelimit-*-reset` headers.
 */

const MAX_MESSAGE = 2000;

/** Anthropic error types and the status each stands for (in-stream errors carry no status). */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function info(text: string, fallback: string): ProviderErrorInfo {
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    return { message: fallback };
  }
  return infoOf(json, fallback);
}

function infoOf(json: unknown, fallback: string): ProviderErrorInfo {
  const parsed = AnthropicErrorBody.safeParse(json);
  if (!parsed.success) return { message: fallback };
  const e = parsed.data.error;
  return { message: (e?.message || fallback).slice(0, MAX_MESSAGE), type: e?.type };
}

export function parseAnthropicError(status: number, text: string, headers: HeaderBag): ProviderError {
  return classifyHttpError(status, info(text, text === "" ? `HTTP ${status}` : text.slice(0, MAX_MESSAGE)), headers);
}

export function anthropicStreamError(json: unknown): ProviderError {
  const i = infoOf(json, "error event in the Anthropic stream");
  return classifyHttpError((i.type !== undefined ? ANTHROPIC_ERROR_STATUS[i.type] : undefined) ?? 500, i, {}, true);
}
