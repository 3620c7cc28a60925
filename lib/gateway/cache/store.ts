import type { Redis } from "ioredis";
import { z } from "zod";
import { ChatCompletion } from "@/lib/gateway/openai/schema";
import { cacheRedisKeys } from "@/lib/gateway/cache/key";
import { ScopeIndexes, unitize, type Neighbour } from "@/lib/gateway/cache/vector-index";
import { newId } from "@/lib/ids";

/**
 * The response cache's Redis side (stage 7). Exact entries are one string key
 * each (JSON, `SET EX`). Semantic entries: the answer under its own key (`SET
 * EX`), and per scope a Redis stream of (entry id, expiry, float32 vector)
 * that every instance reads: each keeps an in-process copy of the scopes it
 * served (vector-index.ts) and reads only the stream's new entries, in the
 * same pipeline as the exact lookup. So the lookup is one Redis round trip
 * (plus one GET for a semantic hit's answer).
 */

/**
 * Entries per semantic scope (stream MAXLEN ~, and the in-process index): the
 * exact scan is O(entries x dimensions) of CPU per lookup (README "Response
 * cache": ~10x the cost at 10,000 entries), so a scope keeps its newest 2,000.
 */
export const MAX_SCOPE_ENTRIES = 2_000;
/** Vectors held in process over all scopes (LRU scopes beyond it are dropped and rebuilt on demand). */
export const MAX_PROCESS_VECTORS = 100_000;

const NormalisedUsage = z.object({
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  cachedTokens: z.number().int().min(0),
  cacheWriteTokens: z.number().int().min(0),
  reasoningTokens: z.number().int().min(0),
});

/** What a cache entry holds (zod-checked when read back: Redis is a boundary). */
export const CachedAnswer = z.object({
  v: z.literal(1),
  /** Unix ms when stored (age, `max-age`). */
  storedAt: z.number().int(),
  /** `provider/model` that produced it. */
  target: z.string(),
  /** What producing it cost (micro-dollars): what a hit saves. */
  costMicros: z.string().regex(/^\d+$/),
  usage: NormalisedUsage,
  completion: ChatCompletion,
});
export type CachedAnswer = z.infer<typeof CachedAnswer>;

