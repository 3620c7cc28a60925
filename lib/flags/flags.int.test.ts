/**
 * Flags, kill switches and end-user opt-outs through the real route handlers
 * (admin tokens of each role run the same wrapper the browser's session
 * does): who may create and flip what, the audit row in the same
 * transaction, the announcement on Redis after the commit, bad input refused
 * with a 400 naming the field and nothing half-saved, the global kill switch
 * for platform admins only.
 */
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_VERSION_KEY, cancelConfigAnnouncementRetries, parseConfigVersion } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { getRedis, disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import type { TenantRole } from "@/lib/authz/permissions";
import { AuditLogEntry } from "@/lib/audit/schema";
import { Flag, OptOut } from "@/lib/flags/schema";
import { createFlag } from "@/lib/flags/service";
import { adminRequest, createAdminToken, createFeature, createTenant, ctxFor, routeParams, unique, type TestTenant } from "@/lib/testing/factories";
import * as flagsRoute from "@/app/api/admin/tenants/[tenant]/flags/route";
import * as flagRoute from "@/app/api/admin/tenants/[tenant]/flags/[id]/route";
import * as historyRoute from "@/app/api/admin/tenants/[tenant]/flags/[id]/history/route";
import * as globalFlagsRoute from "@/app/api/admin/global-flags/route";
import * as globalFlagRoute from "@/app/api/admin/global-flags/[id]/route";
import * as optOutsRoute from "@/app/api/admin/tenants/[tenant]/opt-outs/route";

afterAll(async () => {
  cancelConfigAnnouncementRetries();
  await disconnectRedis();
  await disconnectDb();
});

type Actor = TenantRole | "platform";

async function tokenFor(actor: Actor, t: TestTenant): Promise<string> {
  if (actor === "platform") return (await createAdminToken({ tenant: null })).secret;
  return (await createAdminToken({ tenant: t, role: actor, name: `${actor}-token` })).secret;
}

interface Body<T = unknown> {
  data?: T;
  error?: { message: string; param: string | null; code: string };
}

async function read<T>(res: Response): Promise<{ status: number; body: Body<T> }> {
  return { status: res.status, body: (await res.json()) as Body<T> };
}

const path = (t: TestTenant, rest = "") => `/api/admin/tenants/${t.slug}/flags${rest}`;

function post(t: TestTenant, token: string, body: unknown) {
  return flagsRoute.POST(adminRequest(path(t), { method: "POST", token, body }), routeParams({ tenant: t.slug })).then((r) => read<Flag>(r));
}

function patch(t: TestTenant, token: string, id: string, body: unknown) {
  return flagRoute.PATCH(adminRequest(path(t, `/${id}`), { method: "PATCH", token, body }), routeParams({ tenant: t.slug, id })).then((r) => read<Flag>(r));
}

async function configVersion(): Promise<number> {
  return parseConfigVersion(await getRedis().get(CONFIG_VERSION_KEY));
}

/** Every row a flag write could touch for this tenant. */
async function flagState(tenantId: string): Promise<string> {
  const [flags, audit] = await Promise.all([
    db.flag.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    db.auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify({ flags, audit });
}

describe("creating flags", () => {
  it("creates a release flag (201) with the caller as default owner, audited and announced", async () => {
    const t = await createTenant();
    const token = await tokenFor("developer", t);
    const before = await configVersion();
    const { status, body } = await post(t, token, { key: "new-checkout", kind: "release", scope: "tenant", enabled: true, rolloutPercent: 20 });
    expect(status, JSON.stringify(body)).toBe(201);
    const flag = Flag.parse(body.data);
    expect(flag).toMatchObject({ key: "new-checkout", kind: "release", scope: "tenant", enabled: true, rolloutPercent: 20, owner: "developer-token", isGlobal: false, rules: [] });
    const audit = await db.auditLog.findMany({ where: { tenantId: t.id, resourceId: flag.id } });
    expect(audit.map((a) => a.action)).toEqual(["flag:create"]);
    expect(audit[0]?.actorLabel).toBe("developer-token");
    expect(await configVersion()).toBeGreaterThan(before);
  });

  it("refuses bad input with a 400 naming the field and saves nothing", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const foreignFeature = await createFeature(other);
    const token = await tokenFor("owner", t);
    await post(t, token, { key: "taken", kind: "release", scope: "tenant" });
    const state = await flagState(t.id);
    const cases: Array<{ body: Record<string, unknown>; status: number; param: string | null; message: RegExp }> = [
      { body: { key: "a", kind: "release", scope: "tenant", rolloutPercent: 150 }, status: 400, param: "rolloutPercent", message: /between 0 and 100 \(got 150\)/ },
      { body: { key: "a", kind: "release", scope: "tenant", rolloutPercent: -1 }, status: 400, param: "rolloutPercent", message: /between 0 and 100/ },
      {
        body: { key: "a", kind: "experiment", scope: "tenant", rules: [{ conditions: [], rolloutPercent: 101 }] },
        status: 400,
        param: "rules.0.rolloutPercent",
        message: /got 101/,
      },
      { body: { key: "a", kind: "release", scope: "feature" }, status: 400, param: "featureId", message: /needs a featureId/ },
      { body: { key: "a", kind: "release", scope: "feature", featureId: foreignFeature.id }, status: 400, param: "featureId", message: /no feature/ },
      { body: { key: "a", kind: "kill_switch", scope: "global" }, status: 400, param: "scope", message: /platform-wide/ },
      { body: { key: "bad key!", kind: "release", scope: "tenant" }, status: 400, param: "key", message: /flag key/ },
      { body: { key: "taken", kind: "release", scope: "tenant" }, status: 409, param: "key", message: /already exists/ },
    ];
    for (const c of cases) {
      const { status, body } = await post(t, token, c.body);
      expect(status, JSON.stringify(body)).toBe(c.status);
      expect(body.error?.param).toBe(c.param);
      expect(body.error?.message).toMatch(c.message);
    }
    expect(await flagState(t.id)).toBe(state);
  });
});

describe("who may flip what", () => {
  // Written out from the issue, independently of ROLE_PERMISSIONS.
  const FLIP_KILL_SWITCH: Actor[] = ["owner", "admin", "platform"];
  const FLIP_RELEASE_FLAG: Actor[] = ["owner", "admin", "developer", "platform"];
  const ACTORS: Actor[] = ["owner", "admin", "developer", "support", "viewer", "platform"];

  for (const kind of ["kill_switch", "release"] as const) {
    for (const actor of ACTORS) {
      const allowed = (kind === "kill_switch" ? FLIP_KILL_SWITCH : FLIP_RELEASE_FLAG).includes(actor);
      it(`${actor} ${allowed ? "may" : "may not"} flip a ${kind}`, async () => {
        const t = await createTenant();
        const flag = await createFlag(ctxFor(t, "owner"), { key: unique("f"), kind, scope: "tenant", enabled: false });
        const token = await tokenFor(actor, t);
        const state = await flagState(t.id);
        const { status, body } = await patch(t, token, flag.id, { enabled: true });
        if (allowed) {
          expect(status, JSON.stringify(body)).toBe(200);
          expect(body.data).toMatchObject({ id: flag.id, enabled: true });
          const rows = await db.auditLog.findMany({ where: { tenantId: t.id, resourceId: flag.id }, orderBy: { createdAt: "asc" } });
          expect(rows.map((r) => r.action)).toEqual(["flag:create", "flag:enable"]);
          expect(rows[1]?.before).toMatchObject({ enabled: false });
          expect(rows[1]?.after).toMatchObject({ enabled: true });
        } else {
          expect(status, JSON.stringify(body)).toBe(403);
          expect(body.error?.code).toBe("forbidden");
          if (kind === "kill_switch" && actor === "developer") expect(body.error?.message).toMatch(/kill_switches:write/);
          expect(await flagState(t.id)).toBe(state);
        }
      });
    }
  }

  it("a developer may not create a kill switch, nor turn a flag into one", async () => {
    const t = await createTenant();
    const token = await tokenFor("developer", t);
    const state = await flagState(t.id);
    expect((await post(t, token, { key: "ks", kind: "kill_switch", scope: "tenant" })).status).toBe(403);
    expect(await flagState(t.id)).toBe(state);
    const flag = await createFlag(ctxFor(t, "owner"), { key: "rel", kind: "release", scope: "tenant" });
    const before = await flagState(t.id);
    expect((await patch(t, token, flag.id, { kind: "kill_switch" })).status).toBe(403);
    expect(await flagState(t.id)).toBe(before);
  });
});

describe("editing flags", () => {
  it("re-validates the whole flag, writes nothing for a no-op, and lists the history newest first", async () => {
    const t = await createTenant();
    const feature = await createFeature(t);
    const token = await tokenFor("admin", t);
    const flag = Flag.parse((await post(t, token, { key: "ramp", kind: "release", scope: "tenant", enabled: true, rolloutPercent: 5 })).body.data);

    const state = await flagState(t.id);
    const bad = await patch(t, token, flag.id, { scope: "feature" });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.param).toBe("featureId");
    expect((await patch(t, token, flag.id, { rolloutPercent: 100.5 })).body.error?.param).toBe("rolloutPercent");
    const rename = await patch(t, token, flag.id, { key: "renamed" });
    expect(rename.status).toBe(400);
    expect(rename.body.error?.message).toMatch(/key/);
    expect(await flagState(t.id)).toBe(state);

    const version = await configVersion();
    const same = await patch(t, token, flag.id, { enabled: true, rolloutPercent: 5 });
    expect(same.status).toBe(200);
    expect(await flagState(t.id)).toBe(state);
    expect(await configVersion()).toBe(version);

    expect((await patch(t, token, flag.id, { rolloutPercent: 50 })).body.data).toMatchObject({ rolloutPercent: 50 });
    expect((await patch(t, token, flag.id, { scope: "feature", featureId: feature.id })).body.data).toMatchObject({ scope: "feature", featureId: feature.id });
    expect((await patch(t, token, flag.id, { enabled: false })).body.data).toMatchObject({ enabled: false });

    const res = await historyRoute.GET(adminRequest(path(t, `/${flag.id}/history`), { token: await tokenFor("viewer", t) }), routeParams({ tenant: t.slug, id: flag.id }));
    expect(res.status).toBe(200);
    const history = ((await res.json()) as { data: unknown[] }).data.map((r) => AuditLogEntry.parse(r));
    expect(history.map((h) => h.action)).toEqual(["flag:disable", "flag:update", "flag:update", "flag:create"]);
    expect(history[1]?.after).toMatchObject({ scope: "feature", featureId: feature.id });

    const unknown = await flagRoute.GET(adminRequest(path(t, "/flg_nope"), { token }), routeParams({ tenant: t.slug, id: "flg_nope" }));
    expect(unknown.status).toBe(404);
  });

  it("a flag of another tenant is a 404", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const flag = await createFlag(ctxFor(a, "owner"), { key: "mine", kind: "release", scope: "tenant" });
    const res = await patch(b, await tokenFor("owner", b), flag.id, { enabled: true });
    expect(res.status).toBe(404);
    expect((await db.flag.findUniqueOrThrow({ where: { id: flag.id } })).enabled).toBe(false);
  });
});

