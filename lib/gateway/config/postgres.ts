import type { Db } from "@/lib/db";
import type { ApiKeyRecord, GatewayConfig, ModelEntry } from "@/lib/gateway/config/types";

/** Reads configuration straight from Postgres: one query per call (wrap it in the TTL cache). */
export function createPostgresConfig(db: Db): GatewayConfig {
  return {
    async getKeyByDigest(digest: string): Promise<ApiKeyRecord | null> {
      const key = await db.apiKey.findUnique({
        where: { hash: digest },
        select: {
          id: true,
          tenantId: true,
          featureId: true,
          scopes: true,
          expiresAt: true,
          revokedAt: true,
          tenant: { select: { slug: true } },
        },
      });
      if (!key) return null;
      return {
        id: key.id,
        tenantId: key.tenantId,
        tenantSlug: key.tenant.slug,
        featureId: key.featureId,
        scopes: key.scopes,
        expiresAt: key.expiresAt,
        revokedAt: key.revokedAt,
      };
    },

    async listModelsForTenant(tenantId: string): Promise<ModelEntry[]> {
      const [routes, models] = await Promise.all([
        db.route.findMany({ where: { tenantId }, select: { alias: true, createdAt: true }, orderBy: { alias: "asc" } }),
        db.providerModel.findMany({
          where: { tenantId, enabled: true, provider: { enabled: true } },
          select: { name: true, createdAt: true, provider: { select: { name: true } } },
          orderBy: [{ name: "asc" }, { createdAt: "asc" }],
        }),
      ]);
      const seen = new Set<string>();
      const out: ModelEntry[] = [];
      for (const r of routes) {
        seen.add(r.alias);
        out.push({ id: r.alias, kind: "route", created: unixSeconds(r.createdAt), ownedBy: "gatehouse" });
      }
      // Two providers may serve a model of the same name: list the name once
      // (a route alias of that name shadows it, as it does when routing).
      for (const m of models) {
        if (seen.has(m.name)) continue;
        seen.add(m.name);
        out.push({ id: m.name, kind: "model", created: unixSeconds(m.createdAt), ownedBy: m.provider.name });
      }
      return out;
    },
  };
}

function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
