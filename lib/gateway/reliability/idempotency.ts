/**
 * `Idempotency-Key` for the data plane: a request repeated with the same key
 * within 24 h gets the first result without a second upstream call.
 *
 * - Scope: per tenant. Key `gh:idem:<tenantId>:<sha256(key)>`, so two tenants
 *   may use the same key, and a long key costs 64 bytes.
 * - Fingerprint: sha256 of method, path and raw body (`fingerprintRequest`).
 *   The same key with a different fingerprint is refused with 422
 *   `idempotency_key_reused` (as the IETF httpapi Idempotency-Key draft
 *   says), whether the first request is still running or done.
 * - begin(): one Lua call decides atomically: "new" (you own the key: run the
 *   request, then complete() or abandon() with the returned token),
 *   "in_flight" (409 `idempotency_in_flight`), "done" (replay the stored
 *   response) or "conflict" (422).
 * - The in-flight marker carries an expiry (default 2 min; pass the route's
 *   total timeout plus a margin): an instance that crashed mid-request blocks
 *   the key only until then, after which the next begin() takes it over. The
 *   owner token makes a late complete()/abandon() from the crashed or slow
 *   first owner a no-op instead of clobbering the new owner.
 * - complete() stores status, headers and body for 24 h. Store successes
 *   only; on failure call abandon(), which frees the key so the client's
 *   retry runs again (a failed attempt is not a result worth replaying).
 * - Streams: the pipeline collects the SSE frames it wrote and stores them
 *   (`{ kind: "sse", chunks }`); a repeat gets them re-streamed verbatim and
 *   at once, so an SDK that asked for `stream: true` gets a stream again (the
 *   same key implies the same body, so the repeat asked for a stream too).
 *   JSON answers are stored as `{ kind: "json", value }`.
 * - Expiry times are data in the hash, compared with the caller's clock
 *   (injectable for tests); Redis PEXPIRE with the same duration is the
 *   garbage collector.
 * - Responses larger than `maxStoredBytes` (default 4 MiB) are not stored:
 *   complete() frees the key and returns false (logged).
 * One round trip per call: begin, complete and abandon are EVALSHA each.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { BadRequestError, GatehouseError } from "@/lib/errors";
import { decryptSecret, encryptSecret } from "@/lib/crypto";
import { log } from "@/lib/log";
import type { GatewayResponse } from "@/lib/gateway/types";

export const IDEMPOTENCY_KEY_PREFIX = "gh:idem:";
export const IDEMPOTENCY_DONE_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_IN_FLIGHT_TTL_MS = 120_000;

/** Printable ASCII, 1..255 characters (Stripe's and the IETF draft's practice). */
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, "must be printable ASCII");

/** Reads the `idempotency-key` header: null when absent, a 400 naming the header when malformed. */
export function parseIdempotencyKey(value: string | undefined | null): string | null {
  if (value == null) return null;
  const parsed = IdempotencyKey.safeParse(value);
  if (!parsed.success) {
    throw new BadRequestError(`Idempotency-Key ${parsed.error.issues[0]?.message ?? "is invalid"}`, "Idempotency-Key");
  }
  return parsed.data;
}

export const StoredBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("json"), value: z.unknown() }),
  z.object({ kind: z.literal("sse"), chunks: z.array(z.string()) }),
]);
export type StoredBody = z.infer<typeof StoredBody>;

export const StoredResponse = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: StoredBody,
});
export type StoredResponse = z.infer<typeof StoredResponse>;

export type BeginResult =
  | { state: "new"; token: string }
  | { state: "in_flight" }
  | { state: "done"; response: StoredResponse }
  | { state: "conflict" };

/** sha256 of `METHOD path\n` + raw body: what "the same request" means. */
export function fingerprintRequest(method: string, path: string, body: Buffer | string | null): string {
  const h = createHash("sha256").update(`${method.toUpperCase()} ${path}\n`);
  if (body != null) h.update(body);
  return h.digest("hex");
}

/** The error for a begin() that must not run the request, or null for "new" / "done". */
export function idempotencyError(result: BeginResult): GatehouseError | null {
  if (result.state === "in_flight") {
    return new GatehouseError("idempotency_in_flight", "A request with this Idempotency-Key is still in progress; retry later", {
      param: "Idempotency-Key",
    });
  }
  if (result.state === "conflict") {
    return new GatehouseError("idempotency_key_reused", "This Idempotency-Key was already used with a different request", {
      param: "Idempotency-Key",
    });
  }
  return null;
}

/** The stored response as the pipeline returns it, marked `idempotent-replayed: true`. */
export function replayResponse(stored: StoredResponse): GatewayResponse {
  const headers = { ...stored.headers, "idempotent-replayed": "true" };
  if (stored.body.kind === "json") return { status: stored.status, headers, body: stored.body.value };
  const chunks = stored.body.chunks;
  return {
    status: stored.status,
    headers,
    body: (async function* () {
      yield* chunks;
    })(),
  };
}

// KEYS[1] = hash. ARGV: now, fingerprint, token, in-flight ttl ms.
const BEGIN_LUA = `
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'st', 'fp', 'exp', 'resp')
if v[1] and now < (tonumber(v[3]) or 0) then
  if v[2] ~= ARGV[2] then return {'conflict'} end
  if v[1] == 'done' then return {'done', v[4]} end
  return {'in_flight'}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'st', 'in_flight', 'fp', ARGV[2], 'tok', ARGV[3], 'exp', now + tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return {'new'}
`;

