import { parseRetryAfterMs, type HeaderBag } from "./retry-after";
import { ProviderError, type ErrorClass } from "./types";

/**
 * The one table that decides what an upstream failure is and whether trying
 * again can help. `retryable` means "the same request may succeed if sent
 * again" (to this target after a backoff, or to the next one); non-retryable
 * failures are the request's own fault (or the caller gave up), and repeating
 * them only burns quota. Routing decides how many retries and which target;
 * this table only classifies.
 *
 * | what happened                                   | errorClass      | retryable |
 * |-------------------------------------------------|-----------------|-----------|
 * | HTTP 400, 422, other 4xx not below              | bad_request     | no        |
 * | HTTP 400/413 whose code or message says the     | context_length  | no        |
 * |   prompt exceeds the context window             |                 |           |
 * | HTTP 400 with code content_filter /             | content_filter  | no        |
 * |   content_policy_violation (Azure, OpenAI)      |                 |           |
 * | HTTP 401, 402, 403                              | auth            | no        |
 * | HTTP 404                                        | not_found       | no        |
 * | HTTP 408, 504                                   | timeout         | yes       |
 * | HTTP 409 (OpenAI: lock conflict; SDKs retry it) | server          | yes       |
 * | HTTP 413 (body too large)                       | bad_request     | no        |
 * | HTTP 429                                        | rate_limited    | yes       |
 * | HTTP 429 with code insufficient_quota (billing) | rate_limited    | no        |
 * | HTTP 500, 502, other 5xx                        | server          | yes       |
 * | HTTP 503, 529, Anthropic overloaded_error       | overloaded      | yes       |
 * | undici connect/headers/body timeout, ETIMEDOUT, | timeout         | yes       |
 * |   the call's AbortSignal fired with TimeoutError|                 |           |
 * | ECONNREFUSED, ENOTFOUND, EAI_AGAIN, EHOSTUNREACH| connect         | yes       |
 * | TLS certificate errors                          | connect         | no        |
 * | ECONNRESET, EPIPE, UND_ERR_SOCKET, ...CLOSED    | reset           | yes       |
 * | 2xx whose body is not the provider's JSON shape | malformed       | yes       |
 * | stream ends (or its socket dies) before the     | stream_cut      | yes       |
 * |   provider's end-of-stream marker               |                 |           |
 * | in-stream error event                           | as its status/type above   |
 * | the call's AbortSignal fired for another reason | cancelled       | no        |
 * |   (client disconnected)                         |                 |           |
 *
 * `retryAfterMs` comes from `retry-after-ms`, `retry-after`, `x-ratelimit-reset*`
 * or `anthropic-ratelimit-*-reset` (retry-after.ts), or Gemini's RetryInfo.
 */

export interface Rule {
  errorClass: ErrorClass;
  retryable: boolean;
}

const rule = (errorClass: ErrorClass, retryable: boolean): Rule => ({ errorClass, retryable });

export const STATUS_RULES: Readonly<Record<number, Rule>> = {
  400: rule("bad_request", false),
  401: rule("auth", false),
  402: rule("auth", false),
  403: rule("auth", false),
  404: rule("not_found", false),
  408: rule("timeout", true),
  409: rule("server", true),
  413: rule("bad_request", false),
  422: rule("bad_request", false),
  429: rule("rate_limited", true),
  500: rule("server", true),
  502: rule("server", true),
  503: rule("overloaded", true),
  504: rule("timeout", true),
  529: rule("overloaded", true),
};

const OTHER_4XX = rule("bad_request", false);
const OTHER_5XX = rule("server", true);

/** Provider codes / types that override the status rule. */
export const CODE_RULES: Readonly<Record<string, Rule>> = {
  context_length_exceeded: rule("context_length", false),
  string_above_max_length: rule("context_length", false),
  content_filter: rule("content_filter", false),
  content_policy_violation: rule("content_filter", false),
  ResponsibleAIPolicyViolation: rule("content_filter", false),
  insufficient_quota: rule("rate_limited", false),
  overloaded_error: rule("overloaded", true),
  API_KEY_INVALID: rule("auth", false),
};

/**
 * Context-window overflows that providers report only in prose (Anthropic
 * "prompt is too long", Gemini "exceeds the maximum number of tokens").
 * Consulted for 400/413 only, after codes. Compiled once.
 */
const CONTEXT_LENGTH_MESSAGE =
  /context[ _-]?(?:length|window)|maximum context|prompt is too long|too many (?:input )?tokens|exceeds the maximum number of tokens|input token count/i;

