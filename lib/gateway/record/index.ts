import { getEnv } from "@/lib/env";
import { sha256Hex } from "@/lib/crypto";
import { log } from "@/lib/log";
import { getProducerConnection } from "@/lib/queues/connection";
import { enqueueRequestLogs, type RequestLogJobInput } from "@/lib/queues/request-log";
import { getGatewayConfig } from "@/lib/gateway/config";
import { buildLogEntry, type Caller, type ExchangeFacts } from "@/lib/gateway/record/entry";
import { LogLimit } from "@/lib/gateway/record/log-limit";
import { Recorder, type RecorderStats } from "@/lib/gateway/record/recorder";
import { Spool } from "@/lib/gateway/record/spool";
import { readApiKey } from "@/lib/gateway/stages/authenticate";
import type { GatewayAuth, GatewayBody } from "@/lib/gateway/types";

export { noteLog, type RequestLogFields } from "@/lib/gateway/record/entry";
import type { RequestLogFields } from "@/lib/gateway/record/entry";

/**
 * Stage 12, record: the request log of the data plane. See recorder.ts (queue,
 * spool, replay) and spool.ts (files, fsync policy).
 *
 * What is logged where:
 * - A request whose tenant is known, from a valid key or from a revoked or
 *   expired one, gets a `request_logs` row whatever its outcome (answered,
 *   failed, blocked: 400, 401, 404, 405, 413, ...).
 * - A request without a key, or with a key Gatehouse does not know, has no
 *   tenant, and `request_logs.tenant_id` is NOT NULL (every row belongs to a
 *   tenant, for isolation): it is logged in the process log only
 *   (`gateway.request_unattributed`: request id, reason `missing_key`,
 *   `malformed_key` or `unknown_key`, endpoint, path, status, error code,
 *   remote address; never the key or the body), at most 50 lines a second
 *   per process (log-limit.ts: the next line written says how many were dropped).
 */

const MAX_KEY_LENGTH = 256;

const globalForRecorder = globalThis as unknown as { gatehouseRecorder?: Recorder };

/** The process's recorder (one per process, shared by every copy of this module). */
export function getRecorder(): Recorder {
  if (!globalForRecorder.gatehouseRecorder) {
    const env = getEnv();
    const recorder = new Recorder({
      spool: new Spool({ dir: env.GATEHOUSE_SPOOL_DIR }),
      enqueueBatch: (records) => enqueueRequestLogs(records),
      probe: probeRedis,
      batchSize: env.GATEHOUSE_REQUEST_LOG_BATCH_SIZE,
      batchWaitMs: env.GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS,
    });
    globalForRecorder.gatehouseRecorder = recorder;
    recorder.start();
  }
  return globalForRecorder.gatehouseRecorder;
}

/** Starts the recorder at process start, so a spool left by an earlier process is replayed at once. */
export function startRecorder(): void {
  getRecorder();
}

/**
 * Shutdown, after the server stopped answering and before the queue
 * connection closes: waits for enqueues in flight, replays the spool while
 * Redis is up (until `deadline`), seals the rest for the next process.
 */
export async function stopRecorder(deadline?: number): Promise<void> {
  const recorder = globalForRecorder.gatehouseRecorder;
  globalForRecorder.gatehouseRecorder = undefined;
  await recorder?.stop(deadline);
}

export function recorderStats(): RecorderStats | null {
  return globalForRecorder.gatehouseRecorder?.stats() ?? null;
}

async function probeRedis(): Promise<boolean> {
  const conn = getProducerConnection();
  if (conn.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const pong = await Promise.race([
      conn.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("ping timed out")), 500);
      }),
    ]);
    return pong === "PONG";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Records one validated-or-not record (see Recorder.record): never throws, never waits. */
export function recordRequest(entry: RequestLogJobInput): void {
  getRecorder().record(entry);
}

export type RecordFacts = Omit<ExchangeFacts, "fields" | "status" | "responseBody" | "streamed" | "streamError"> & {
  /** Read when the record is built (a stream's producer may still add fields while streaming). */
  fields: () => RequestLogFields | undefined;
  headers: Record<string, string | undefined>;
  remoteAddress?: string;
  auth: GatewayAuth | undefined;
};

