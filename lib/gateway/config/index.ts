import { db } from "@/lib/db";
import { createPostgresConfig } from "@/lib/gateway/config/postgres";
import { withTtlCache, type CachedConfig } from "@/lib/gateway/config/ttl-cache";
import type { GatewayConfig } from "@/lib/gateway/config/types";

export type { ApiKeyRecord, GatewayConfig, ModelEntry } from "@/lib/gateway/config/types";

/**
 * How long a looked-up key or model list is trusted. Short, because nothing
 * invalidates it yet: a key revoked in the dashboard stops working within this
 * time. Issue 3 replaces this with the Redis-invalidated snapshot (DESIGN.md,
 * "The hot path reads configuration from an in-process snapshot").
 */
export const CONFIG_CACHE_TTL_MS = 2_000;

let current: GatewayConfig | undefined;

/** The configuration source of this process (Postgres behind a TTL cache until issue 3). */
export function getGatewayConfig(): GatewayConfig {
  current ??= withTtlCache(createPostgresConfig(db), { ttlMs: CONFIG_CACHE_TTL_MS });
  return current;
}

/** Replaces the source (tests, or the snapshot of issue 3). */
export function setGatewayConfig(config: GatewayConfig | undefined): void {
  current = config;
}

/** Forgets cached configuration, e.g. after a test changed rows directly. */
export function invalidateGatewayConfig(): void {
  if (current && "invalidate" in current) (current as CachedConfig).invalidate();
}
