import type { Db } from "@/lib/db";
import type { SnapshotRows } from "@/lib/gateway/config/build";

/**
 * Reads everything the snapshot holds: one bulk query per table (never one
 * per tenant), inside one REPEATABLE READ, READ ONLY transaction so the
 * tables agree with each other (a route target never points at a model
 * created after the models were read).
 */
export async function loadSnapshotRows(db: Db): Promise<SnapshotRows> {
  return db.$transaction(
    async (tx) => {
      // Must come before the first query of the transaction.
      await tx.$executeRawUnsafe("SET TRANSACTION READ ONLY");
      const tenants = await tx.tenant.findMany({ select: { id: true, slug: true, name: true, settings: true } });
      const apiKeys = await tx.apiKey.findMany({
        select: { id: true, tenantId: true, hash: true, scopes: true, featureId: true, expiresAt: true, revokedAt: true },
      });
      const features = await tx.feature.findMany({ select: { id: true, tenantId: true, key: true, name: true, config: true } });
      const providers = await tx.provider.findMany({
        select: { id: true, tenantId: true, name: true, kind: true, baseUrl: true, secretCiphertext: true, config: true, enabled: true },
      });
      const providerModels = await tx.providerModel.findMany({
        select: {
          id: true,
          tenantId: true,
          providerId: true,
          name: true,
          contextWindow: true,
          maxOutputTokens: true,
          tokenizer: true,
          supportsEmbeddings: true,
          enabled: true,
          createdAt: true,
        },
        orderBy: [{ name: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      });
      const modelPrices = await tx.modelPrice.findMany({
        select: {
          modelId: true,
          inputPerMTokMicros: true,
          outputPerMTokMicros: true,
          cachedInputPerMTokMicros: true,
          cacheWritePerMTokMicros: true,
          effectiveFrom: true,
        },
        orderBy: [{ modelId: "asc" }, { effectiveFrom: "asc" }],
      });
      const routes = await tx.route.findMany({
        select: { id: true, tenantId: true, featureId: true, alias: true, totalTimeoutMs: true, staticFallback: true, config: true, createdAt: true },
        orderBy: [{ alias: "asc" }, { id: "asc" }],
      });
      const routeTargets = await tx.routeTarget.findMany({
        select: {
          id: true,
          routeId: true,
          modelId: true,
          position: true,
          weight: true,
          timeoutMs: true,
          maxRetries: true,
          failureThreshold: true,
          cooldownMs: true,
          circuitOverride: true,
          enabled: true,
        },
        orderBy: [{ routeId: "asc" }, { position: "asc" }],
      });
      const flags = await tx.flag.findMany({
        select: {
          id: true,
          tenantId: true,
          key: true,
          kind: true,
          scope: true,
          featureId: true,
          routeTargetId: true,
          providerId: true,
          enabled: true,
          rolloutPercent: true,
          rules: true,
          updatedAt: true,
        },
      });
      const optOuts = await tx.endUserOptOut.findMany({ select: { tenantId: true, endUserId: true } });
      const prompts = await tx.prompt.findMany({ select: { id: true, tenantId: true, featureId: true, name: true } });
      const promptVersions = await tx.promptVersion.findMany({
        select: { id: true, promptId: true, version: true, template: true, variables: true, params: true, outputSchema: true },
      });
      const promptLabels = await tx.promptLabel.findMany({
        select: { promptId: true, name: true, versionId: true, canaryVersionId: true, canaryPercent: true, protected: true },
      });
      const budgets = await tx.budget.findMany({
        select: {
          id: true,
          tenantId: true,
          name: true,
          scope: true,
          featureId: true,
          apiKeyId: true,
          endUserId: true,
          period: true,
          limitMicros: true,
          mode: true,
          alertThresholds: true,
          enabled: true,
          createdAt: true,
        },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      const rateLimits = await tx.rateLimit.findMany({
        select: { id: true, tenantId: true, scope: true, featureId: true, apiKeyId: true, requestsPerMinute: true, tokensPerMinute: true, maxConcurrent: true, enabled: true },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return {
        tenants,
        apiKeys,
        features,
        providers,
        providerModels,
        modelPrices,
        routes,
        routeTargets,
        flags,
        optOuts,
        prompts,
        promptVersions,
        promptLabels,
        budgets,
        rateLimits,
      };
    },
    { isolationLevel: "RepeatableRead", maxWait: 10_000, timeout: 60_000 },
  );
}
