/**
 * Tenant isolation: tenant A gets a row in EVERY tenant-owned model (the list
 * comes from prisma/schema.prisma, so a new model without a row here fails the
 * test); tenant B, with an owner token, reads every list endpoint of the admin
 * API and tries every by-id endpoint with each of A's ids. Nothing of A may
 * come back, every by-id attempt is a 404, and A's rows stay as they were.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { encryptSecret } from "@/lib/crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import {
  adminRequest,
  createAdminToken,
  createApiKey,
  createMemberUser,
  createTenant,
  importRoute,
  listAdminRouteFiles,
  routeParams,
  tenantStateSnapshot,
  type TestTenant,
} from "@/lib/testing/factories";
import { ctxFor } from "@/lib/testing/factories";
import { listApiKeys } from "@/lib/api-keys/service";
import { listMembers } from "@/lib/members/service";
import { listAdminTokens } from "@/lib/admin-tokens/service";
import { listProviders, getProviderSecretForUse } from "@/lib/providers/service";
import { listFeatures } from "@/lib/features/service";
import { listRoutes } from "@/lib/routes/service";
import { listFlags } from "@/lib/flags/service";
import { listPrompts } from "@/lib/prompts/service";
import { listBudgets, listRateLimits } from "@/lib/budgets/service";
import { listGuardPolicies } from "@/lib/guards/service";
import { listEvalRuns, listGoldenSets } from "@/lib/evals/service";
import { listIncidents } from "@/lib/incidents/service";
import { listRunbooks } from "@/lib/runbooks/service";
import { listAlertRules } from "@/lib/alerts/service";
import { listRequests } from "@/lib/requests/service";
import { listAuditLog } from "@/lib/audit/service";
import { getTenantSettings } from "@/lib/tenants/service";

/** Models with a tenantId column, read from the schema itself. */
function tenantOwnedModels(): string[] {
  const schema = readFileSync("prisma/schema.prisma", "utf8");
  const models: string[] = [];
  for (const m of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    if (/^\s+tenantId\s/m.test(m[2] ?? "")) models.push(m[1] ?? "");
  }
  return models;
}

