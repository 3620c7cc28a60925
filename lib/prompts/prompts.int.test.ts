/**
 * Prompts, versions and labels through the real route handlers: immutable
 * numbered versions with author and commit message, a template with an
 * undeclared variable refused (400 naming it, nothing saved), label moves
 * (release, rollback) audited and announced, the protected `production`
 * label, canary splits, bad input (another prompt's version, unknown prompt
 * or version, out-of-range percentage) refused with nothing half-saved, the
 * diff of two versions, and per-version stats from the request log.
 */
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_VERSION_KEY, cancelConfigAnnouncementRetries, parseConfigVersion } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { getRedis, disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import type { TenantRole } from "@/lib/authz/permissions";
import { Prompt, PromptLabel, PromptStats, PromptVersion, PromptVersionDiff, type CreatePromptVersionInput } from "@/lib/prompts/schema";
import { createPrompt, createPromptVersion, movePromptLabel } from "@/lib/prompts/service";
import { adminRequest, createAdminToken, createFeature, createTenant, ctxFor, routeParams, type TestTenant } from "@/lib/testing/factories";
import * as promptsRoute from "@/app/api/admin/tenants/[tenant]/prompts/route";
import * as promptRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/route";
import * as versionsRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/versions/route";
import * as labelRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/labels/[name]/route";
import * as diffRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/diff/route";
import * as statsRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/stats/route";

afterAll(async () => {
  cancelConfigAnnouncementRetries();
  await disconnectRedis();
  await disconnectDb();
});

interface Body<T = unknown> {
  data?: T;
  error?: { message: string; param: string | null; code: string };
}

async function read<T>(res: Response): Promise<{ status: number; body: Body<T> }> {
  return { status: res.status, body: (await res.json()) as Body<T> };
}

async function token(t: TestTenant, role: TenantRole): Promise<string> {
  return (await createAdminToken({ tenant: t, role, name: `${role}-${newId("adminToken").slice(-6)}` })).secret;
}

const base = (t: TestTenant) => `/api/admin/tenants/${t.slug}/prompts`;

const TEMPLATE = [
  { role: "system", content: "You are Acme's support agent." },
  { role: "user", content: "I am {{customer_name}}. {{#vip}}I am a VIP. {{/vip}}Help me sign in." },
];
const VARIABLES = { customer_name: { type: "string" }, vip: { type: "boolean", required: false } };

function versionBody(overrides: Partial<CreatePromptVersionInput> = {}): CreatePromptVersionInput {
  return { template: TEMPLATE, variables: VARIABLES, params: { temperature: 0.2, max_tokens: 200 }, commitMessage: "First version", ...overrides } as CreatePromptVersionInput;
}

function saveVersion(t: TestTenant, tok: string, id: string, body: unknown) {
  return versionsRoute.POST(adminRequest(`${base(t)}/${id}/versions`, { method: "POST", token: tok, body }), routeParams({ tenant: t.slug, id })).then((r) => read<PromptVersion>(r));
}

function putLabel(t: TestTenant, tok: string, id: string, name: string, body: unknown) {
  const req = new Request(`http://127.0.0.1${base(t)}/${id}/labels/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${tok}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return labelRoute.PUT(req, routeParams({ tenant: t.slug, id, name })).then((r) => read<PromptLabel>(r));
}

/** Every row a prompt write could touch for this tenant. */
async function promptState(tenantId: string): Promise<string> {
  const [prompts, versions, labels, audit] = await Promise.all([
    db.prompt.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    db.promptVersion.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    db.promptLabel.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    db.auditLog.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify({ prompts, versions, labels, audit });
}

async function configVersion(): Promise<number> {
  return parseConfigVersion(await getRedis().get(CONFIG_VERSION_KEY));
}

describe("prompts and versions", () => {
  it("creates a prompt and numbered, immutable versions with author and commit message", async () => {
    const t = await createTenant();
    const feature = await createFeature(t);
    const dev = await token(t, "developer");
    const created = await read<Prompt>(
      await promptsRoute.POST(adminRequest(base(t), { method: "POST", token: dev, body: { name: "support-reply", featureId: feature.id } }), routeParams({ tenant: t.slug })),
    );
    expect(created.status).toBe(201);
    const prompt = Prompt.parse(created.body.data);
    expect(prompt).toMatchObject({ name: "support-reply", featureId: feature.id, versions: [], labels: [] });

    const before = await configVersion();
    const v1 = await saveVersion(t, dev, prompt.id, versionBody());
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(PromptVersion.parse(v1.body.data)).toMatchObject({ version: 1, commitMessage: "First version", params: { temperature: 0.2, max_tokens: 200 } });
    expect(await configVersion()).toBeGreaterThan(before);
    const v2 = await saveVersion(t, dev, prompt.id, versionBody({ commitMessage: "Shorter", template: [TEMPLATE[1] as { role: string; content: string }] } as never));
    expect(v2.body.data?.version).toBe(2);

    const got = await read<Prompt>(await promptRoute.GET(adminRequest(`${base(t)}/${prompt.id}`, { token: await token(t, "viewer") }), routeParams({ tenant: t.slug, id: prompt.id })));
    const full = Prompt.parse(got.body.data);
    expect(full.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(full.versions[0]?.author).toMatch(/^developer-/);
    expect(full.versions[0]?.variables).toEqual({ customer_name: { type: "string", required: true, context: false }, vip: { type: "boolean", required: false, context: false } });
    const audit = await db.auditLog.findMany({ where: { tenantId: t.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["prompt:create", "prompt_version:create", "prompt_version:create"]);

    const dup = await read(await promptsRoute.POST(adminRequest(base(t), { method: "POST", token: dev, body: { name: "support-reply" } }), routeParams({ tenant: t.slug })));
    expect(dup.status).toBe(409);
    expect(dup.body.error?.param).toBe("name");
  });

  it("refuses a bad version with a 400 naming the problem, and saves nothing", async () => {
    const t = await createTenant();
    const dev = await token(t, "developer");
    const prompt = await createPrompt(ctxFor(t, "owner"), { name: "p" });
    const state = await promptState(t.id);
    const undeclared = await saveVersion(t, dev, prompt.id, versionBody({ template: [{ role: "user", content: "Hello {{customer_name}}, order {{order_id}}" }] } as never));
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error?.message).toMatch(/undeclared variable 'order_id'/);
    expect(undeclared.body.error?.param).toBe("template.0.content");

    const cases: Array<{ body: unknown; param: string | null }> = [
      { body: versionBody({ commitMessage: "" }), param: "commitMessage" },
      { body: versionBody({ variables: { customer_name: { type: "date" } } } as never), param: "variables.customer_name.type" },
      { body: versionBody({ params: { temperature: 7 } }), param: "params.temperature" },
      { body: versionBody({ template: [{ role: "user", content: "{{#open}} never closed" }], variables: { open: { type: "boolean" } } } as never), param: "template.0.content" },
      { body: { ...versionBody(), template: [] }, param: "template" },
    ];
    for (const c of cases) {
      const res = await saveVersion(t, dev, prompt.id, c.body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error?.param).toBe(c.param);
    }
    const viewer = await saveVersion(t, await token(t, "viewer"), prompt.id, versionBody());
    expect(viewer.status).toBe(403);
    const unknown = await saveVersion(t, dev, "pmt_unknown", versionBody());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.message).toContain("pmt_unknown");
    expect(await promptState(t.id)).toBe(state);
    // The next good version is still number 1: nothing was half-saved.
    expect((await saveVersion(t, dev, prompt.id, versionBody())).body.data?.version).toBe(1);
  });
});

describe("labels", () => {
  async function setup() {
    const t = await createTenant();
    const owner = ctxFor(t, "owner");
    const prompt = await createPrompt(owner, { name: "support-reply" });
    const v1 = await createPromptVersion(owner, prompt.id, versionBody());
    const v2 = await createPromptVersion(owner, prompt.id, versionBody({ commitMessage: "v2" }));
    const other = await createPrompt(owner, { name: "other" });
    const foreign = await createPromptVersion(owner, other.id, versionBody());
    return { t, prompt, v1, v2, foreign };
  }

  it("moving production is the release and the rollback: audited with before/after, announced", async () => {
    const { t, prompt, v1, v2 } = await setup();
    const dev = await token(t, "developer");
    const created = await putLabel(t, dev, prompt.id, "production", { versionId: v1.id });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(PromptLabel.parse(created.body.data)).toMatchObject({ name: "production", versionId: v1.id, version: 1, protected: true, canaryVersionId: null, canaryPercent: 0 });

    const before = await configVersion();
    const release = await putLabel(t, dev, prompt.id, "production", { versionId: v2.id });
    expect(release.body.data).toMatchObject({ version: 2 });
    expect(await configVersion()).toBeGreaterThan(before);
    const rollback = await putLabel(t, dev, prompt.id, "production", { versionId: v1.id });
    expect(rollback.body.data).toMatchObject({ version: 1 });
    const noop = await putLabel(t, dev, prompt.id, "production", { versionId: v1.id });
    expect(noop.status).toBe(200);

    const rows = await db.auditLog.findMany({ where: { tenantId: t.id, resourceType: "prompt_label" }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.action)).toEqual(["prompt_label:create", "prompt_label:move", "prompt_label:move"]);
    expect(rows[1]).toMatchObject({ before: { label: "production", version: 1 }, after: { label: "production", version: 2 } });
    expect(rows[2]).toMatchObject({ before: { version: 2 }, after: { version: 1 } });

    // A custom label is not protected.
    expect((await putLabel(t, dev, prompt.id, "staging", { versionId: v2.id })).body.data).toMatchObject({ name: "staging", protected: false });
  });

  it("support and viewer may not move labels; moving a protected label needs prompts:promote", async () => {
    const { t, prompt, v1, v2 } = await setup();
    await movePromptLabel(ctxFor(t, "owner"), prompt.id, "production", { versionId: v1.id });
    const state = await promptState(t.id);
    for (const role of ["support", "viewer"] as const) {
      const res = await putLabel(t, await token(t, role), prompt.id, "production", { versionId: v2.id });
      expect(res.status).toBe(403);
      expect(await promptState(t.id)).toBe(state);
    }
    // The service's own check, beyond the route's prompts:write: a role without prompts:promote
    // may not move the protected label, and may move an unprotected one.
    await expect(movePromptLabel(ctxFor(t, "support"), prompt.id, "production", { versionId: v2.id })).rejects.toThrow(/prompts:promote/);
    expect(await promptState(t.id)).toBe(state);
    await expect(movePromptLabel(ctxFor(t, "support"), prompt.id, "staging", { versionId: v2.id })).resolves.toMatchObject({ version: 2 });
  });

  it("refuses bad moves with a clear error and changes nothing", async () => {
    const { t, prompt, v1, v2, foreign } = await setup();
    const dev = await token(t, "developer");
    await putLabel(t, dev, prompt.id, "production", { versionId: v1.id });
    const state = await promptState(t.id);
    const cases: Array<{ id?: string; name?: string; body: unknown; status: number; param: string | null; message: RegExp }> = [
      { body: { versionId: foreign.id }, status: 400, param: "versionId", message: /is not a version of prompt 'support-reply'/ },
      { body: { versionId: "pmv_nope" }, status: 400, param: "versionId", message: /pmv_nope/ },
      { body: { versionId: v1.id, canaryVersionId: v2.id, canaryPercent: 150 }, status: 400, param: "canaryPercent", message: /between 0 and 100 \(got 150\)/ },
      { body: { versionId: v1.id, canaryPercent: 10 }, status: 400, param: "canaryPercent", message: /needs canaryVersionId/ },
      { body: { versionId: v1.id, canaryVersionId: v2.id }, status: 400, param: "canaryPercent", message: /required/ },
      { body: { versionId: v1.id, canaryVersionId: v1.id, canaryPercent: 5 }, status: 400, param: "canaryVersionId", message: /differ/ },
      { body: { versionId: v1.id, canaryVersionId: foreign.id, canaryPercent: 5 }, status: 400, param: "canaryVersionId", message: /not a version/ },
      { name: "42", body: { versionId: v1.id }, status: 400, param: "name", message: /all digits/ },
      { id: "pmt_unknown", body: { versionId: v1.id }, status: 404, param: null, message: /prompt 'pmt_unknown' not found/ },
    ];
    for (const c of cases) {
      const res = await putLabel(t, dev, c.id ?? prompt.id, c.name ?? "production", c.body);
      expect(res.status, JSON.stringify(res.body)).toBe(c.status);
      expect(res.body.error?.param).toBe(c.param);
      expect(res.body.error?.message).toMatch(c.message);
    }
    expect(await promptState(t.id)).toBe(state);

    const canary = await putLabel(t, dev, prompt.id, "production", { versionId: v1.id, canaryVersionId: v2.id, canaryPercent: 5 });
    expect(canary.body.data).toMatchObject({ versionId: v1.id, canaryVersionId: v2.id, canaryPercent: 5 });
    const ended = await putLabel(t, dev, prompt.id, "production", { versionId: v2.id });
    expect(ended.body.data).toMatchObject({ versionId: v2.id, canaryVersionId: null, canaryPercent: 0 });
  });
});

describe("diff and stats", () => {
  it("diffs two versions of the prompt; a version of another prompt is a 404 naming it", async () => {
    const t = await createTenant();
    const owner = ctxFor(t, "owner");
    const prompt = await createPrompt(owner, { name: "p" });
    const v1 = await createPromptVersion(owner, prompt.id, versionBody());
    const v2 = await createPromptVersion(owner, prompt.id, versionBody({ template: [TEMPLATE[0], { role: "user", content: "I am {{customer_name}}. Help me reset my password." }], commitMessage: "v2" } as never));
    const other = await createPrompt(owner, { name: "q" });
    const foreign = await createPromptVersion(owner, other.id, versionBody());
    const tok = await token(t, "viewer");
    const url = (from: string, to: string) => `${base(t)}/${prompt.id}/diff?from=${from}&to=${to}`;

    const res = await read<PromptVersionDiff>(await diffRoute.GET(adminRequest(url(v1.id, v2.id), { token: tok }), routeParams({ tenant: t.slug, id: prompt.id })));
    expect(res.status).toBe(200);
    const diff = PromptVersionDiff.parse(res.body.data);
    expect(diff).toMatchObject({ from: 1, to: 2, identical: false });
    const template = diff.sections.find((s) => s.field === "template");
    expect(template?.changed).toBe(true);
    expect(template?.unified).toContain("+I am {{customer_name}}. Help me reset my password.");
    expect(diff.sections.find((s) => s.field === "params")?.changed).toBe(false);

    const bad = await read(await diffRoute.GET(adminRequest(url(v1.id, foreign.id), { token: tok }), routeParams({ tenant: t.slug, id: prompt.id })));
    expect(bad.status).toBe(404);
    expect(bad.body.error?.message).toContain(foreign.id);
    const missing = await read(await diffRoute.GET(adminRequest(`${base(t)}/${prompt.id}/diff?from=${v1.id}`, { token: tok }), routeParams({ tenant: t.slug, id: prompt.id })));
    expect(missing.status).toBe(400);
    expect(missing.body.error?.param).toBe("to");
  });

  it("stats per version from the request log: requests, error rate, p50 latency, cost, negative feedback (last 7 days)", async () => {
    const t = await createTenant();
    const owner = ctxFor(t, "owner");
    const prompt = await createPrompt(owner, { name: "p" });
    const v1 = await createPromptVersion(owner, prompt.id, versionBody());
    const v2 = await createPromptVersion(owner, prompt.id, versionBody({ commitMessage: "v2" }));
    const v3 = await createPromptVersion(owner, prompt.id, versionBody({ commitMessage: "v3" }));
    const log = async (versionId: string, status: "ok" | "error", latencyMs: number, costMicros: bigint, createdAt = new Date()) => {
      const id = newId("request");
      await db.requestLog.create({
        data: { id, createdAt, tenantId: t.id, endpoint: "chat.completions", model: "m", promptVersionId: versionId, status, httpStatus: status === "ok" ? 200 : 502, request: {}, latencyMs, costMicros },
      });
      return id;
    };
    const a = await log(v1.id, "ok", 100, 10n);
    await log(v1.id, "ok", 300, 20n);
    await log(v1.id, "error", 200, 0n);
    await log(v1.id, "ok", 999, 5n, new Date(Date.now() - 8 * 86_400_000)); // outside the window
    const b = await log(v2.id, "ok", 50, 7n);
    await db.feedback.createMany({
      data: [
        { id: newId("feedback"), tenantId: t.id, requestId: a, score: -1 },
        { id: newId("feedback"), tenantId: t.id, requestId: a, score: -1 },
        { id: newId("feedback"), tenantId: t.id, requestId: b, score: 1 },
      ],
    });
    const res = await read<PromptStats>(await statsRoute.GET(adminRequest(`${base(t)}/${prompt.id}/stats`, { token: await token(t, "viewer") }), routeParams({ tenant: t.slug, id: prompt.id })));
    expect(res.status).toBe(200);
    const stats = PromptStats.parse(res.body.data);
    expect(stats.windowDays).toBe(7);
    expect(stats.versions).toEqual([
      { versionId: v3.id, version: 3, requests: 0, errors: 0, errorRate: 0, p50LatencyMs: null, costMicros: "0", negativeFeedback: 0, negativeFeedbackRate: 0 },
      { versionId: v2.id, version: 2, requests: 1, errors: 0, errorRate: 0, p50LatencyMs: 50, costMicros: "7", negativeFeedback: 0, negativeFeedbackRate: 0 },
      { versionId: v1.id, version: 1, requests: 3, errors: 1, errorRate: 1 / 3, p50LatencyMs: 200, costMicros: "30", negativeFeedback: 1, negativeFeedbackRate: 1 / 3 },
    ]);
  });
});
