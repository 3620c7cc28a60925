import { getEnv } from "@/lib/env";
import { GatehouseError, toGatehouseError } from "@/lib/errors";
import { chatCompletions } from "@/lib/gateway/endpoints/chat-completions";
import { embeddingsCreate } from "@/lib/gateway/endpoints/embeddings";
import { feedbackCreate } from "@/lib/gateway/endpoints/feedback";
import { messagesCreate } from "@/lib/gateway/endpoints/messages";
import { modelsList } from "@/lib/gateway/endpoints/models";
import { handleOfrep, isOfrepPath } from "@/lib/gateway/endpoints/ofrep";
import { BodyBudget, overloaded } from "@/lib/gateway/body-budget";
import { recordExchange, type RecordFacts } from "@/lib/gateway/record";
import { LogLimit } from "@/lib/gateway/record/log-limit";
import { resolveRequestId } from "@/lib/gateway/request-id";
import { payloadTooLarge } from "@/lib/gateway/stages/parse";
import { isStreamBody, logContextOf, type Endpoint, type GatewayAuth, type GatewayContext, type GatewayRequest, type GatewayResponse } from "@/lib/gateway/types";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";

/**
 * The data plane: one framework-free function from a plain request to a plain
 * response. Both adapters (node:http in server.ts, Web Request/Response in
 * app/api/v1/**) call it, so the fast path and the Next path behave the same.
 *
 * The request path of DESIGN.md, one module per stage, each a function of the
 * typed GatewayContext (see Stage in types.ts). An endpoint lists the stages it
 * runs, in this order; a stage passes on, answers early, or throws a
 * GatehouseError that becomes the OpenAI-style error body:
 *
 *   1  parse          stages/parse.ts          JSON body; size limit (adapters); request id (below)
 *                     stages/validate.ts       the endpoint's zod schema, x-gatehouse-timeout-ms
 *                     stages/idempotency.ts    Idempotency-Key: replay, 409 in flight, 422 reused (wraps 3-11)
 *   2  authenticate   stages/authenticate.ts   API key -> tenant, scopes
 *                     stages/resolve.ts        endpoint scope, feature, end-user, context documents
 *   3  switches       stages/switches.ts       kill switches, flags, end-user opt-out      (placeholder)
 *   4  prompt         stages/prompt.ts         prompt@label -> messages                    (placeholder)
 *                     stages/context.ts        context documents as untrusted data
 *   5  input guards   stages/input-guards.ts   token limit, injection, PII redaction       (placeholder)
 *   6  limits         stages/limits.ts         rate limits + budget reservation in Redis   (placeholder)
 *   7  cache          stages/cache.ts          tenant-scoped response cache                (placeholder)
 *   8  route          stages/resolve.ts (model -> plan), route/engine.ts (chain, circuits, retries, deadlines, static answer)
 *   9  provider call  providers/<kind>/        request/response/stream maps
 *  10  output guards  stages/output-guards.ts  JSON schema + repair, fast moderation       (placeholder hook)
 *  11  respond        respond/ (JSON or SSE, x-gatehouse-* figures), called by the endpoint's last stage
 *                     (endpoints/chat-completions.ts, messages.ts, embeddings.ts, models.ts)
 *  12  record         record/ (via record() below): the request log, after every request, answered,
 *                     failed or refused, streams when they end; queue, else disk spool + replay
 *
 * `/ofrep/v1/*` (OpenFeature flag evaluation, endpoints/ofrep.ts) is answered
 * before all this: flag evaluations are not model calls and are not logged.
 */
const endpoints: readonly Endpoint[] = [chatCompletions, messagesCreate, embeddingsCreate, modelsList, feedbackCreate];

type Match = { kind: "ok"; endpoint: Endpoint } | { kind: "not_found" } | { kind: "method"; allow: string[] };

function matchEndpoint(method: string, path: string): Match {
  const samePath = endpoints.filter((e) => e.path === path);
  if (samePath.length === 0) return { kind: "not_found" };
  const endpoint = samePath.find((e) => e.method === method);
  return endpoint ? { kind: "ok", endpoint } : { kind: "method", allow: samePath.map((e) => e.method) };
}

