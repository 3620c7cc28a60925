import { z } from "zod";
import { classifyHttpError, type ProviderErrorInfo } from "../classify";
import { parseDurationMs, type HeaderBag } from "../retry-after";
import type { ProviderError } from "../types";

/**
 * Gemini errors: `{ error: { code, message, status, details } }` (google.rpc.Status).
 * The HTTP status decides the class; `details` refine it: an ErrorInfo reason
 * `API_KEY_INVALID` (sent with a 400) is `auth`, and a RetryInfo `retryDelay`
 * ("1.5s") is the retry delay when no header gives one. In-stream errors are
 * classified by their `code`.
 */

const GeminiError = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ "@type": z.string().optional(), reason: z.string().optional(), retryDelay: z.string().optional() })).nullish(),
  }),
});

const MAX_MESSAGE = 2000;
const RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
const ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo";

function infoOf(json: unknown, fallback: string): ProviderErrorInfo & { code?: string; httpCode?: number } {
  const parsed = GeminiError.safeParse(json);
  if (!parsed.success) return { message: fallback };
  const e = parsed.data.error;
  const message = (e.message || fallback).slice(0, MAX_MESSAGE);
  let reason: string | undefined;
  let retryAfterMs: number | undefined;
  for (const d of e.details ?? []) {
    if (d["@type"] === ERROR_INFO && d.reason) reason = d.reason;
    if (d["@type"] === RETRY_INFO && d.retryDelay) retryAfterMs = parseDurationMs(d.retryDelay);
  }
  // The simulator, like older API versions, says so only in prose.
  if (reason === undefined && message.startsWith("API key not valid")) reason = "API_KEY_INVALID";
  return {
    message,
    code: reason,
    type: e.status ?? undefined,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(typeof e.code === "number" ? { httpCode: e.code } : {}),
  };
}

function parse(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseGeminiError(status: number, text: string, headers: HeaderBag): ProviderError {
  return classifyHttpError(status, infoOf(parse(text), text === "" ? `HTTP ${status}` : text.slice(0, MAX_MESSAGE)), headers);
}

const STATUS_CODES: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

export function geminiStreamError(json: unknown): ProviderError {
  const i = infoOf(json, "error event in the Gemini stream");
  const status = i.httpCode ?? (i.type !== undefined ? STATUS_CODES[i.type] : undefined) ?? 500;
  return classifyHttpError(status, i, {}, true);
}