export const NETWORK_RULES: Readonly<Record<string, Rule>> = {
  UND_ERR_CONNECT_TIMEOUT: rule("timeout", true),
  UND_ERR_HEADERS_TIMEOUT: rule("timeout", true),
  UND_ERR_BODY_TIMEOUT: rule("timeout", true),
  ETIMEDOUT: rule("timeout", true),
  ECONNREFUSED: rule("connect", true),
  ENOTFOUND: rule("connect", true),
  EAI_AGAIN: rule("connect", true),
  EHOSTUNREACH: rule("connect", true),
  ENETUNREACH: rule("connect", true),
  EHOSTDOWN: rule("connect", true),
  ECONNRESET: rule("reset", true),
  EPIPE: rule("reset", true),
  ECONNABORTED: rule("reset", true),
  UND_ERR_SOCKET: rule("reset", true),
  UND_ERR_CLOSED: rule("reset", true),
  CERT_HAS_EXPIRED: rule("connect", false),
  DEPTH_ZERO_SELF_SIGNED_CERT: rule("connect", false),
  SELF_SIGNED_CERT_IN_CHAIN: rule("connect", false),
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: rule("connect", false),
  ERR_TLS_CERT_ALTNAME_INVALID: rule("connect", false),
};

const UNKNOWN_NETWORK = rule("reset", true);

export function ruleForStatus(status: number): Rule {
  return STATUS_RULES[status] ?? (status >= 500 ? OTHER_5XX : OTHER_4XX);
}

/** What a provider's error body said, already parsed by its errors.ts. */
export interface ProviderErrorInfo {
  message: string;
  /** Provider error code or type (`context_length_exceeded`, `overloaded_error`, `RESOURCE_EXHAUSTED`). */
  code?: string | undefined;
  /** A second code (OpenAI sends both `type` and `code`). */
  type?: string | undefined;
  /** Retry delay the body carried (Gemini RetryInfo). */
  retryAfterMs?: number | undefined;
}

/**
 * An HTTP error answer as a ProviderError. In-stream error events (after a 200)
 * are classified by the status their type maps to, with `inStream` set so the
 * error carries no HTTP status of its own.
 */
export function classifyHttpError(status: number, info: ProviderErrorInfo, headers: HeaderBag = {}, inStream = false): ProviderError {
  let r = ruleForStatus(status);
  const byCode = (info.code !== undefined ? CODE_RULES[info.code] : undefined) ?? (info.type !== undefined ? CODE_RULES[info.type] : undefined);
  if (byCode && (status < 500 || byCode.errorClass === "overloaded")) r = byCode;
  else if ((status === 400 || status === 413) && CONTEXT_LENGTH_MESSAGE.test(info.message)) r = rule("context_length", false);
  const retryAfterMs = r.retryable ? (parseRetryAfterMs(headers) ?? info.retryAfterMs) : undefined;
  return new ProviderError({
    errorClass: r.errorClass,
    retryable: r.retryable,
    ...(inStream ? {} : { status }),
    providerMessage: info.message,
    ...(info.code !== undefined ? { providerCode: info.code } : info.type !== undefined ? { providerCode: info.type } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string") return code;
  return errorCode((e as { cause?: unknown }).cause);
}

function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === "TimeoutError";
}

/** The call's AbortSignal fired: a deadline (timeout) or the caller going away (cancelled). */
export function abortError(signal: AbortSignal, cause?: unknown): ProviderError {
  const reason: unknown = signal.reason;
  if (reason instanceof ProviderError) return reason;
  if (isTimeoutReason(reason)) {
    return new ProviderError({ errorClass: "timeout", retryable: true, providerMessage: "upstream call exceeded its deadline", cause: cause ?? reason });
  }
  return new ProviderError({ errorClass: "cancelled", retryable: false, providerMessage: "upstream call aborted by the caller", cause: cause ?? reason });
}

/** A failure of the connection (no HTTP answer, or the body stopped) as a ProviderError. */
export function classifyNetworkError(e: unknown, signal?: AbortSignal): ProviderError {
  if (e instanceof ProviderError) return e;
  if (signal?.aborted) return abortError(signal, e);
  const code = errorCode(e);
  const r = (code !== undefined ? NETWORK_RULES[code] : undefined) ?? UNKNOWN_NETWORK;
  const message = e instanceof Error ? e.message : String(e);
  return new ProviderError({ errorClass: r.errorClass, retryable: r.retryable, providerMessage: message || (code ?? "network error"), ...(code ? { providerCode: code } : {}), cause: e });
}

export function malformedError(message: string, cause?: unknown, status?: number): ProviderError {
  return new ProviderError({ errorClass: "malformed", retryable: true, providerMessage: message, cause, ...(status !== undefined ? { status } : {}) });
}

export function streamCutError(message: string, cause?: unknown): ProviderError {
  return new ProviderError({ errorClass: "stream_cut", retryable: true, providerMessage: message, cause });
}

/** A request this adapter cannot express for its provider (e.g. `n > 1` on Anthropic): the caller's fault. */
export function unsupportedError(message: string): ProviderError {
  return new ProviderError({ errorClass: "bad_request", retryable: false, status: 400, providerMessage: message });
}