/**
 * The ids of one request. `requestId` is what the response's `x-request-id`
 * carries and the process log uses: the caller's own id when it sent a plain
 * one, else a fresh `req_` id. `logId` is the request log's id, always
 * generated here (globally unique, so a caller cannot collide with another
 * request): the same as requestId unless the caller sent its own, in which
 * case the response also carries it as `x-gatehouse-request-id` (the id for
 * `POST /v1/feedback` and the dashboard) and the log keeps the caller's id
 * in `metadata.clientRequestId`.
 */
export interface RequestIds {
  requestId: string;
  logId: string;
  clientRequestId: string | null;
}

export function requestIdsOf(headers: Record<string, string | undefined>): RequestIds {
  const sent = headers["x-request-id"];
  const requestId = resolveRequestId(sent);
  const clientRequestId = requestId === sent ? requestId : null;
  return { requestId, clientRequestId, logId: clientRequestId ? newId("request") : requestId };
}

function idHeaders(ids: RequestIds): Record<string, string> {
  return ids.clientRequestId ? { "x-gatehouse-request-id": ids.logId } : {};
}

/** In-process callers only (never set from a request): the dashboard's prompt playground runs as its tenant. */
export interface HandleOptions {
  /** Runs the pipeline already authenticated as this tenant (the authenticate stage then passes). */
  auth?: GatewayAuth;
}

export async function handle(req: GatewayRequest, opts: HandleOptions = {}): Promise<GatewayResponse> {
  if (isOfrepPath(req.path)) return handleOfrep(req);
  const ids = requestIdsOf(req.headers);
  const requestId = ids.requestId;
  const receivedAt = new Date();
  const startedAt = performance.now();
  const maxBytes = getEnv().GATEHOUSE_MAX_BODY_BYTES;
  if (req.body && req.body.length > maxBytes) return refuse(req, ids, payloadTooLarge(maxBytes), receivedAt, startedAt);
  const bodyBytes = req.body?.length ?? 0;
  if (!bodyBudget().take(bodyBytes)) {
    noteOverload();
    return refuse(req, ids, overloaded(), receivedAt, startedAt);
  }

  const release = bodyBytes > 0 ? releaseOnce(bodyBytes, req.signal) : noop;
  const match = matchEndpoint(req.method, req.path);
  if (match.kind === "not_found") {
    release();
    const err = new GatehouseError("not_found", `Unknown endpoint: ${req.method} ${req.path}`, { type: "invalid_request_error" });
    return refuse(req, ids, err, receivedAt, startedAt);
  }
  if (match.kind === "method") {
    release();
    const err = new GatehouseError("method_not_allowed", `Method ${req.method} is not allowed on ${req.path}`, {
      type: "invalid_request_error",
      headers: { allow: match.allow.join(", ") },
    });
    return refuse(req, ids, err, receivedAt, startedAt);
  }

  const ctx: GatewayContext = {
    req,
    requestId,
    endpoint: match.endpoint.name,
    receivedAt,
    startedAt,
    responseHeaders: idHeaders(ids),
    // Every key present from the start: one hidden class for every request's context.
    body: undefined,
    auth: opts.auth,
    log: undefined,
  };
  const response = await runStages(ctx, match.endpoint);
  return record(ctx, ids, response, release);
}

const globalForBudget = globalThis as unknown as { gatehouseBodyBudget?: BodyBudget };

/** The process's in-flight body budget (GATEHOUSE_MAX_INFLIGHT_BODY_BYTES), shared by both adapters. */
function bodyBudget(): BodyBudget {
  return (globalForBudget.gatehouseBodyBudget ??= new BodyBudget(getEnv().GATEHOUSE_MAX_INFLIGHT_BODY_BYTES));
}

const noop = (): void => undefined;

/**
 * Gives `bytes` back exactly once: when the response is done (handle's
 * callers), or when the client goes away first, whichever comes first (a
 * stream nobody reads again would otherwise hold its bytes for good).
 */