// KEYS[1] = hash. ARGV: token, now, done ttl ms, response json. 1 if stored.
const COMPLETE_LUA = `
local v = redis.call('HMGET', KEYS[1], 'st', 'tok')
if v[1] ~= 'in_flight' or v[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'st', 'done', 'resp', ARGV[4], 'exp', tonumber(ARGV[2]) + tonumber(ARGV[3]))
redis.call('HDEL', KEYS[1], 'tok')
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

// KEYS[1] = hash. ARGV: token. 1 if the marker was ours and is gone.
const ABANDON_LUA = `
local v = redis.call('HMGET', KEYS[1], 'st', 'tok')
if v[1] ~= 'in_flight' or v[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

type ScriptFn = (key: string, ...args: Array<string | number>) => Promise<unknown>;
const SCRIPTS = { ghIdemBegin: BEGIN_LUA, ghIdemComplete: COMPLETE_LUA, ghIdemAbandon: ABANDON_LUA } as const;

function bindScripts(redis: Redis): Record<keyof typeof SCRIPTS, ScriptFn> {
  const out = {} as Record<keyof typeof SCRIPTS, ScriptFn>;
  for (const [name, lua] of Object.entries(SCRIPTS) as Array<[keyof typeof SCRIPTS, string]>) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    const fn = (redis as unknown as Record<string, ScriptFn>)[name];
    if (typeof fn !== "function") throw new Error(`ioredis did not define ${name}`);
    out[name] = fn.bind(redis);
  }
  return out;
}

export interface IdempotencyStoreOptions {
  redis: Redis;
  /** ms since epoch; injectable for tests. */
  clock?: () => number;
  inFlightTtlMs?: number;
  doneTtlMs?: number;
  maxStoredBytes?: number;
}

export class IdempotencyStore {
  private readonly scripts: Record<keyof typeof SCRIPTS, ScriptFn>;
  private readonly clock: () => number;
  private readonly inFlightTtlMs: number;
  private readonly doneTtlMs: number;
  private readonly maxStoredBytes: number;

  constructor(opts: IdempotencyStoreOptions) {
    this.scripts = bindScripts(opts.redis);
    this.clock = opts.clock ?? Date.now;
    this.inFlightTtlMs = opts.inFlightTtlMs ?? IDEMPOTENCY_IN_FLIGHT_TTL_MS;
    this.doneTtlMs = opts.doneTtlMs ?? IDEMPOTENCY_DONE_TTL_MS;
    this.maxStoredBytes = opts.maxStoredBytes ?? 4 * 1024 * 1024;
  }

  /** The Redis key of (tenant, Idempotency-Key). */
  static redisKey(tenantId: string, key: string): string {
    return `${IDEMPOTENCY_KEY_PREFIX}${tenantId}:${createHash("sha256").update(key).digest("hex")}`;
  }

  async begin(
    tenantId: string,
    key: string,
    fingerprint: string,
    opts: { inFlightTtlMs?: number; now?: number } = {},
  ): Promise<BeginResult> {
    const token = randomUUID();
    const reply = await this.scripts.ghIdemBegin(
      IdempotencyStore.redisKey(tenantId, key),
      opts.now ?? this.clock(),
      fingerprint,
      token,
      Math.max(1, Math.floor(opts.inFlightTtlMs ?? this.inFlightTtlMs)),
    );
    if (!Array.isArray(reply)) throw new Error("idempotency: unexpected script reply");
    const state: unknown = reply[0];
    if (state === "new") return { state: "new", token };
    if (state === "in_flight" || state === "conflict") return { state };
    if (state === "done" && typeof reply[1] === "string") {
      return { state: "done", response: StoredResponse.parse(JSON.parse(openStored(reply[1]))) };
    }
    throw new Error(`idempotency: unexpected script reply ${String(state)}`);
  }

  /** Stores the final response for replay (24 h). False when the key is no longer ours or the response too large. */
  async complete(tenantId: string, key: string, token: string, response: StoredResponse, now: number = this.clock()): Promise<boolean> {
    const json = JSON.stringify(StoredResponse.parse(response));
    if (Buffer.byteLength(json) > this.maxStoredBytes) {
      log("warn", "idempotency.response_too_large", { tenantId, bytes: Buffer.byteLength(json) });
      await this.abandon(tenantId, key, token);
      return false;
    }
    const stored = await this.scripts.ghIdemComplete(IdempotencyStore.redisKey(tenantId, key), token, now, this.doneTtlMs, encryptSecret(json));
    return Number(stored) === 1;
  }

  /** Frees the key after a failure so the client's retry runs again. False when it was not ours any more. */
  async abandon(tenantId: string, key: string, token: string): Promise<boolean> {
    const removed = await this.scripts.ghIdemAbandon(IdempotencyStore.redisKey(tenantId, key), token);
    return Number(removed) === 1;
  }
}

/**
 * A stored answer is encrypted (AES-256-GCM, GATEHOUSE_ENCRYPTION_KEY): it is
 * what the caller got, re-identified PII included, and the end-user's raw
 * values are never written anywhere in the clear (issue 6). Answers stored
 * before encryption (plain JSON) still replay.
 */
function openStored(payload: string): string {
  return payload.startsWith("v1:") ? decryptSecret(payload) : payload;
}