/** One row per tenant-owned model for `t`; returns model -> id. */
async function seedEveryModel(t: TestTenant): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const tenantId = t.id;
  const owner = await createMemberUser(t, "owner");
  ids.Membership = owner.membershipId;
  const feature = await db.feature.create({ data: { id: newId("feature"), tenantId, key: `f-${t.slug}`, name: "Feature A" } });
  ids.Feature = feature.id;
  ids.ApiKey = (await createApiKey(t, { featureId: feature.id })).id;
  ids.AdminToken = (await createAdminToken({ tenant: t, role: "admin" })).id;
  const provider = await db.provider.create({
    data: { id: newId("provider"), tenantId, name: "prov-a", kind: "openai", baseUrl: "https://a.example.test", secretCiphertext: encryptSecret("sk-tenant-a") },
  });
  ids.Provider = provider.id;
  const model = await db.providerModel.create({ data: { id: newId("providerModel"), tenantId, providerId: provider.id, name: "model-a" } });
  ids.ProviderModel = model.id;
  ids.ModelPrice = (await db.modelPrice.create({ data: { id: newId("modelPrice"), tenantId, modelId: model.id, inputPerMTokMicros: 150n, outputPerMTokMicros: 600n } })).id;
  const route = await db.route.create({ data: { id: newId("route"), tenantId, featureId: feature.id, alias: "alias-a" } });
  ids.Route = route.id;
  const target = await db.routeTarget.create({ data: { id: newId("routeTarget"), tenantId, routeId: route.id, modelId: model.id, position: 0 } });
  ids.RouteTarget = target.id;
  ids.Flag = (await db.flag.create({ data: { id: newId("flag"), tenantId, key: "flag-a", kind: "kill_switch", scope: "feature", featureId: feature.id } })).id;
  ids.EndUserOptOut = (await db.endUserOptOut.create({ data: { id: newId("optOut"), tenantId, endUserId: "end-user-a" } })).id;
  const prompt = await db.prompt.create({ data: { id: newId("prompt"), tenantId, featureId: feature.id, name: "prompt-a" } });
  ids.Prompt = prompt.id;
  const version = await db.promptVersion.create({
    data: { id: newId("promptVersion"), tenantId, promptId: prompt.id, version: 1, template: [{ role: "system", content: "Hi {{customer_name}}" }] },
  });
  ids.PromptVersion = version.id;
  ids.PromptLabel = (await db.promptLabel.create({ data: { id: newId("promptLabel"), tenantId, promptId: prompt.id, name: "production", versionId: version.id } })).id;
  const budget = await db.budget.create({ data: { id: newId("budget"), tenantId, name: "budget-a", scope: "tenant", period: "month", limitMicros: 5_000_000n } });
  ids.Budget = budget.id;
  ids.BudgetAlert = (await db.budgetAlert.create({ data: { id: newId("budgetAlert"), tenantId, budgetId: budget.id, periodStart: new Date(), threshold: 50, spentMicros: 1n } })).id;
  ids.RateLimit = (await db.rateLimit.create({ data: { id: newId("rateLimit"), tenantId, scope: "tenant", requestsPerMinute: 60 } })).id;
  ids.GuardPolicy = (await db.guardPolicy.create({ data: { id: newId("guardPolicy"), tenantId, featureId: feature.id } })).id;
  ids.ToolDefinition = (await db.toolDefinition.create({ data: { id: newId("tool"), tenantId, featureId: feature.id, name: "tool-a" } })).id;
  const set = await db.goldenSet.create({ data: { id: newId("goldenSet"), tenantId, featureId: feature.id, name: "set-a" } });
  ids.GoldenSet = set.id;
  const gcase = await db.goldenCase.create({ data: { id: newId("goldenCase"), tenantId, goldenSetId: set.id, input: { customer_name: "A" } } });
  ids.GoldenCase = gcase.id;
  const run = await db.evalRun.create({ data: { id: newId("evalRun"), tenantId, goldenSetId: set.id, promptVersionId: version.id } });
  ids.EvalRun = run.id;
  ids.EvalResult = (await db.evalResult.create({ data: { id: newId("evalResult"), tenantId, evalRunId: run.id, goldenCaseId: gcase.id } })).id;
  const request = await db.requestLog.create({
    data: { id: newId("request"), tenantId, featureId: feature.id, endpoint: "chat.completions", model: "alias-a", status: "ok", httpStatus: 200, request: { messages: [] } },
  });
  ids.RequestLog = request.id;
  ids.Feedback = (await db.feedback.create({ data: { id: newId("feedback"), tenantId, requestId: request.id, score: -1 } })).id;
  ids.UsageRollup = (await db.usageRollup.create({ data: { id: newId("usage"), tenantId, granularity: "hour", bucketStart: new Date() } })).id;
  ids.SemanticCacheEntry = (
    await db.semanticCacheEntry.create({ data: { id: newId("semanticCache"), tenantId, scopeKey: "scope-a", embedding: [0.1, 0.2], response: {}, expiresAt: new Date(Date.now() + 3_600_000) } })
  ).id;
  const runbook = await db.runbook.create({ data: { id: newId("runbook"), tenantId, title: "runbook-a" } });
  ids.Runbook = runbook.id;
  const incident = await db.incident.create({ data: { id: newId("incident"), tenantId, title: "incident-a", signal: "manual", dedupeKey: "dk-a", runbookId: runbook.id } });
  ids.Incident = incident.id;
  ids.IncidentEvent = (await db.incidentEvent.create({ data: { id: newId("incidentEvent"), tenantId, incidentId: incident.id, kind: "note", message: "m" } })).id;
  ids.AlertRule = (await db.alertRule.create({ data: { id: newId("alertRule"), tenantId, name: "rule-a", signal: "error_spike" } })).id;
  ids.AlertChannel = (await db.alertChannel.create({ data: { id: newId("alertChannel"), tenantId, name: "chan-a", kind: "webhook", url: "https://hooks.example.test/a" } })).id;
  ids.AuditLog = (await db.auditLog.create({ data: { id: newId("audit"), tenantId, actorType: "system", action: "test:seed", resourceType: "tenant", resourceId: tenantId } })).id;
  return ids;
}

let a: TestTenant;
let b: TestTenant;
let aIds: Record<string, string>;
let bToken: string;

