/**
 * Rows the data-plane tests need, written directly with Prisma: a tenant with
 * an API key (active, revoked or expired), a provider with models, routes.
 */
import { encryptSecret, newSecret, sha256Hex } from "@/lib/crypto";
import type { CircuitOverride, ProviderKind } from "@/lib/generated/prisma/enums";
import type { Db } from "@/lib/db";
import { newId } from "@/lib/ids";

export interface GatewayFixture {
  tenantId: string;
  slug: string;
  key: string;
  revokedKey: string;
  expiredKey: string;
  /** What GET /v1/models must list, in order. */
  modelIds: string[];
}

async function createKey(db: Db, tenantId: string, opts: { revokedAt?: Date; expiresAt?: Date } = {}): Promise<string> {
  const secret = newSecret("gh_test");
  await db.apiKey.create({
    data: {
      id: newId("apiKey"),
      tenantId,
      name: "test key",
      prefix: secret.slice(0, 12),
      hash: sha256Hex(secret),
      revokedAt: opts.revokedAt ?? null,
      expiresAt: opts.expiresAt ?? null,
    },
  });
  return secret;
}

export async function createGatewayFixture(db: Db, label = "gw"): Promise<GatewayFixture> {
  const slug = `${label}-${newId("tenant").slice(-8)}`;
  const tenantId = newId("tenant");
  await db.tenant.create({ data: { id: tenantId, slug, name: `Tenant ${slug}` } });

  const providerId = newId("provider");
  await db.provider.create({ data: { id: providerId, tenantId, name: "sim-openai", kind: "openai", baseUrl: "http://127.0.0.1:4010/v1" } });
  const disabledProviderId = newId("provider");
  await db.provider.create({
    data: { id: disabledProviderId, tenantId, name: "sim-off", kind: "openai", baseUrl: "http://127.0.0.1:4010/v1", enabled: false },
  });
  await db.providerModel.createMany({
    data: [
      { id: newId("providerModel"), tenantId, providerId, name: "gpt-4o-mini" },
      { id: newId("providerModel"), tenantId, providerId, name: "gpt-4o" },
      { id: newId("providerModel"), tenantId, providerId, name: "old-model", enabled: false },
      { id: newId("providerModel"), tenantId, providerId: disabledProviderId, name: "hidden-model" },
    ],
  });
  await db.route.createMany({
    data: [
      { id: newId("route"), tenantId, alias: "support-reply" },
      { id: newId("route"), tenantId, alias: "summarise" },
    ],
  });

  return {
    tenantId,
    slug,
    key: await createKey(db, tenantId),
    revokedKey: await createKey(db, tenantId, { revokedAt: new Date() }),
    expiredKey: await createKey(db, tenantId, { expiresAt: new Date(Date.now() - 60_000) }),
    modelIds: ["summarise", "support-reply", "gpt-4o", "gpt-4o-mini"],
  };
}

// ---------------------------------------------------------------- builders for the data-plane tests (tests/gateway)


export const SIM_PROVIDER_SECRET = "sk-sim-test-secret";

/** The base URL a provider of `kind` needs to reach the simulator at `simUrl`. */
export function simBaseUrl(kind: ProviderKind, simUrl: string): string {
  return kind === "openai" || kind === "openai_compatible" ? `${simUrl}/v1` : simUrl;
}

export interface TestTenant {
  tenantId: string;
  slug: string;
  key: string;
  revokedKey: string;
}

/** A tenant with an active and a revoked key (no models or routes). */
export async function createTestTenant(db: Db, label = "dp"): Promise<TestTenant> {
  const slug = `${label}-${newId("tenant").slice(-8)}`;
  const tenantId = newId("tenant");
  await db.tenant.create({ data: { id: tenantId, slug, name: `Tenant ${slug}` } });
  return { tenantId, slug, key: await createKey(db, tenantId), revokedKey: await createKey(db, tenantId, { revokedAt: new Date() }) };
}

