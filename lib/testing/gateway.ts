/**
 * Rows the data-plane tests need, written directly with Prisma: a tenant with
 * an API key (active, revoked or expired), a provider with models, routes.
 */
import { newSecret, sha256Hex } from "@/lib/crypto";
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
