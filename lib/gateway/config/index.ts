import type { GatewayConfig } from "@/lib/gateway/config/types";
import { forceReload, snapshotReady } from "@/lib/gateway/config/snapshot";

export type * from "@/lib/gateway/config/types";
export { ConfigSnapshot, buildSnapshot, emptySnapshot, type SnapshotCounts, type SnapshotRows } from "@/lib/gateway/config/build";
export { loadSnapshotRows } from "@/lib/gateway/config/load";
export {
  configSyncStats,
  getSnapshot,
  reloadSnapshot,
  snapshotReady,
  snapshotVersion,
  startConfigSync,
  stopConfigSync,
  waitForVersion,
  type ConfigSyncOptions,
  type ConfigSyncStats,
  type ReloadReason,
} from "@/lib/gateway/config/snapshot";

/**
 * E's interface (issue 2), now served from the in-process snapshot: no
 * Postgres query per call. Both methods resolve at once when the snapshot is
 * loaded (server.ts loads it before listening).
 */
const snapshotConfig: GatewayConfig = {
  async getKeyByDigest(digest) {
    return (await snapshotReady()).keyByDigest(digest) ?? null;
  },
  async listModelsForTenant(tenantId) {
    return [...(await snapshotReady()).modelList(tenantId)];
  },
};

let override: GatewayConfig | undefined;

/** The configuration source of this process: the snapshot, unless a test replaced it. */
export function getGatewayConfig(): GatewayConfig {
  return override ?? snapshotConfig;
}

/** Replaces the source (tests); undefined restores the snapshot. */
export function setGatewayConfig(config: GatewayConfig | undefined): void {
  override = config;
}

/**
 * After a test changed rows directly (without publishConfigChange): the next
 * lookups wait for a fresh snapshot. Production code publishes instead.
 */
export function invalidateGatewayConfig(): void {
  forceReload();
}