function decode(raw: string | null): CachedAnswer | null {
  if (raw === null) return null;
  try {
    const parsed = CachedAnswer.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface LookupInput {
  tenantId: string;
  exactDigest: string | null;
  /** Semantic scope digest: the scope's new stream entries are read into the process index. */
  scopeDigest: string | null;
}

export interface LookupResult {
  exact: CachedAnswer | null;
}

type StreamReply = Array<[Buffer, Buffer[]]>;

export class ResponseCacheStore {
  private readonly indexes: ScopeIndexes;
  private readonly maxScopeEntries: number;

  /** `maxScopeEntries`: the bench measures larger scopes; the gateway uses the default. */
  constructor(
    private readonly redis: Redis,
    opts: { maxScopeEntries?: number } = {},
  ) {
    this.maxScopeEntries = opts.maxScopeEntries ?? MAX_SCOPE_ENTRIES;
    this.indexes = new ScopeIndexes(this.maxScopeEntries, Math.max(MAX_PROCESS_VECTORS, this.maxScopeEntries));
  }

  /** One round trip: the exact entry and the semantic scope's stream entries not yet in the process index. */
  async lookup(input: LookupInput): Promise<LookupResult> {
    const p = this.redis.pipeline();
    if (input.exactDigest) p.get(cacheRedisKeys.exact(input.tenantId, input.exactDigest));
    const scopeKey = input.scopeDigest ? cacheRedisKeys.semanticScope(input.tenantId, input.scopeDigest) : null;
    if (scopeKey) p.xrangeBuffer(scopeKey, `(${this.indexes.get(scopeKey)?.lastStreamId ?? "0"}`, "+");
    const replies = (await p.exec()) ?? [];
    let i = 0;
    let exact: CachedAnswer | null = null;
    if (input.exactDigest) {
      const [err, raw] = replies[i++] ?? [null, null];
      if (err) throw err;
      exact = decode(raw as string | null);
    }
    if (scopeKey) {
      const [err, raw] = replies[i++] ?? [null, []];
      if (err) throw err;
      this.applyStream(scopeKey, raw as StreamReply);
    }
    return { exact };
  }

  private applyStream(scopeKey: string, entries: StreamReply): void {
    if (entries.length === 0 && this.indexes.get(scopeKey)) return;
    const index = this.indexes.getOrCreate(scopeKey);
    for (const [streamId, fields] of entries) {
      let id = "";
      let expiresAt = 0;
      let vector: Float32Array | null = null;
      for (let f = 0; f + 1 < fields.length; f += 2) {
        const name = (fields[f] as Buffer).toString();
        const value = fields[f + 1] as Buffer;
        if (name === "id") id = value.toString();
        else if (name === "e") expiresAt = Number(value.toString());
        else if (name === "v") vector = new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      }
      if (id && vector && expiresAt > Date.now()) index.add({ id, expiresAt, vector });
      index.lastStreamId = streamId.toString();
    }
    this.indexes.trim();
  }

  /** The nearest neighbour in the scope's process index (call lookup() first to bring it up to date). */
  nearest(tenantId: string, scopeDigest: string, query: Float32Array, threshold: number): Neighbour | null {
    return this.indexes.get(cacheRedisKeys.semanticScope(tenantId, scopeDigest))?.nearest(query, threshold) ?? null;
  }

  /** A semantic entry's answer; a gone one (expired, evicted) is also dropped from the index. */
  async semanticAnswer(tenantId: string, scopeDigest: string, entryId: string): Promise<CachedAnswer | null> {
    const answer = decode(await this.redis.get(cacheRedisKeys.semanticAnswer(tenantId, entryId)));
    if (!answer) this.indexes.get(cacheRedisKeys.semanticScope(tenantId, scopeDigest))?.remove(entryId);
    return answer;
  }

  async storeExact(tenantId: string, digest: string, answer: CachedAnswer, ttlSeconds: number): Promise<void> {
    await this.redis.set(cacheRedisKeys.exact(tenantId, digest), JSON.stringify(answer), "EX", ttlSeconds);
  }

  /** The answer and its vector, in one round trip (MULTI). */
  async storeSemantic(tenantId: string, scopeDigest: string, vector: ArrayLike<number>, answer: CachedAnswer, ttlSeconds: number): Promise<string> {
    const id = newId("semanticCache");
    const scopeKey = cacheRedisKeys.semanticScope(tenantId, scopeDigest);
    const unit = unitize(vector);
    const bytes = Buffer.from(unit.buffer, unit.byteOffset, unit.byteLength);
    const expiresAt = answer.storedAt + ttlSeconds * 1000;
    await this.redis
      .multi()
      .set(cacheRedisKeys.semanticAnswer(tenantId, id), JSON.stringify(answer), "EX", ttlSeconds)
      .xadd(scopeKey, "MAXLEN", "~", String(this.maxScopeEntries), "*", "id", id, "e", String(expiresAt), "v", bytes)
      // The stream outlives its newest entry by nothing: an idle scope disappears with its last answer.
      .expire(scopeKey, ttlSeconds, "GT")
      .expire(scopeKey, ttlSeconds, "NX")
      .exec();
    return id;
  }

  /** Tests and the bench: forget the process's copies (the next lookup rebuilds them from Redis). */
  forgetProcessIndexes(): void {
    this.indexes.clear();
  }
}

const g = globalThis as unknown as { gatehouseResponseCache?: ResponseCacheStore };

export function getResponseCacheStore(redis: () => Redis): ResponseCacheStore {
  g.gatehouseResponseCache ??= new ResponseCacheStore(redis());
  return g.gatehouseResponseCache;
}
