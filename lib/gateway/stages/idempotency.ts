import { noteLog } from "@/lib/gateway/record";
import {
  fingerprintRequest,
  idempotencyError,
  parseIdempotencyKey,
  replayResponse,
  type BeginResult,
  type StoredResponse,
} from "@/lib/gateway/reliability/idempotency";
import { figureHeaders } from "@/lib/gateway/respond";
import { withCleanup } from "@/lib/gateway/respond/iterables";
import { bounded, getIdempotencyStore } from "@/lib/gateway/route/breaker";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { runStages } from "@/lib/gateway/stages/compose";
import { callStateOf, requirePlan } from "@/lib/gateway/stages/state";
import { isStreamBody, logContextOf, type GatewayContext, type GatewayResponse, type Stage } from "@/lib/gateway/types";
import { log } from "@/lib/log";

/**
 * Stage 1 (continued), `Idempotency-Key` (reliability/idempotency.ts): wraps
 * the stages that do the work. Redis is touched only when the header is
 * present: begin (1 round trip), then complete or abandon (1).
 *
 * - repeat of a finished request within 24 h: the stored answer, no upstream
 *   call (`idempotent-replayed: true`; a stream is re-streamed);
 * - repeat while the first is in flight: 409 `idempotency_in_flight`;
 * - same key, different body: 422 `idempotency_key_reused`;
 * - only successes are stored (2xx, and a stream only when it ended cleanly);
 *   a failure frees the key so the client's retry runs again.
 * If Redis cannot be reached the request runs without the guarantee (logged):
 * an outage of the idempotency store must not become an outage of the gateway.
 */

const REDIS_BUDGET_MS = 1_000;
const IN_FLIGHT_MARGIN_MS = 30_000;
const DONT_STORE = new Set(["x-request-id", "x-gatehouse-request-id", "x-gatehouse-latency-ms"]);

export function withIdempotency(stages: readonly Stage[]): Stage {
  return async (ctx) => {
    const key = parseIdempotencyKey(ctx.req.headers["idempotency-key"]);
    if (key === null) return runStages(ctx, stages);
    const tenantId = requireAuth(ctx).tenantId;
    const store = getIdempotencyStore();
    const fingerprint = fingerprintRequest(ctx.req.method, ctx.req.path, ctx.req.body);
    const timeout: BeginResult | { state: "unavailable" } = { state: "unavailable" };
    const begun = await bounded<BeginResult | { state: "unavailable" }>(
      store.begin(tenantId, key, fingerprint, { inFlightTtlMs: requirePlan(ctx).totalTimeoutMs + IN_FLIGHT_MARGIN_MS }),
      REDIS_BUDGET_MS,
      timeout,
    );
    if (begun.state === "unavailable") {
      log("warn", "idempotency.unavailable", { action: "running without the idempotency guarantee" }, logContextOf(ctx));
      return runStages(ctx, stages);
    }
    if (begun.state === "done") {
      noteLog(ctx, { metadata: { ...(ctx.log?.metadata ?? {}), idempotentReplay: true } });
      const replay = replayResponse(begun.response);
      Object.assign(replay.headers, figureHeaders({ latencyMs: performance.now() - ctx.startedAt }));
      return replay;
    }
    const refused = idempotencyError(begun);
    if (refused) throw refused;
    if (begun.state !== "new") return runStages(ctx, stages);
    const token = begun.token;
    const abandon = (): Promise<unknown> => bounded(store.abandon(tenantId, key, token), REDIS_BUDGET_MS, false);
    const complete = (response: StoredResponse): Promise<unknown> => bounded(store.complete(tenantId, key, token, response), REDIS_BUDGET_MS, false);

    let response: GatewayResponse | undefined;
    try {
      response = await runStages(ctx, stages);
    } catch (err) {
      await abandon();
      throw err;
    }
    if (!response || response.status < 200 || response.status > 299) {
      await abandon();
      return response;
    }
    const headers = storableHeaders(response.headers);
    if (!isStreamBody(response.body)) {
      // Awaited: a repeat sent right after this answer must find it stored, not in flight.
      await complete({ status: response.status, headers, body: { kind: "json", value: response.body } });
      return response;
    }
    return { ...response, body: storeWhenDone(ctx, response.body, (chunks) => (chunks ? complete({ status: response.status, headers, body: { kind: "sse", chunks } }) : abandon())) };
  };
}

function storableHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!DONT_STORE.has(k)) out[k] = v;
  return out;
}

/** Passes the stream on, collecting it; stores it when it ended cleanly, frees the key otherwise (abandoned unread too). */
function storeWhenDone(
  ctx: GatewayContext,
  body: AsyncIterable<Uint8Array | string>,
  finish: (chunks: string[] | null) => Promise<unknown>,
): AsyncIterable<Uint8Array | string> {
  let finished = false;
  const finishOnce = async (chunks: string[] | null): Promise<void> => {
    if (finished) return;
    finished = true;
    await finish(chunks);
  };
  async function* run(): AsyncGenerator<Uint8Array | string, void, undefined> {
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    let ended = false;
    try {
      for await (const c of body) {
        chunks.push(typeof c === "string" ? c : decoder.decode(c, { stream: true }));
        yield c;
      }
      ended = true;
    } finally {
      await finishOnce(ended && callStateOf(ctx)?.streamOutcome === "ok" ? chunks : null);
    }
  }
  return withCleanup(run(), async () => {
    await finishOnce(null);
    const it = body[Symbol.asyncIterator]();
    await it.return?.();
  });
}
