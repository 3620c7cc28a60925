import type { RequestLogFields } from "@/lib/gateway/record/entry";
import type { LogContext } from "@/lib/log";

/**
 * The data plane's own request and response shapes. `lib/gateway` never sees a
 * framework object: `node-adapter.ts` (server.ts fast path) and `web-adapter.ts`
 * (Next route handlers) translate to and from these.
 */

/** A request as the pipeline sees it. Header names are lower case. */
export interface GatewayRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/models`. */
  path: string;
  headers: Record<string, string | undefined>;
  /** Raw body, already bounded by GATEHOUSE_MAX_BODY_BYTES; null when there was none. */
  body: Buffer | null;
  remoteAddress?: string;
  /** Aborted when the client goes away; stages pass it on to upstream calls. */
  signal?: AbortSignal;
}

/** JSON bodies are serialised by the adapter; streams are written chunk by chunk. */
export type GatewayBody = unknown | AsyncIterable<Uint8Array | string>;

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: GatewayBody;
}

export function isStreamBody(body: GatewayBody): body is AsyncIterable<Uint8Array | string> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

/** Who is calling: set by the authenticate stage. */
export interface GatewayAuth {
  apiKeyId: string;
  tenantId: string;
  tenantSlug: string;
  /** The key's default feature (the `x-gatehouse-feature` header may pick another, issue 3). */
  featureId: string | null;
  scopes: readonly string[];
}

/**
 * What flows through the stages of one request. Stages fill the optional parts
 * in order (parse -> body, authenticate -> auth, ...); a stage that needs an
 * earlier one's output reads it through a `require...` helper that fails loudly
 * when the pipeline is mis-ordered.
 */
export interface GatewayContext {
  readonly req: GatewayRequest;
  readonly requestId: string;
  /** The endpoint matched by the router, e.g. `models.list`. */
  readonly endpoint: string;
  /** Wall clock at arrival (request log `created_at`). */
  readonly receivedAt: Date;
  /** performance.now() at arrival (latency). */
  readonly startedAt: number;
  /** Parsed JSON body (parse stage), for endpoints that take one. */
  body?: unknown;
  auth?: GatewayAuth;
  /** Extra headers every response of this request carries (x-gatehouse-*). */
  readonly responseHeaders: Record<string, string>;
  /** What stages learned for the request log (attempts, tokens, ...): `noteLog()` in lib/gateway/record. */
  log?: RequestLogFields;
}

/**
 * One step of the request path. Returns a response to answer early (or, for
 * the last stage, to answer at all), nothing to pass on, or throws a
 * GatehouseError that becomes the OpenAI-style error body.
 */
export type Stage = (ctx: GatewayContext) => GatewayResponse | void | Promise<GatewayResponse | void>;

export interface Endpoint {
  /** Dotted name used in logs and the request log (`chat.completions`). */
  name: string;
  method: "GET" | "POST";
  /** Exact path under the data plane, e.g. `/v1/models`. */
  path: string;
  stages: readonly Stage[];
}

/** The request's ids for a process-log line: `log(level, event, fields, logContextOf(ctx))`. */
export function logContextOf(ctx: Pick<GatewayContext, "requestId" | "auth">): LogContext {
  return ctx.auth ? { requestId: ctx.requestId, tenantId: ctx.auth.tenantId } : { requestId: ctx.requestId };
}
