import { LooseErrorBody } from "@/lib/gateway/openai/schema";
import { classifyHttpError, type ProviderErrorInfo } from "../classify";
import type { HeaderBag } from "../retry-after";
import type { ProviderError } from "../types";

/**
 * OpenAI-shaped error bodies (OpenAI, Azure OpenAI, OpenAI-compatible servers):
 * `{ error: { message, type, param, code } }`, Azure's `{ error: { code, message,
 * innererror } }`, vLLM's `{ object: "error", message, type, code }`, or a plain
 * string. The status decides the class (classify.ts), the code refines it.
 */

const MAX_MESSAGE = 2000;

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return String(v);
  return undefined;
}

export function openAIErrorInfo(json: unknown, fallback: string): ProviderErrorInfo {
  const parsed = LooseErrorBody.safeParse(json);
  if (!parsed.success) return { message: fallback };
  const body = parsed.data;
  const err = body.error;
  if (typeof err === "string") return { message: err.slice(0, MAX_MESSAGE) };
  const inner = (err as { innererror?: { code?: unknown } } | undefined)?.innererror;
  const message = str(err?.message) ?? body.message ?? fallback;
  const code = str(err?.code) ?? str((body as { code?: unknown }).code);
  const type = str(err?.type) ?? str((body as { type?: unknown }).type) ?? str(inner?.code);
  return { message: message.slice(0, MAX_MESSAGE), code, type };
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseOpenAIError(status: number, text: string, headers: HeaderBag): ProviderError {
  const fallback = text === "" ? `HTTP ${status}` : text.slice(0, MAX_MESSAGE);
  return classifyHttpError(status, openAIErrorInfo(parse(text), fallback), headers);
}

/** Error types OpenAI-shaped servers put in an in-stream `{ "error": ... }` event, as the status they stand for. */
const STREAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  context_length_exceeded: 400,
  content_filter: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  requests: 429,
  tokens: 429,
  server_error: 500,
  api_error: 500,
  internal_error: 500,
  overloaded_error: 503,
  service_unavailable: 503,
  timeout: 504,
};

/** An `{ "error": ... }` event inside a 200 stream. */
export function openAIStreamError(json: unknown): ProviderError {
  const info = openAIErrorInfo(json, "error event in the upstream stream");
  const status = (info.code !== undefined ? STREAM_ERROR_STATUS[info.code] : undefined) ?? (info.type !== undefined ? STREAM_ERROR_STATUS[info.type] : undefined) ?? 500;
  return classifyHttpError(status, info, {}, true);
}
