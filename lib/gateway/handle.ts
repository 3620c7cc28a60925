import { getEnv } from "@/lib/env";
import { GatehouseError, toGatehouseError } from "@/lib/errors";
import { modelsList } from "@/lib/gateway/endpoints/models";
import { resolveRequestId } from "@/lib/gateway/request-id";
import { payloadTooLarge } from "@/lib/gateway/stages/parse";
import type { Endpoint, GatewayContext, GatewayRequest, GatewayResponse } from "@/lib/gateway/types";
import { log, logContext } from "@/lib/log";

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
 *   2  authenticate   stages/authenticate.ts   API key -> tenant, scopes, feature
 *   3  switches       stages/switches.ts       kill switches, flags, end-user opt-out      (issue 3)
 *   4  prompt         stages/prompt.ts         prompt@label -> messages, context docs      (later issue)
 *   5  input guards   stages/input-guards.ts   token limit, injection, PII redaction       (later issue)
 *   6  limits         stages/limits.ts         rate limits + budget reservation in Redis   (later issue)
 *   7  cache          stages/cache.ts          tenant-scoped response cache                (later issue)
 *   8  route          stages/route.ts          target chain, circuits, retries, fallback   (issue 3)
 *   9  provider call  providers/<kind>/        request/response/stream maps                (issue 3)
 *  10  output guards  stages/output-guards.ts  JSON schema + repair, fast moderation       (later issue)
 *  11  respond        the endpoint's last stage returns the GatewayResponse (JSON or SSE)
 *  12  record         record() below, after every request, answered or failed             (issue 3: enqueue the log)
 */
const endpoints: readonly Endpoint[] = [modelsList];

type Match = { kind: "ok"; endpoint: Endpoint } | { kind: "not_found" } | { kind: "method"; allow: string[] };

function matchEndpoint(method: string, path: string): Match {
  const samePath = endpoints.filter((e) => e.path === path);
  if (samePath.length === 0) return { kind: "not_found" };
  const endpoint = samePath.find((e) => e.method === method);
  return endpoint ? { kind: "ok", endpoint } : { kind: "method", allow: samePath.map((e) => e.method) };
}

export async function handle(req: GatewayRequest): Promise<GatewayResponse> {
  const requestId = resolveRequestId(req.headers["x-request-id"]);
  return logContext.run({ requestId }, async () => {
    const maxBytes = getEnv().GATEHOUSE_MAX_BODY_BYTES;
    if (req.body && req.body.length > maxBytes) return errorResponse(payloadTooLarge(maxBytes), requestId);

    const match = matchEndpoint(req.method, req.path);
    if (match.kind === "not_found") {
      return errorResponse(
        new GatehouseError("not_found", `Unknown endpoint: ${req.method} ${req.path}`, { type: "invalid_request_error" }),
        requestId,
      );
    }
    if (match.kind === "method") {
      const err = new GatehouseError("method_not_allowed", `Method ${req.method} is not allowed on ${req.path}`, {
        type: "invalid_request_error",
        headers: { allow: match.allow.join(", ") },
      });
      return errorResponse(err, requestId);
    }

    const ctx: GatewayContext = {
      req,
      requestId,
      endpoint: match.endpoint.name,
      receivedAt: new Date(),
      startedAt: performance.now(),
      responseHeaders: {},
    };
    const response = await runStages(ctx, match.endpoint);
    record(ctx, response);
    return response;
  });
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
  if (!e.expected) log("error", "gateway.error", { code: e.code, err: e.cause ?? e });
  return {
    status: e.status,
    headers: { ...e.headers, "x-request-id": requestId },
    body: e.toBody(),
  };
}

/**
 * Stage 12. After every routed request, whatever its outcome. Issue 3 settles
 * the budget, updates circuits and enqueues the request log here (for streams,
 * when the stream ends).
 */
function record(ctx: GatewayContext, response: GatewayResponse): void {
  log("debug", "gateway.request", {
    endpoint: ctx.endpoint,
    status: response.status,
    latencyMs: Math.round(performance.now() - ctx.startedAt),
  });
}
