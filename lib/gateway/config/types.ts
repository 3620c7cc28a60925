/**
 * What the hot path needs to know about configuration, behind one interface.
 *
 * Today (issue 2) the implementation reads Postgres through a short in-process
 * TTL cache (`postgres.ts` + `ttl-cache.ts`). Issue 3 swaps in the snapshot of
 * DESIGN.md: built from Postgres once, held in memory, dropped or refreshed
 * when the control plane publishes a change on Redis, so the request path does
 * no Postgres query after warm-up. Stages only ever call these methods.
 */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  tenantSlug: string;
  featureId: string | null;
  scopes: readonly string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** An entry of `GET /v1/models`: a route alias or a concrete provider model. */
export interface ModelEntry {
  id: string;
  kind: "route" | "model";
  /** Unix seconds. */
  created: number;
  /** `gatehouse` for route aliases, the provider's name for models. */
  ownedBy: string;
}

export interface GatewayConfig {
  /** The key whose SHA-256 hex digest is `digest`, revoked or expired ones included; null if unknown. */
  getKeyByDigest(digest: string): Promise<ApiKeyRecord | null>;
  /** Route aliases, then enabled models of enabled providers, each id once. */
  listModelsForTenant(tenantId: string): Promise<ModelEntry[]>;
}