/** Another key of the tenant, with scopes and a default feature. */
export async function addKey(db: Db, tenantId: string, opts: { scopes?: string[]; featureId?: string | null } = {}): Promise<string> {
  const secret = newSecret("gh_test");
  await db.apiKey.create({
    data: { id: newId("apiKey"), tenantId, name: "scoped key", prefix: secret.slice(0, 12), hash: sha256Hex(secret), scopes: opts.scopes ?? [], featureId: opts.featureId ?? null },
  });
  return secret;
}

export async function addFeature(db: Db, tenantId: string, key: string): Promise<string> {
  const id = newId("feature");
  await db.feature.create({ data: { id, tenantId, key, name: key } });
  return id;
}

/** A provider pointing at the simulator, with an (encrypted) key the simulator accepts. */
export async function addSimProvider(
  db: Db,
  tenantId: string,
  opts: { name: string; kind: ProviderKind; simUrl: string; config?: Record<string, unknown>; enabled?: boolean },
): Promise<string> {
  const id = newId("provider");
  await db.provider.create({
    data: {
      id,
      tenantId,
      name: opts.name,
      kind: opts.kind,
      baseUrl: simBaseUrl(opts.kind, opts.simUrl),
      secretCiphertext: encryptSecret(SIM_PROVIDER_SECRET),
      config: (opts.config ?? {}) as object,
      enabled: opts.enabled ?? true,
    },
  });
  return id;
}

export interface TestPrice {
  /** Micro-dollars per million tokens. */
  input: bigint;
  output: bigint;
  cached?: bigint;
  effectiveFrom?: Date;
}

export async function addModel(
  db: Db,
  tenantId: string,
  providerId: string,
  name: string,
  opts: { supportsEmbeddings?: boolean; prices?: TestPrice[] } = {},
): Promise<string> {
  const id = newId("providerModel");
  await db.providerModel.create({ data: { id, tenantId, providerId, name, supportsEmbeddings: opts.supportsEmbeddings ?? false } });
  for (const p of opts.prices ?? []) {
    await db.modelPrice.create({
      data: {
        id: newId("modelPrice"),
        tenantId,
        modelId: id,
        inputPerMTokMicros: p.input,
        outputPerMTokMicros: p.output,
        cachedInputPerMTokMicros: p.cached ?? 0n,
        effectiveFrom: p.effectiveFrom ?? new Date(0),
      },
    });
  }
  return id;
}

export interface TestTarget {
  modelId: string;
  /** Default: the index in the chain. Equal positions form a load-balanced group. */
  position?: number;
  timeoutMs?: number;
  maxRetries?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  weight?: number;
  circuitOverride?: CircuitOverride;
  enabled?: boolean;
}

/** A route with its chain (positions in array order unless given); returns the route and target ids. */
export async function addRoute(
  db: Db,
  tenantId: string,
  opts: { alias: string; targets: TestTarget[]; featureId?: string | null; totalTimeoutMs?: number; staticFallback?: unknown; config?: Record<string, unknown> },
): Promise<{ routeId: string; targetIds: string[] }> {
  const routeId = newId("route");
  await db.route.create({
    data: {
      id: routeId,
      tenantId,
      alias: opts.alias,
      featureId: opts.featureId ?? null,
      totalTimeoutMs: opts.totalTimeoutMs ?? 30_000,
      ...(opts.staticFallback !== undefined ? { staticFallback: opts.staticFallback as object } : {}),
      config: (opts.config ?? {}) as object,
    },
  });
  const targetIds: string[] = [];
  for (const [position, t] of opts.targets.entries()) {
    const id = newId("routeTarget");
    targetIds.push(id);
    await db.routeTarget.create({
      data: {
        id,
        tenantId,
        routeId,
        modelId: t.modelId,
        position: t.position ?? position,
        weight: t.weight ?? 1,
        timeoutMs: t.timeoutMs ?? 10_000,
        maxRetries: t.maxRetries ?? 0,
        failureThreshold: t.failureThreshold ?? 1000,
        cooldownMs: t.cooldownMs ?? 30_000,
        circuitOverride: t.circuitOverride ?? "none",
        enabled: t.enabled ?? true,
      },
    });
  }
  return { routeId, targetIds };
}
