/**
 * What the hot path knows about configuration.
 *
 * Everything here comes from the in-process snapshot (snapshot.ts): built
 * from Postgres in a few bulk queries, held in memory as immutable maps,
 * swapped whole when the control plane announces a change on Redis
 * (lib/config-events). The request path never queries Postgres.
 */
import type { CircuitOverride, FlagKind, FlagScope, ProviderKind } from "@/lib/generated/prisma/enums";

export type { CircuitOverride, FlagKind, FlagScope, ProviderKind };

export type JsonObject = Readonly<Record<string, unknown>>;

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

/** E's original interface (issue 2); stages may also read the snapshot directly. */
export interface GatewayConfig {
  /** The key whose SHA-256 hex digest is `digest`, revoked or expired ones included; null if unknown. */
  getKeyByDigest(digest: string): Promise<ApiKeyRecord | null>;
  /** Route aliases, then enabled models of enabled providers, each id once. */
  listModelsForTenant(tenantId: string): Promise<ModelEntry[]>;
}

export interface TenantEntry {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly settings: JsonObject;
}

export interface FeatureEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly key: string;
  readonly name: string;
  readonly config: JsonObject;
}

/**
 * A provider with its decrypted API key. The key lives in this process's
 * memory only: `toJSON` and `util.inspect` leave it out, so a stray
 * `log(..., { provider })` or `console.log(provider)` cannot leak it.
 */
export interface ProviderEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly kind: ProviderKind;
  readonly baseUrl: string;
  /** Decrypted secret; null when none is set or it could not be decrypted (see `secretError`). */
  readonly apiKey: string | null;
  /** True when a secret is stored but did not decrypt (wrong GATEHOUSE_ENCRYPTION_KEY). */
  readonly secretError: boolean;
  readonly config: JsonObject;
  readonly enabled: boolean;
}

export interface PriceEntry {
  readonly modelId: string;
  /** Micro-dollars per million tokens. */
  readonly inputPerMTokMicros: bigint;
  readonly outputPerMTokMicros: bigint;
  readonly cachedInputPerMTokMicros: bigint;
  readonly cacheWritePerMTokMicros: bigint;
  readonly effectiveFrom: Date;
}

export interface ProviderModelEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly providerId: string;
  /** The provider's own model id (`gpt-4o-mini`). */
  readonly name: string;
  readonly contextWindow: number;
  readonly maxOutputTokens: number;
  readonly tokenizer: string;
  readonly supportsEmbeddings: boolean;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly provider: ProviderEntry;
}

export interface RouteTargetEntry {
  readonly id: string;
  readonly routeId: string;
  readonly position: number;
  readonly weight: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly circuitOverride: CircuitOverride;
  readonly enabled: boolean;
  readonly model: ProviderModelEntry;
  readonly provider: ProviderEntry;
}

export interface RouteEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly featureId: string | null;
  readonly alias: string;
  readonly totalTimeoutMs: number;
  /** Answer returned when every target failed; null = error out. */
  readonly staticFallback: unknown;
  readonly config: JsonObject;
  /** Ordered by position: primary first. Disabled targets included (check `enabled`). */
  readonly targets: readonly RouteTargetEntry[];
  readonly createdAt: Date;
}

export interface FlagEntry {
  readonly id: string;
  /** null: a platform-wide flag (the global kill switch). */
  readonly tenantId: string | null;
  readonly key: string;
  readonly kind: FlagKind;
  readonly scope: FlagScope;
  readonly featureId: string | null;
  readonly routeTargetId: string | null;
  readonly providerId: string | null;
  readonly enabled: boolean;
  readonly rolloutPercent: number;
  /** Targeting rules as stored (lib/flags/schema.ts); evaluated by the switches stage. */
  readonly rules: readonly unknown[];
  readonly updatedAt: Date;
}

export interface PromptVersionEntry {
  readonly id: string;
  readonly promptId: string;
  readonly version: number;
  readonly template: unknown;
  readonly variables: JsonObject;
  readonly params: JsonObject;
  readonly outputSchema: unknown;
}

export interface PromptLabelEntry {
  readonly name: string;
  readonly version: PromptVersionEntry;
  /** Canary: `canaryPercent`% of end-users (sticky) get this version instead. */
  readonly canaryVersion: PromptVersionEntry | null;
  readonly canaryPercent: number;
  readonly protected: boolean;
}

export interface PromptEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly featureId: string | null;
  readonly name: string;
  /** By version number. */
  readonly versions: ReadonlyMap<number, PromptVersionEntry>;
  /** By label name (`production`, `staging`, ...). */
  readonly labels: ReadonlyMap<string, PromptLabelEntry>;
}

export type BudgetScope = "tenant" | "feature" | "api_key" | "end_user" | "tenant_feature";
export type BudgetPeriod = "day" | "month" | "total";

/**
 * An enabled budget (issue 5). `featureId` / `apiKeyId` / `endUserId` null
 * on a feature, api_key or end_user budget means "each one separately" (every
 * key gets its own counter of this size); set, the budget covers that one
 * only. `tenant_feature` is always per feature (each feature of the tenant).
 */
export interface BudgetEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: BudgetScope;
  readonly featureId: string | null;
  readonly apiKeyId: string | null;
  readonly endUserId: string | null;
  readonly period: BudgetPeriod;
  readonly limitMicros: bigint;
  readonly hard: boolean;
  readonly alertThresholds: readonly number[];
  /** A `total` budget counts spend from here on. */
  readonly createdAt: Date;
}

export type RateLimitScope = "api_key" | "end_user" | "tenant" | "feature" | "ip";

/**
 * An enabled rate limit. Counted per subject of its scope (each key, each
 * end-user, the tenant, each feature, each client IP); `apiKeyId` narrows an
 * api_key limit to one key, `featureId` narrows any limit to one feature's
 * requests. `maxConcurrent` applies to api_key limits only.
 */
export interface RateLimitEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly scope: RateLimitScope;
  readonly featureId: string | null;
  readonly apiKeyId: string | null;
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
  readonly maxConcurrent: number | null;
}