beforeAll(async () => {
  a = await createTenant();
  b = await createTenant();
  aIds = await seedEveryModel(a);
  await seedEveryModel(b); // B has rows of its own, so "nothing of A" is not just "empty".
  bToken = (await createAdminToken({ tenant: b, role: "owner" })).secret;
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

function leakedIds(text: string): string[] {
  return Object.entries(aIds)
    .filter(([, id]) => text.includes(id))
    .map(([model, id]) => `${model}:${id}`);
}

describe("tenant isolation", () => {
  it("covers every tenant-owned model of the schema", () => {
    const models = tenantOwnedModels();
    expect(models.length).toBeGreaterThan(20);
    for (const m of models) expect(Object.values(Prisma.ModelName)).toContain(m);
    expect(Object.keys(aIds).sort()).toEqual([...models].sort());
    // ...and every row really belongs to A.
    expect(Object.values(aIds).every((id) => id.length > 0)).toBe(true);
  });

  it("B's list endpoints return none of A's rows", async () => {
    const routes = (await listAdminRouteFiles()).filter((r) => r.params.length === 1 && r.params[0] === "tenant");
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      const mod = await importRoute(route.file);
      if (!mod.GET) continue;
      const url = route.path.replace("{tenant}", b.slug);
      const res = await mod.GET(adminRequest(`${url}?limit=200`, { token: bToken }), routeParams({ tenant: b.slug }));
      const text = await res.text();
      expect(res.status, `${route.path}: ${text}`).toBe(200);
      expect(leakedIds(text), route.path).toEqual([]);
      expect(text, route.path).not.toContain(a.slug);
    }
  });

  it("B's services return none of A's rows", async () => {
    const ctx = ctxFor(b, "owner");
    const q = { limit: 200 };
    const results = await Promise.all([
      listApiKeys(ctx), listMembers(ctx), listAdminTokens(ctx), listProviders(ctx), listFeatures(ctx), listRoutes(ctx),
      listFlags(ctx), listPrompts(ctx), listBudgets(ctx), listRateLimits(ctx), listGuardPolicies(ctx), listGoldenSets(ctx),
      listEvalRuns(ctx, q), listIncidents(ctx, q), listRunbooks(ctx), listAlertRules(ctx), listRequests(ctx, q),
      listAuditLog(ctx, q), getTenantSettings(ctx),
    ]);
    const text = JSON.stringify(results, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(text.length).toBeGreaterThan(1000); // B's own rows are there
    expect(leakedIds(text)).toEqual([]);
    await expect(getProviderSecretForUse(b.id, aIds.Provider ?? "")).rejects.toMatchObject({ status: 404 });
  });

  function patchBodyFor(path: string): Record<string, unknown> {
    if (path.includes("/flags/")) return { enabled: false };
    if (path.includes("/members/")) return { role: "viewer" };
    // Budgets and rate limits take strict bodies: a valid one, so the 404 comes from the tenant-scoped lookup.
    if (path.includes("/budgets/") || path.includes("/rate-limits/")) return { enabled: false };
    return { role: "viewer", enabled: false };
  }

  it("B cannot fetch, change or revoke A's rows by id (404) and A's rows stay as they were", async () => {
    const before = await tenantStateSnapshot(a.id);
    const routes = (await listAdminRouteFiles()).filter((r) => r.params.includes("tenant") && r.params.includes("id"));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    let attempts = 0;
    for (const route of routes) {
      const mod = await importRoute(route.file);
      for (const method of ["GET", "PATCH", "DELETE"] as const) {
        const handler = mod[method];
        if (!handler) continue;
        for (const [model, id] of Object.entries(aIds)) {
          // Required query parameters too (the diff needs two versions), so the 404
          // comes from the tenant-scoped lookup rather than a 400 on the query.
          const query = route.path.endsWith("/diff") ? `?from=${id}&to=${id}` : "";
          const url = route.path.replace("{tenant}", b.slug).replace("{id}", id) + query;
          // A body each PATCH route accepts (some inputs are strict objects, which
          // answer 400 to unknown fields before any lookup), so the 404 comes
          // from the tenant-scoped lookup itself.
          const body = method === "PATCH" ? patchBodyFor(route.path) : undefined;
          const res = await handler(adminRequest(url, { method, token: bToken, body }), routeParams({ tenant: b.slug, id }));
          expect(res.status, `${method} ${route.path} with A's ${model}`).toBe(404);
          attempts++;
        }
      }
    }
    expect(attempts).toBeGreaterThan(100);
    expect(await tenantStateSnapshot(a.id)).toBe(before);
  });

  it("B's token cannot address tenant A in the URL at all (404, existence not leaked)", async () => {
    const { GET } = await import("@/app/api/admin/tenants/[tenant]/api-keys/route");
    const res = await GET(adminRequest(`/api/admin/tenants/${a.slug}/api-keys`, { token: bToken }), routeParams({ tenant: a.slug }));
    expect(res.status).toBe(404);
    const unknown = await GET(adminRequest(`/api/admin/tenants/no-such-tenant/api-keys`, { token: bToken }), routeParams({ tenant: "no-such-tenant" }));
    expect(unknown.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`tenant '${a.slug}' not found`);
  });
});
