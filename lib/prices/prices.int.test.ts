/**
 * The price table's control plane through the real route handler: history is
 * append-only (a new price is a new row, effective from now or later, never
 * in the past), each change is audited and announced to the gateways, roles
 * are enforced, and one tenant never sees or prices another's models.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { configChannel, parseConfigMessage, type ConfigMessage } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { newId } from "@/lib/ids";
import { disconnectRedis } from "@/lib/redis";
import { ModelPrices, dollarsToMicros, microsToDollars } from "@/lib/prices/schema";
import { createPrice, listPrices } from "@/lib/prices/service";
import { adminRequest, createAdminToken, createProvider, createTenant, ctxFor, routeParams, type TestTenant } from "@/lib/testing/factories";
import { eventually } from "@/lib/testing/spawn";
import { testEnv } from "@/lib/testing/env";
import type { TenantRole } from "@/lib/authz/permissions";
import * as pricesRoute from "@/app/api/admin/tenants/[tenant]/prices/route";

let sub: Redis;
const received: ConfigMessage[] = [];

beforeAll(async () => {
  sub = new Redis(testEnv.REDIS_URL);
  sub.on("message", (_ch: string, raw: string) => {
    const m = parseConfigMessage(raw);
    if (m) received.push(m);
  });
  await sub.subscribe(configChannel(sub.options.db ?? 0));
});

afterAll(async () => {
  sub?.disconnect();
  await disconnectRedis();
  await disconnectDb();
});

async function addModel(t: TestTenant, name: string): Promise<string> {
  const provider = await createProvider(t);
  const id = newId("providerModel");
  await db.providerModel.create({ data: { id, tenantId: t.id, providerId: provider.id, name } });
  return id;
}

const base = (t: TestTenant) => `/api/admin/tenants/${t.slug}/prices`;

async function post(t: TestTenant, token: string, body: unknown): Promise<Response> {
  return pricesRoute.POST(adminRequest(base(t), { method: "POST", token, body }), routeParams({ tenant: t.slug }));
}

async function list(t: TestTenant, token: string): Promise<ModelPrices[]> {
  const res = await pricesRoute.GET(adminRequest(base(t), { token }), routeParams({ tenant: t.slug }));
  expect(res.status).toBe(200);
  return z.object({ data: z.array(ModelPrices) }).parse(await res.json()).data;
}

describe("prices API", () => {
  it("adds prices as new rows, keeps history, schedules future ones, audits and announces each", async () => {
    const t = await createTenant();
    const modelId = await addModel(t, "gpt-4o-mini");
    const { secret: token } = await createAdminToken({ tenant: t, role: "admin" });

    expect((await list(t, token)).find((m) => m.modelId === modelId)).toMatchObject({ modelName: "gpt-4o-mini", current: null, prices: [] });

    const first = await post(t, token, { modelId, inputPerMTokMicros: "150000", outputPerMTokMicros: "600000", cachedInputPerMTokMicros: "75000" });
    expect(first.status).toBe(201);
    const afterFirst = ModelPrices.parse(((await first.json()) as { data: unknown }).data);
    expect(afterFirst.current).toMatchObject({ inputPerMTokMicros: "150000", outputPerMTokMicros: "600000", cachedInputPerMTokMicros: "75000", cacheWritePerMTokMicros: "0", status: "current" });
    const firstId = afterFirst.current?.id;
    await eventually(async () => received.find((m) => m.kind === "price" && m.id === modelId && m.tenantId === t.id));

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await post(t, token, { modelId, inputPerMTokMicros: "200000", outputPerMTokMicros: "800000", effectiveFrom: later });
    expect(scheduled.status).toBe(201);
    const now2 = await post(t, token, { modelId, inputPerMTokMicros: "180000", outputPerMTokMicros: "700000" });
    expect(now2.status).toBe(201);

    const m = (await list(t, token)).find((x) => x.modelId === modelId);
    expect(m?.prices.map((p) => [p.inputPerMTokMicros, p.status])).toEqual([
      ["200000", "scheduled"],
      ["180000", "current"],
      ["150000", "past"],
    ]);
    expect(m?.current?.inputPerMTokMicros).toBe("180000");
    // History untouched: the first row is still there as it was.
    const firstRow = await db.modelPrice.findUniqueOrThrow({ where: { id: firstId ?? "" } });
    expect(firstRow.inputPerMTokMicros).toBe(150_000n);
    expect(await db.modelPrice.count({ where: { modelId } })).toBe(3);

    const audits = await db.auditLog.findMany({ where: { tenantId: t.id, action: "price:create" }, orderBy: { createdAt: "asc" } });
    expect(audits).toHaveLength(3);
    expect(audits[0]?.after).toMatchObject({ modelId, inputPerMTokMicros: "150000", modelName: "gpt-4o-mini" });
    expect(audits[0]?.actorType).toBe("admin_token");
  });

  it("refuses a past start, a clash, bad amounts and unknown models with a clear 4xx, changing nothing", async () => {
    const t = await createTenant();
    const modelId = await addModel(t, "claude-x");
    const { secret: token } = await createAdminToken({ tenant: t, role: "owner" });
    const at = new Date(Date.now() + 86_400_000).toISOString();

    const past = await post(t, token, { modelId, inputPerMTokMicros: "1", outputPerMTokMicros: "1", effectiveFrom: new Date(Date.now() - 3_600_000).toISOString() });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: "effectiveFrom" });

    expect((await post(t, token, { modelId, inputPerMTokMicros: "1", outputPerMTokMicros: "1", effectiveFrom: at })).status).toBe(201);
    const clash = await post(t, token, { modelId, inputPerMTokMicros: "2", outputPerMTokMicros: "2", effectiveFrom: at });
    expect(clash.status).toBe(409);

    for (const bad of [
      { modelId, inputPerMTokMicros: "-5", outputPerMTokMicros: "1" },
      { modelId, inputPerMTokMicros: "1.5", outputPerMTokMicros: "1" },
      { modelId, inputPerMTokMicros: "1", outputPerMTokMicros: "99999999999999" },
      { modelId, inputPerMTokMicros: 1, outputPerMTokMicros: "1" },
      { modelId, outputPerMTokMicros: "1" },
    ]) {
      const res = await post(t, token, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await post(t, token, { modelId: "mdl_doesnotexist", inputPerMTokMicros: "1", outputPerMTokMicros: "1" })).status).toBe(404);
    expect(await db.modelPrice.count({ where: { modelId } })).toBe(1);
  });

  it("lets owners and admins add prices, every role read them", async () => {
    const t = await createTenant();
    const modelId = await addModel(t, "m-roles");
    const roles: TenantRole[] = ["owner", "admin", "developer", "support", "viewer"];
    for (const role of roles) {
      const { secret } = await createAdminToken({ tenant: t, role });
      const res = await post(t, secret, { modelId, inputPerMTokMicros: "1", outputPerMTokMicros: "1", effectiveFrom: new Date(Date.now() + roles.indexOf(role) * 60_000 + 60_000).toISOString() });
      expect(res.status, role).toBe(role === "owner" || role === "admin" ? 201 : 403);
      expect((await list(t, secret)).length, role).toBeGreaterThan(0);
    }
    // The service checks the role too (not only the route wrapper).
    await expect(createPrice(ctxFor({ id: t.id, slug: t.slug }, "developer"), { modelId, inputPerMTokMicros: "1", outputPerMTokMicros: "1", cachedInputPerMTokMicros: "0", cacheWritePerMTokMicros: "0" })).rejects.toMatchObject({ status: 403 });
    expect(await db.modelPrice.count({ where: { modelId } })).toBe(2);
  });

  it("never shows or prices another tenant's model", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const modelOfB = await addModel(b, "b-only");
    const { secret: tokenA } = await createAdminToken({ tenant: a, role: "owner" });
    expect((await post(a, tokenA, { modelId: modelOfB, inputPerMTokMicros: "1", outputPerMTokMicros: "1" })).status).toBe(404);
    expect((await list(a, tokenA)).some((m) => m.modelId === modelOfB)).toBe(false);
    expect(await listPrices(ctxFor({ id: b.id, slug: b.slug }, "viewer"))).toHaveLength(1);
    expect(await db.modelPrice.count({ where: { modelId: modelOfB } })).toBe(0);
  });
});

describe("dollar amounts", () => {
  it("convert exactly between dollars and micro-dollars", () => {
    expect(dollarsToMicros("2.50")).toBe("2500000");
    expect(dollarsToMicros("$0.075")).toBe("75000");
    expect(dollarsToMicros("15")).toBe("15000000");
    expect(dollarsToMicros(".5")).toBe("500000");
    expect(dollarsToMicros("0.0000001")).toBeNull();
    expect(dollarsToMicros("-1")).toBeNull();
    expect(dollarsToMicros("abc")).toBeNull();
    expect(dollarsToMicros("")).toBeNull();
    expect(microsToDollars("2500000")).toBe("2.50");
    expect(microsToDollars("75000")).toBe("0.075");
    expect(microsToDollars(1n)).toBe("0.000001");
    expect(microsToDollars("15000000")).toBe("15.00");
  });
});
