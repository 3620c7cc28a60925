/**
 * One error hierarchy for the data plane and the control plane. The class sets
 * the HTTP status, the OpenAI-style `type`, and our `code`; every surface turns
 * it into `{ "error": { "message", "type", "param", "code" } }` (toErrorBody).
 */
export const ErrorCodes = {
  invalid_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  context_length_exceeded: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  forbidden: 403,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_in_flight: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  /** Input guards (issue 6): the prompt-injection scorer (or its classifier) refused the request. */
  prompt_injection_detected: 400,
  /** Input guards (issue 6): personal data in a request whose PII guard is in block mode. */
  pii_detected: 400,
  /** Output guards (issue 6): the answer violated the moderation policy (the terminal event of a cut stream). */
  content_filtered: 422,
  rate_limit_exceeded: 429,
  budget_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  feature_disabled: 503,
  unavailable: 503,
  /** The gateway holds as many request bodies as its memory allows (GATEHOUSE_MAX_INFLIGHT_BODY_BYTES): retry shortly. */
  overloaded: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "api_error"
  | "server_error";

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class GatehouseError extends Error {
  override name = "GatehouseError";
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: ErrorCode;
  readonly param: string | null;
  /** Extra response headers (retry-after, ...). */
  readonly headers: Record<string, string>;
  /** Whether this is worth logging at error level (5xx) or is the caller's fault. */
  get expected(): boolean {
    // `overloaded` is load shedding working as designed: one warn line per burst is enough (lib/gateway/handle.ts).
    return this.status < 500 || this.code === "overloaded";
  }

  constructor(
    code: ErrorCode,
    message: string,
    opts: { type?: OpenAIErrorType; param?: string | null; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.status = ErrorCodes[code];
    this.type = opts.type ?? defaultType(this.status);
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export class BadRequestError extends GatehouseError {
  constructor(message: string, param: string | null = null, code: ErrorCode = "invalid_request") {
    super(code, message, { param });
  }
}

export class AuthenticationError extends GatehouseError {
  constructor(message = "Authentication required", code: ErrorCode = "unauthorized") {
    super(code, message);
  }
}

export class ForbiddenError extends GatehouseError {
  constructor(message = "You do not have permission to do this") {
    super("forbidden", message);
  }
}

export class NotFoundError extends GatehouseError {
  constructor(resource: string, id: string) {
    super("not_found", `${resource} '${id}' not found`);
  }
}

export class ConflictError extends GatehouseError {
  constructor(message: string, param: string | null = null) {
    super("conflict", message, { param });
  }
}

/** Turns a zod error into a 400 naming the first offending field. */
export function validationError(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): BadRequestError {
  const first = issues[0];
  const param = first && first.path.length > 0 ? first.path.map(String).join(".") : null;
  const message = issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
  return new BadRequestError(message || "Invalid request", param, "validation_failed");
}

/** Any thrown value as a GatehouseError; unknown errors never leak their message. */
export function toGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  return new GatehouseError("internal_error", "Internal error", { cause: err });
}