function releaseOnce(bytes: number, signal: AbortSignal | undefined): () => void {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    signal?.removeEventListener("abort", release);
    bodyBudget().give(bytes);
  };
  if (signal?.aborted) release();
  else signal?.addEventListener("abort", release, { once: true });
  return release;
}

/** At most one warn line a second while shedding load (lib/gateway/record/log-limit.ts), with the count since the last. */
const overloadLogLimit = new LogLimit(1);

function noteOverload(): void {
  const slot = overloadLogLimit.take();
  if (!slot) return;
  log("warn", "gateway.overloaded", { refused: slot.suppressed + 1, heldBodyBytes: bodyBudget().heldBytes, limit: getEnv().GATEHOUSE_MAX_INFLIGHT_BODY_BYTES });
}

/**
 * For a request refused before the pipeline could run (the adapters' body
 * size limit): the error response, recorded like every other request.
 */
export function rejectRequest(req: Pick<GatewayRequest, "method" | "path" | "headers" | "remoteAddress">, err: unknown): GatewayResponse {
  return refuse(req, requestIdsOf(req.headers), err, new Date(), performance.now());
}

function refuse(
  req: Pick<GatewayRequest, "method" | "path" | "headers" | "remoteAddress">,
  ids: RequestIds,
  err: unknown,
  receivedAt: Date,
  startedAt: number,
): GatewayResponse {
  const response = errorResponse(err, ids.requestId);
  Object.assign(response.headers, idHeaders(ids));
  const match = matchEndpoint(req.method, req.path);
  return recordExchange(
    {
      ...factsOf(req, ids),
      endpoint: match.kind === "ok" ? match.endpoint.name : "unknown",
      receivedAt,
      startedAt,
      body: undefined,
      fields: () => undefined,
      auth: undefined,
    },
    response,
    false,
  );
}

function factsOf(req: Pick<GatewayRequest, "method" | "path" | "headers" | "remoteAddress">, ids: RequestIds) {
  return {
    logId: ids.logId,
    clientRequestId: ids.clientRequestId,
    method: req.method,
    path: req.path,
    headers: req.headers,
    remoteAddress: req.remoteAddress,
  } satisfies Partial<RecordFacts>;
}

async function runStages(ctx: GatewayContext, endpoint: Endpoint): Promise<GatewayResponse> {
  try {
    for (const stage of endpoint.stages) {
      const answer = await stage(ctx);
      if (answer) {
        return { ...answer, headers: { ...answer.headers, ...ctx.responseHeaders, "x-request-id": ctx.requestId } };
      }
    }
    throw new GatehouseError("internal_error", "Internal error", {
      cause: new Error(`endpoint ${endpoint.name} produced no response`),
    });
  } catch (err) {
    const response = errorResponse(err, ctx.requestId);
    return { ...response, headers: { ...ctx.responseHeaders, ...response.headers } };
  }
}

/** The OpenAI-style error response for anything thrown; unknown errors never leak their message. */
export function errorResponse(err: unknown, requestId: string): GatewayResponse {
  const e = toGatehouseError(err);
  if (!e.expected) log("error", "gateway.error", { code: e.code, err: e.cause ?? e }, { requestId });
  return {
    status: e.status,
    headers: { ...e.headers, "x-request-id": requestId },
    body: e.toBody(),
  };
}

/**
 * Stage 12. After every routed request, whatever its outcome: the request log
 * (lib/gateway/record: queued, or spooled to disk and replayed; for streams,
 * when the stream ends). Later issues settle the budget and update circuits here.
 */
function record(ctx: GatewayContext, ids: RequestIds, response: GatewayResponse, onDone: () => void): GatewayResponse {
  log(
    "debug",
    "gateway.request",
    { endpoint: ctx.endpoint, status: response.status, latencyMs: Math.round(performance.now() - ctx.startedAt) },
    logContextOf(ctx),
  );
  return recordExchange(
    {
      ...factsOf(ctx.req, ids),
      endpoint: ctx.endpoint,
      receivedAt: ctx.receivedAt,
      startedAt: ctx.startedAt,
      body: ctx.body,
      fields: () => ctx.log,
      auth: ctx.auth,
    },
    response,
    isStreamBody(response.body),
    onDone,
  );
}