describe("global flags (the global kill switch)", () => {
  it("platform admins only; tenants see them read-only, with their history", async () => {
    const t = await createTenant();
    const id = newId("flag");
    // A global kill switch limited by its rule to a tenant that does not exist: flipping it stops nobody.
    await db.flag.create({
      data: {
        id,
        tenantId: null,
        key: unique("global-ks"),
        kind: "kill_switch",
        scope: "global",
        owner: "platform",
        rules: [{ conditions: [{ attribute: "tenantId", op: "eq", value: "ten_nobody" }] }],
      },
    });
    const owner = await tokenFor("owner", t);
    const platform = await tokenFor("platform", t);

    const list = await globalFlagsRoute.GET(adminRequest("/api/admin/global-flags", { token: owner }), routeParams({}));
    expect(list.status).toBe(403);
    const refused = await globalFlagRoute.PATCH(adminRequest(`/api/admin/global-flags/${id}`, { method: "PATCH", token: owner, body: { enabled: true } }), routeParams({ id }));
    expect(refused.status).toBe(403);
    expect((await patch(t, owner, id, { enabled: true })).status).toBe(403);
    expect((await db.flag.findUniqueOrThrow({ where: { id } })).enabled).toBe(false);

    const listed = await read<Flag[]>(await globalFlagsRoute.GET(adminRequest("/api/admin/global-flags", { token: platform }), routeParams({})));
    expect(listed.body.data?.map((f) => f.id)).toContain(id);
    const before = await configVersion();
    const flipped = await read<Flag>(
      await globalFlagRoute.PATCH(adminRequest(`/api/admin/global-flags/${id}`, { method: "PATCH", token: platform, body: { enabled: true } }), routeParams({ id })),
    );
    expect(flipped.status).toBe(200);
    expect(flipped.body.data).toMatchObject({ id, enabled: true, isGlobal: true });
    expect(await configVersion()).toBeGreaterThan(before);
    const audit = await db.auditLog.findMany({ where: { resourceId: id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "flag:enable", tenantId: null, actorType: "admin_token" });

    // Tenants list it (global first) and read its history.
    const tenantList = await read<Flag[]>(await flagsRoute.GET(adminRequest(path(t), { token: owner }), routeParams({ tenant: t.slug })));
    expect(tenantList.body.data?.find((f) => f.id === id)).toMatchObject({ isGlobal: true, enabled: true });
    const history = await read<unknown[]>(await historyRoute.GET(adminRequest(path(t, `/${id}/history`), { token: owner }), routeParams({ tenant: t.slug, id })));
    expect(history.body.data).toHaveLength(1);

    await globalFlagRoute.PATCH(adminRequest(`/api/admin/global-flags/${id}`, { method: "PATCH", token: platform, body: { enabled: false } }), routeParams({ id }));
    expect((await db.flag.findUniqueOrThrow({ where: { id } })).enabled).toBe(false);
  });
});

describe("end-user opt-outs", () => {
  const oPath = (t: TestTenant) => `/api/admin/tenants/${t.slug}/opt-outs`;

  it("adds (201, then 200 unchanged), lists, removes (body or query), audited; support may not write", async () => {
    const t = await createTenant();
    const token = await tokenFor("admin", t);
    const add = (endUserId: unknown, tok = token) =>
      optOutsRoute.POST(adminRequest(oPath(t), { method: "POST", token: tok, body: { endUserId } }), routeParams({ tenant: t.slug })).then((r) => read<OptOut>(r));

    const first = await add("user-42");
    expect(first.status).toBe(201);
    expect(OptOut.parse(first.body.data).endUserId).toBe("user-42");
    const again = await add("user-42");
    expect(again.status).toBe(200);
    expect(again.body.data?.id).toBe(first.body.data?.id);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "opt_out:add" } })).toBe(1);

    expect((await add("")).body.error?.param).toBe("endUserId");
    const support = await add("user-43", await tokenFor("support", t));
    expect(support.status).toBe(403);
    await add("user-44");

    const list = (await (await optOutsRoute.GET(adminRequest(oPath(t), { token: await tokenFor("viewer", t) }), routeParams({ tenant: t.slug }))).json()) as {
      data: OptOut[];
      nextCursor: string | null;
    };
    expect(list.data.map((o) => o.endUserId)).toEqual(["user-44", "user-42"]);

    const del = await optOutsRoute.DELETE(adminRequest(`${oPath(t)}?endUserId=user-42`, { method: "DELETE", token }), routeParams({ tenant: t.slug }));
    expect(del.status).toBe(200);
    const delBody = await optOutsRoute.DELETE(adminRequest(oPath(t), { method: "DELETE", token, body: { endUserId: "user-44" } }), routeParams({ tenant: t.slug }));
    expect(delBody.status).toBe(200);
    const missing = await read(await optOutsRoute.DELETE(adminRequest(`${oPath(t)}?endUserId=user-42`, { method: "DELETE", token }), routeParams({ tenant: t.slug })));
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toContain("user-42");
    expect(await db.endUserOptOut.count({ where: { tenantId: t.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "opt_out:remove" } })).toBe(2);
  });
});