/**
 * Called by handle() once per request with its response. A JSON response is
 * recorded now (after handle() built it, without delaying it); a stream when
 * it ends (completed, failed or abandoned by the client). Returns the response
 * to send, with the stream wrapped. `onDone` runs once the request no longer
 * needs its body: now for JSON, at the end of a stream.
 */
export function recordExchange<R extends { status: number; body: GatewayBody }>(facts: RecordFacts, response: R, isStream: boolean, onDone?: () => void): R {
  if (!isStream) {
    onDone?.();
    // After the adapter has written the response (same tick), not before it.
    setImmediate(() => record(facts, { status: response.status, responseBody: response.body, streamed: false }));
    return response;
  }
  const body = response.body as AsyncIterable<Uint8Array | string>;
  return {
    ...response,
    body: onStreamEnd(body, (streamError) => {
      onDone?.();
      record(facts, { status: response.status, responseBody: null, streamed: true, streamError });
    }),
  };
}

function record(facts: RecordFacts, outcome: Pick<ExchangeFacts, "status" | "responseBody" | "streamed" | "streamError">): void {
  const full: ExchangeFacts = { ...facts, fields: facts.fields(), ...outcome };
  const now = performance.now();
  if (facts.auth) {
    recordRequest(buildLogEntry(full, facts.auth, now));
    return;
  }
  // Refused before or during authentication: find the tenant from the key itself, if any.
  void callerFromKey(facts.headers).then(
    (caller) => {
      if (caller) recordRequest(buildLogEntry(full, caller, now));
      else logUnattributed(facts, outcome.status, outcome.responseBody);
    },
    (err: unknown) => {
      log("error", "record.caller_lookup_failed", { requestId: facts.logId, err });
      logUnattributed(facts, outcome.status, outcome.responseBody);
    },
  );
}

async function callerFromKey(headers: Record<string, string | undefined>): Promise<Caller | null> {
  const key = readApiKey(headers);
  if (!key || key.length > MAX_KEY_LENGTH) return null;
  const rec = await getGatewayConfig().getKeyByDigest(sha256Hex(key));
  return rec ? { tenantId: rec.tenantId, apiKeyId: rec.id, featureId: rec.featureId } : null;
}

/** At most this many `gateway.request_unattributed` lines per second per process (a keyless flood cannot fill the disk). */
const UNATTRIBUTED_LINES_PER_SECOND = 50;
const unattributedLimit = new LogLimit(UNATTRIBUTED_LINES_PER_SECOND);

/** Why no tenant: no key at all, a key too long to be one, or a key Gatehouse does not know. Never the key itself. */
function unattributedReason(headers: Record<string, string | undefined>): "missing_key" | "malformed_key" | "unknown_key" {
  const key = readApiKey(headers);
  if (!key) return "missing_key";
  return key.length > MAX_KEY_LENGTH ? "malformed_key" : "unknown_key";
}

function logUnattributed(facts: RecordFacts, status: number, body: unknown): void {
  const slot = unattributedLimit.take();
  if (!slot) return;
  const error = typeof body === "object" && body !== null && "error" in body ? (body as { error?: { code?: unknown } }).error : undefined;
  log("info", "gateway.request_unattributed", {
    requestId: facts.logId,
    reason: unattributedReason(facts.headers),
    clientRequestId: facts.clientRequestId ?? undefined,
    endpoint: facts.endpoint,
    method: facts.method,
    path: facts.path.slice(0, 512),
    status,
    errorCode: typeof error?.code === "string" ? error.code : undefined,
    remoteAddress: facts.remoteAddress,
    // Lines dropped by the rate limit since the last one written.
    ...(slot.suppressed > 0 ? { suppressed: slot.suppressed } : {}),
  });
}

/**
 * Wraps a response stream so `onEnd` runs exactly once when it finishes: at
 * its end, on an error (with its message), or when the consumer stops early
 * (client gone: `aborted`).
 */
export function onStreamEnd<T>(source: AsyncIterable<T>, onEnd: (error?: string) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let ended = false;
      const end = (error?: string): void => {
        if (ended) return;
        ended = true;
        try {
          onEnd(error);
        } catch (err) {
          log("error", "record.failed", { err });
        }
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          try {
            const r = await it.next();
            if (r.done) end();
            return r;
          } catch (err) {
            end(err instanceof Error ? err.message : String(err));
            throw err;
          }
        },
        async return(value?: unknown): Promise<IteratorResult<T>> {
          end(ended ? undefined : "aborted");
          return (await it.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
