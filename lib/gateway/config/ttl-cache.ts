import type { ApiKeyRecord, GatewayConfig, ModelEntry } from "@/lib/gateway/config/types";

/**
 * A small bounded TTL cache of promises: concurrent lookups of one key share
 * one query, failures are not cached, and the oldest entry goes first when
 * the cache is full (so a flood of random keys cannot grow memory).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expires: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t) return hit.value;
    if (hit) this.entries.delete(key);
    const value = load();
    this.entries.set(key, { expires: t + this.ttlMs, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface CachedConfig extends GatewayConfig {
  /** Drops everything (tests; issue 3 calls it from the Redis invalidation channel). */
  invalidate(): void;
}

/**
 * Placeholder for the Redis-invalidated snapshot of issue 3: a change in the
 * control plane (a revoked key, a new route) is seen here within `ttlMs`.
 */
export function withTtlCache(source: GatewayConfig, opts: { ttlMs: number; maxEntries?: number }): CachedConfig {
  const max = opts.maxEntries ?? 10_000;
  const keys = new TtlCache<ApiKeyRecord | null>(opts.ttlMs, max);
  const models = new TtlCache<ModelEntry[]>(opts.ttlMs, max);
  return {
    getKeyByDigest: (digest) => keys.get(digest, () => source.getKeyByDigest(digest)),
    listModelsForTenant: (tenantId) => models.get(tenantId, () => source.listModelsForTenant(tenantId)),
    invalidate() {
      keys.clear();
      models.clear();
    },
  };
}
