/**
 * Live control against a running gateway (child process), the simulator and
 * a worker writing the request log: every change is made through the
 * control-plane services (commit + audit + publish) and the gateway obeys
 * without a restart.
 *
 * - kill switches: tenant, feature, global (503 feature_disabled naming the
 *   switch, or the feature's / route's static answer, in JSON, SSE and the
 *   Anthropic format), provider / model / route target (the target skipped
 *   like an open circuit); the log row shows the switch; the simulator never
 *   sees a stopped request;
 * - the end-user AI opt-out: never sent to a model;
 * - prompts by reference: rendering, the merge rule, default params,
 *   variables validated (400 naming them), unknown prompt / label / version
 *   (404 naming it), the version recorded; a label move; a canary split by
 *   percentage, sticky per end-user and monotone as it ramps;
 * - OFREP checked with the official OpenFeature server SDK and the OFREP
 *   provider from npm, plus the bulk endpoint's ETag and the Web adapter;
 * - the prompt playground (the admin route runs the pipeline in-process).
 *
 * Every test runs through both adapters (node:http at /v1 and /ofrep, the
 * Web adapter at /api/v1 and /api/ofrep; tests/gateway/harness.ts).
 */
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { OpenFeature, type Client as OpenFeatureClient } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelConfigAnnouncementRetries } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { isInRollout } from "@/lib/flags/bucket";
import { addOptOut, removeOptOut } from "@/lib/flags/opt-outs";
import { createFlag, updateFlag, updateGlobalFlag } from "@/lib/flags/service";
import { stopConfigSync } from "@/lib/gateway/config";
import { stopRecorder } from "@/lib/gateway/record";
import { closeAllPools } from "@/lib/gateway/upstream/pool";
import { newId } from "@/lib/ids";
import type { TenantCtx } from "@/lib/authz/context";
import { PlaygroundResult, type CreatePromptVersionInput } from "@/lib/prompts/schema";
import { createPrompt, createPromptVersion, movePromptLabel } from "@/lib/prompts/service";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { disconnectRedis } from "@/lib/redis";
import { adminRequest, createAdminToken, ctxFor, platformCtxFor, routeParams } from "@/lib/testing/factories";
import { addFeature, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import type { Child } from "@/lib/testing/spawn";
import * as playgroundRoute from "@/app/api/admin/tenants/[tenant]/prompts/[id]/playground/route";
import * as ofrepWebRoute from "@/app/api/ofrep/[...path]/route";
import { ADAPTERS, anthropic, eventually, openai, problemLines, startGateway, startSim, startWorker, type GatewayHandle, type SimHandle } from "./harness";

let sim: SimHandle;
let gw: GatewayHandle;
let worker: Child;
let t: TestTenant;
let owner: TenantCtx;
let providerId: string;
const model: Record<string, string> = {};
let mainTargets: string[];
let supportFeature: string;
let draftsFeature: string;

const SUPPORT_STATIC = "Support answers are paused; a human will reply within a day.";
const ROUTE_STATIC = "This route answers statically right now.";

// The simulator and the request-log worker serve both adapters. Each adapter gets its own
// tenant (so its own flags, prompts and opt-outs: a switch flipped in one run never
// reaches the other's) and its own gateway process.
beforeAll(async () => {
  sim = await startSim();
  worker = await startWorker();
});

afterAll(async () => {
  await OpenFeature.close();
  worker?.kill();
  await sim?.sim.close();
  cancelConfigAnnouncementRetries();
  await stopRecorder();
  await stopConfigSync();
  await closeAllPools({ force: true });
  await closeQueues();
  await closeProducerConnection();
  await disconnectRedis();
  await disconnectDb();
});

interface Reply {
  status: number;
  headers: Headers;
  json: {
    error?: { message: string; type: string; param: string | null; code: string | null };
    choices?: Array<{ message: { content: string | null } }>;
  } & Record<string, unknown>;
  requestId: string;
}

interface Ask {
  model?: string;
  content?: string;
  user?: string;
  feature?: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  path?: string;
}

async function ask(a: Ask = {}): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${t.key}`, ...a.headers };
  if (a.feature) headers["x-gatehouse-feature"] = a.feature;
  const body = a.body ?? {
    model: a.model ?? "lc-main",
    messages: [{ role: "user", content: a.content ?? "Where is my order?" }],
    ...(a.user ? { user: a.user } : {}),
  };
  const res = await fetch(`${gw.url}${a.path ?? "/v1/chat/completions"}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Reply["json"], requestId: res.headers.get("x-request-id") ?? "" };
}

/** Asks until the gateway answers `status` (it applies each change within milliseconds of the publish). */
async function askUntil(status: number, a: Ask = {}): Promise<Reply> {
  return eventually(async () => {
    const r = await ask(a);
    return r.status === status ? r : undefined;
  }, { what: `HTTP ${status}` });
}

interface LogRow {
  status: string;
  httpStatus: number;
  errorCode: string | null;
  servedBy: string | null;
  fallbackReason: string | null;
  promptVersionId: string | null;
  apiKeyId: string | null;
  endUserId: string | null;
  request: Record<string, unknown>;
  attempts: Array<{ target: string; status: string; errorClass: string | null }>;
  metadata: Record<string, unknown>;
}

async function logRow(requestId: string): Promise<LogRow> {
  const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: requestId } })) ?? undefined, { what: `request_logs ${requestId}` });
  return row as unknown as LogRow;
}

/** Did any upstream request the simulator received carry this text? */
function simSaw(text: string): boolean {
  return sim.sim.requests({ limit: 1000 }).some((r) => JSON.stringify(r.body).includes(text));
}

const content = (r: Reply) => r.json.choices?.[0]?.message.content;

// ---------------------------------------------------------------- prompts (templates)

const VARIABLES = { customer_name: { type: "string" }, vip: { type: "boolean", required: false } };
function version(system: string, commitMessage: string): CreatePromptVersionInput {
  return {
    template: [
      { role: "system", content: system },
      { role: "user", content: "I am {{customer_name}}.{{#vip}} I am a VIP.{{/vip}} I cannot sign in." },
    ],
    variables: VARIABLES,
    params: { temperature: 0.3, max_tokens: 77, model: "lc-main" },
    commitMessage,
  } as CreatePromptVersionInput;
}

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  beforeAll(async () => {
    t = await createTestTenant(db, `live-${adapter}`);
    owner = ctxFor({ id: t.tenantId, slug: t.slug }, "owner");
    providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
    for (const name of ["lc-primary", "lc-fallback", "lc-static"]) model[name] = await addModel(db, t.tenantId, providerId, name, { supportsEmbeddings: true });
    supportFeature = await addFeature(db, t.tenantId, "support");
    await db.feature.update({ where: { id: supportFeature }, data: { config: { staticFallback: { role: "assistant", content: SUPPORT_STATIC } } } });
    draftsFeature = await addFeature(db, t.tenantId, "drafts");
    mainTargets = (await addRoute(db, t.tenantId, { alias: "lc-main", targets: [{ modelId: model["lc-primary"] as string }, { modelId: model["lc-fallback"] as string }] })).targetIds;
    await addRoute(db, t.tenantId, { alias: "lc-static", targets: [{ modelId: model["lc-static"] as string }], staticFallback: { role: "assistant", content: ROUTE_STATIC } });
    // The prompt tests find their request upstream by a marker in a person's name (`Ada-...`); the default
    // guard policy would send it as [PERSON_1] (tests/gateway/guards.int.test.ts covers redaction): here PII is only logged.
    await db.guardPolicy.create({ data: { id: newId("guardPolicy"), tenantId: t.tenantId, featureId: null, config: { pii: { mode: "log" } } } });
    gw = await startGateway({}, adapter);
  });

  afterAll(() => {
    gw?.child.kill();
  });

  describe("kill switches", () => {
    it("a killed tenant gets 503 feature_disabled naming the switch, logged with it, never sent to a model; the static answer where configured", async () => {
      const ks = await createFlag(owner, { key: "lc-tenant-kill", kind: "kill_switch", scope: "tenant", enabled: true });
      try {
        await askUntil(503);
        const marker = `marker-${newId("request")}`;
        const r = await ask({ content: marker });
        expect(r.status).toBe(503);
        expect(r.json.error).toMatchObject({ code: "feature_disabled", type: "server_error" });
        expect(r.json.error?.message).toContain("'lc-tenant-kill'");
        expect(simSaw(marker)).toBe(false);
        const row = await logRow(r.requestId);
        expect(row).toMatchObject({ status: "blocked", httpStatus: 503, errorCode: "feature_disabled" });
        expect(row.metadata.killSwitch).toEqual({ key: "lc-tenant-kill", id: ks.id, scope: "tenant", reason: "STATIC" });

        // The feature's static answer: JSON, SSE (OpenAI SDK) and the Anthropic format.
        const s = await ask({ feature: "support", content: marker });
        expect(s.status).toBe(200);
        expect(content(s)).toBe(SUPPORT_STATIC);
        expect(s.headers.get("x-gatehouse-kill-switch")).toBe("lc-tenant-kill");
        expect(s.headers.get("x-gatehouse-target")).toBe("static");
        const sRow = await logRow(s.requestId);
        expect(sRow).toMatchObject({ status: "fallback", errorCode: "feature_disabled", servedBy: "static", fallbackReason: "kill_switch" });
        expect(sRow.metadata.killSwitch).toMatchObject({ key: "lc-tenant-kill" });

        const stream = await openai(gw.url, t.key, { "x-gatehouse-feature": "support" }).chat.completions.create({
          model: "lc-main",
          messages: [{ role: "user", content: marker }],
          stream: true,
        });
        let streamed = "";
        for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
        expect(streamed).toBe(SUPPORT_STATIC);

        const msg = await anthropic(gw.url, t.key, { "x-gatehouse-feature": "support" }).messages.create({
          model: "lc-main",
          max_tokens: 50,
          messages: [{ role: "user", content: marker }],
        });
        expect(msg.content[0]).toMatchObject({ type: "text", text: SUPPORT_STATIC });

        // The route's static answer when the feature has none.
        const routeStatic = await ask({ model: "lc-static", content: marker });
        expect(routeStatic.status).toBe(200);
        expect(content(routeStatic)).toBe(ROUTE_STATIC);

        // Embeddings have no static answer: refused.
        const emb = await ask({ path: "/v1/embeddings", body: { model: "lc-main", input: marker } });
        expect(emb.status).toBe(503);
        expect(emb.json.error?.code).toBe("feature_disabled");
        expect(simSaw(marker)).toBe(false);
      } finally {
        await updateFlag(owner, ks.id, { enabled: false });
      }
      const back = await askUntil(200);
      expect(content(back)).toBeTruthy();
    });

    it("a feature kill switch stops that feature only", async () => {
      const ks = await createFlag(owner, { key: "lc-drafts-kill", kind: "kill_switch", scope: "feature", featureId: draftsFeature, enabled: true });
      try {
        const r = await askUntil(503, { feature: "drafts" });
        expect(r.json.error?.message).toMatch(/feature 'drafts'.*'lc-drafts-kill'/);
        expect((await logRow(r.requestId)).metadata.killSwitch).toMatchObject({ key: "lc-drafts-kill", scope: "feature" });
        expect((await ask({ feature: "support" })).status).toBe(200);
        expect((await ask()).status).toBe(200);
      } finally {
        await updateFlag(owner, ks.id, { enabled: false });
      }
      await askUntil(200, { feature: "drafts" });
    });

    it("the global kill switch stops every AI call (limited here by its rule to this tenant)", async () => {
      const id = newId("flag");
      await db.flag.create({
        data: {
          id,
          tenantId: null,
          key: `lc-global-${id.slice(-6)}`,
          kind: "kill_switch",
          scope: "global",
          owner: "platform",
          rules: [{ conditions: [{ attribute: "tenantId", op: "eq", value: t.tenantId }] }],
        },
      });
      const platform = platformCtxFor();
      await updateGlobalFlag(platform, id, { enabled: true });
      try {
        const r = await askUntil(503);
        expect(r.json.error?.message).toContain("every AI call");
        expect((await logRow(r.requestId)).metadata.killSwitch).toMatchObject({ id, scope: "global", reason: "TARGETING_MATCH" });
      } finally {
        await updateGlobalFlag(platform, id, { enabled: false });
      }
      await askUntil(200);
    });

    it("a provider, model or route-target kill switch skips the target like an open circuit", async () => {
      const byModel = await createFlag(owner, { key: "lc-model-kill", kind: "kill_switch", scope: "target", providerId: model["lc-primary"], enabled: true });
      try {
        const r = await eventually(async () => {
          const x = await ask();
          return x.headers.get("x-gatehouse-target") === "sim-openai/lc-fallback" ? x : undefined;
        });
        expect(r.status).toBe(200);
        const row = await logRow(r.requestId);
        expect(row.fallbackReason).toBe("kill_switch");
        expect(row.attempts.map((a) => [a.target, a.status, a.errorClass])).toEqual([
          ["sim-openai/lc-primary", "skipped", "kill_switch"],
          ["sim-openai/lc-fallback", "ok", null],
        ]);

        // The fallback target killed too (by its route-target id): nothing is left, the clear error names the switches.
        const byTarget = await createFlag(owner, { key: "lc-target-kill", kind: "kill_switch", scope: "target", routeTargetId: mainTargets[1], enabled: true });
        try {
          const none = await askUntil(503);
          expect(none.json.error?.code).toBe("unavailable");
          expect(none.json.error?.message).toMatch(/lc-model-kill.*lc-target-kill/);
        } finally {
          await updateFlag(owner, byTarget.id, { enabled: false });
        }
      } finally {
        await updateFlag(owner, byModel.id, { enabled: false });
      }

      // The whole provider: a route with a static answer closes with it.
      const byProvider = await createFlag(owner, { key: "lc-provider-kill", kind: "kill_switch", scope: "target", providerId, enabled: true });
      try {
        const marker = `marker-${newId("request")}`;
        const r = await eventually(async () => {
          const x = await ask({ model: "lc-static", content: marker });
          return content(x) === ROUTE_STATIC ? x : undefined;
        });
        const row = await logRow(r.requestId);
        expect(row.attempts).toMatchObject([{ target: "sim-openai/lc-static", status: "skipped", errorClass: "kill_switch" }]);
        expect(row.servedBy).toBe("static");
      } finally {
        await updateFlag(owner, byProvider.id, { enabled: false });
      }
      await eventually(async () => ((await ask({ model: "lc-static" })).headers.get("x-gatehouse-target") === "sim-openai/lc-static" ? true : undefined));
    });
  });

  describe("end-user AI opt-out", () => {
    it("an opted-out end-user is never sent to a model", async () => {
      const user = `opted-${newId("request").slice(-8)}`;
      await addOptOut(owner, user);
      try {
        await askUntil(503, { user });
        // Probes before the opt-out arrived went upstream, legitimately: look only at what came after.
        const since = Math.max(0, ...sim.sim.requests({ limit: 1000 }).map((r) => r.seq));
        const marker = `marker-${newId("request")}`;
        for (const a of [{ user, content: marker }, { headers: { "x-gatehouse-user": user }, content: marker }]) {
          const r = await ask(a);
          expect(r.status).toBe(503);
          expect(r.json.error?.code).toBe("feature_disabled");
          expect(r.json.error?.message).toMatch(/opted out/);
          const row = await logRow(r.requestId);
          expect(row.endUserId).toBe(user);
          expect(row.metadata.killSwitch).toEqual({ key: "end_user_opt_out", scope: "end_user" });
        }
        const statik = await ask({ user, feature: "support", content: marker });
        expect(content(statik)).toBe(SUPPORT_STATIC);
        expect(simSaw(marker)).toBe(false);
        expect(sim.sim.requests({ limit: 1000 }).some((r) => r.seq > since && JSON.stringify(r.body).includes(user))).toBe(false);
        expect((await ask({ user: `${user}-other` })).status).toBe(200);
      } finally {
        await removeOptOut(owner, user);
      }
      await askUntil(200, { user });
    });
  });

  // ---------------------------------------------------------------- prompts

  describe("prompts by reference", () => {
    let promptId: string;
    let v1: { id: string };
    let v2: { id: string };

    beforeAll(async () => {
      const p = await createPrompt(owner, { name: "lc-support", featureId: supportFeature });
      promptId = p.id;
      v1 = await createPromptVersion(owner, p.id, version("You are Acme support, version one.", "v1"));
      v2 = await createPromptVersion(owner, p.id, version("You are Acme support, version two.", "v2"));
      await movePromptLabel(owner, p.id, "production", { versionId: v1.id });
    });

    /** The request the simulator received for this marker. */
    function upstream(marker: string): Record<string, unknown> {
      const rec = sim.sim.requests({ limit: 1000 }).find((r) => JSON.stringify(r.body).includes(marker));
      if (!rec) throw new Error(`the simulator saw no request with ${marker}`);
      return rec.body as Record<string, unknown>;
    }

    it("renders the label's version, prepends it to the caller's messages, fills default params, records the version", async () => {
      const name = `Ada-${newId("request").slice(-8)}`;
      const r = await askUntil(200, { body: { model: "lc-main", prompt: { name: "lc-support", variables: { customer_name: name } } } });
      expect(r.headers.get("x-gatehouse-prompt-version")).toBe("1");
      const sent = upstream(name);
      expect(sent.messages).toEqual([
        { role: "system", content: "You are Acme support, version one." },
        { role: "user", content: `I am ${name}. I cannot sign in.` },
      ]);
      expect(sent).toMatchObject({ model: "lc-primary", temperature: 0.3, max_tokens: 77 });
      expect(sent).not.toHaveProperty("prompt");
      const row = await logRow(r.requestId);
      expect(row.promptVersionId).toBe(v1.id);
      expect(row.metadata.prompt).toEqual({ name: "lc-support", version: 1, label: "production", canary: false });
      expect(row.request).not.toHaveProperty("prompt");

      // Rendered messages first, then the caller's; the caller's parameters win; a pinned version.
      const other = `Grace-${newId("request").slice(-8)}`;
      const pinned = await ask({
        body: {
          model: "lc-main",
          temperature: 0.9,
          prompt: { name: "lc-support", version: 2, variables: { customer_name: other, vip: true } },
          messages: [{ role: "user", content: "Also: my invoice is wrong." }],
        },
      });
      expect(pinned.status).toBe(200);
      expect(pinned.headers.get("x-gatehouse-prompt-version")).toBe("2");
      const sent2 = upstream(other);
      expect(sent2.messages).toEqual([
        { role: "system", content: "You are Acme support, version two." },
        { role: "user", content: `I am ${other}. I am a VIP. I cannot sign in.` },
        { role: "user", content: "Also: my invoice is wrong." },
      ]);
      expect(sent2).toMatchObject({ temperature: 0.9, max_tokens: 77 });
      expect((await logRow(pinned.requestId)).promptVersionId).toBe(v2.id);

      // The header form, with variables in their own header; and the Anthropic format.
      const third = `Linus-${newId("request").slice(-8)}`;
      const viaHeader = await ask({
        headers: { "x-gatehouse-prompt": "lc-support@production", "x-gatehouse-prompt-variables": JSON.stringify({ customer_name: third }) },
        body: { model: "lc-main" },
      });
      expect(viaHeader.status).toBe(200);
      expect((upstream(third).messages as unknown[])[1]).toEqual({ role: "user", content: `I am ${third}. I cannot sign in.` });
      const fourth = `Barbara-${newId("request").slice(-8)}`;
      const viaAnthropic = await ask({
        path: "/v1/messages",
        body: { model: "lc-main", max_tokens: 40, messages: [{ role: "user", content: "Thanks!" }], prompt: { name: "lc-support", variables: { customer_name: fourth } } },
      });
      expect(viaAnthropic.status).toBe(200);
      expect(viaAnthropic.headers.get("x-gatehouse-prompt-version")).toBe("1");
      expect(JSON.stringify(upstream(fourth))).toContain("You are Acme support, version one.");
      // The caller's max_tokens is the limit: the version's max_tokens does not ride along as a second one.
      expect(upstream(fourth)).toMatchObject({ max_completion_tokens: 40 });
      expect(upstream(fourth)).not.toHaveProperty("max_tokens");
    });

    it("/v1/messages with only the prompt (no messages, no max_tokens): rendered, the version's max_tokens applies, an Anthropic answer", async () => {
      const name = `Edsger-${newId("request").slice(-8)}`;
      const r = await ask({ path: "/v1/messages", body: { model: "lc-main", prompt: { name: "lc-support", variables: { customer_name: name } } } });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toMatchObject({ type: "message", role: "assistant" });
      expect((r.json.content as Array<{ type: string; text: string }>)[0]?.type).toBe("text");
      expect(r.headers.get("x-gatehouse-prompt-version")).toBe("1");
      const sent = upstream(name);
      expect(sent.messages).toEqual([
        { role: "system", content: "You are Acme support, version one." },
        { role: "user", content: `I am ${name}. I cannot sign in.` },
      ]);
      expect(sent).toMatchObject({ temperature: 0.3, max_tokens: 77 });
      expect(sent).not.toHaveProperty("prompt");
      expect((await logRow(r.requestId)).promptVersionId).toBe(v1.id);

      // The string form and the header form too; and the caller's system comes after the rendered messages.
      const other = `Barbara-${newId("request").slice(-8)}`;
      const byString = await ask({ path: "/v1/messages", body: { model: "lc-main", system: `Caller system ${other}`, prompt: "lc-support@production" } });
      // customer_name is required: the string form carries no variables -> 400 naming it, in Anthropic's error shape.
      expect(byString.status).toBe(400);
      expect(byString.json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
      expect(JSON.stringify(byString.json)).toContain("customer_name");
      const viaHeader = await ask({
        path: "/v1/messages",
        headers: { "x-gatehouse-prompt": "lc-support@1", "x-gatehouse-prompt-variables": JSON.stringify({ customer_name: other }) },
        body: { model: "lc-main", system: `Caller system ${other}` },
      });
      expect(viaHeader.status, JSON.stringify(viaHeader.json)).toBe(200);
      expect(upstream(`I am ${other}`).messages).toEqual([
        { role: "system", content: "You are Acme support, version one." },
        { role: "user", content: `I am ${other}. I cannot sign in.` },
        { role: "system", content: `Caller system ${other}` },
      ]);

      // Without a prompt, messages and max_tokens stay required.
      const bare = await ask({ path: "/v1/messages", body: { model: "lc-main" } });
      expect(bare.status).toBe(400);
      expect(bare.json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    });

    it("refuses bad references: variables (400 naming them), unknown prompt, label or version (404 naming it)", async () => {
      const cases: Array<{ body?: Record<string, unknown>; headers?: Record<string, string>; status: number; param: string | null; message: RegExp }> = [
        { body: { prompt: { name: "lc-support", variables: {} } }, status: 400, param: "prompt.variables.customer_name", message: /Missing prompt variable 'customer_name'/ },
        { body: { prompt: { name: "lc-support", variables: { customer_name: 42 } } }, status: 400, param: "prompt.variables.customer_name", message: /must be a string/ },
        { body: { prompt: { name: "lc-support", variables: { customer_name: "A", vip: "yes" } } }, status: 400, param: "prompt.variables.vip", message: /must be a boolean/ },
        { body: { prompt: { name: "lc-support", variables: { customer_name: "A", order: 1 } } }, status: 400, param: "prompt.variables.order", message: /Unknown prompt variable 'order'/ },
        { body: { prompt: { name: "no-such-prompt", variables: {} } }, status: 404, param: "prompt.name", message: /Unknown prompt 'no-such-prompt'/ },
        { body: { prompt: { name: "lc-support", label: "qa", variables: {} } }, status: 404, param: "prompt.label", message: /no label 'qa'.*production/ },
        { body: { prompt: { name: "lc-support", version: 9, variables: {} } }, status: 404, param: "prompt.version", message: /no version 9/ },
        { body: { prompt: { name: "lc-support", label: "production", version: 1 } }, status: 400, param: "prompt.label", message: /either label or version/ },
        { headers: { "x-gatehouse-prompt": "lc-support@qa" }, status: 404, param: "x-gatehouse-prompt", message: /no label 'qa'/ },
        { headers: { "x-gatehouse-prompt": "no-such@1" }, status: 404, param: "x-gatehouse-prompt", message: /Unknown prompt 'no-such'/ },
      ];
      const marker = `marker-${newId("request")}`;
      for (const c of cases) {
        const r = await ask({ headers: c.headers, body: { model: "lc-main", messages: [{ role: "user", content: marker }], ...c.body } });
        expect(r.status, JSON.stringify(r.json)).toBe(c.status);
        expect(r.json.error?.param).toBe(c.param);
        expect(r.json.error?.message).toMatch(c.message);
      }
      expect(simSaw(marker)).toBe(false);
    });

    it("moving the label releases a new version everywhere, and moving it back rolls back", async () => {
      await movePromptLabel(owner, promptId, "production", { versionId: v2.id });
      const body = { model: "lc-main", prompt: { name: "lc-support", variables: { customer_name: "Ada" } } };
      const r = await eventually(async () => {
        const x = await ask({ body });
        return x.headers.get("x-gatehouse-prompt-version") === "2" ? x : undefined;
      });
      expect((await logRow(r.requestId)).promptVersionId).toBe(v2.id);
      await movePromptLabel(owner, promptId, "production", { versionId: v1.id });
      await eventually(async () => ((await ask({ body })).headers.get("x-gatehouse-prompt-version") === "1" ? true : undefined));
    });

    it("a canary splits traffic by percentage, sticky per end-user, and ramping keeps the users already in", { timeout: 120_000 }, async () => {
      await movePromptLabel(owner, promptId, "production", { versionId: v1.id, canaryVersionId: v2.id, canaryPercent: 20 });
      const users = Array.from({ length: 600 }, (_, i) => `canary-user-${i}`);
      const askAs = async (user: string): Promise<string | null> => {
        const r = await ask({ body: { model: "lc-main", user, prompt: { name: "lc-support", variables: { customer_name: "Ada" } } } });
        expect(r.status).toBe(200);
        return r.headers.get("x-gatehouse-prompt-version");
      };
      const expected = (user: string, percent: number) => (isInRollout(promptId, v2.id, user, percent) ? "2" : "1");
      // Wait for the canary to arrive: the first user the split sends to version 2 gets it.
      const probe = users.find((u) => expected(u, 20) === "2") as string;
      await eventually(async () => ((await askAs(probe)) === "2" ? true : undefined));

      const seen = new Map<string, string | null>();
      for (let i = 0; i < users.length; i += 20) {
        await Promise.all(users.slice(i, i + 20).map(async (u) => seen.set(u, await askAs(u))));
      }
      const canary = [...seen.values()].filter((v) => v === "2").length;
      console.log(`[live] canary 20%: ${canary} of ${users.length} end-users (${((canary / users.length) * 100).toFixed(1)}%) got version 2`);
      expect(canary / users.length).toBeGreaterThan(0.15);
      expect(canary / users.length).toBeLessThan(0.25);
      for (const u of users) expect(seen.get(u)).toBe(expected(u, 20));
      // Sticky: the same end-users get the same versions again.
      for (const u of users.slice(0, 60)) expect(await askAs(u)).toBe(seen.get(u));

      // Ramp to 50%: everyone in at 20% stays in.
      await movePromptLabel(owner, promptId, "production", { versionId: v1.id, canaryVersionId: v2.id, canaryPercent: 50 });
      const newcomer = users.find((u) => expected(u, 20) === "1" && expected(u, 50) === "2") as string;
      await eventually(async () => ((await askAs(newcomer)) === "2" ? true : undefined));
      const ramped = new Map<string, string | null>();
      const sample = users.slice(0, 200);
      for (let i = 0; i < sample.length; i += 20) await Promise.all(sample.slice(i, i + 20).map(async (u) => ramped.set(u, await askAs(u))));
      for (const u of sample) {
        expect(ramped.get(u)).toBe(expected(u, 50));
        if (seen.get(u) === "2") expect(ramped.get(u)).toBe("2");
      }
      await movePromptLabel(owner, promptId, "production", { versionId: v1.id });
    });

    // Through neither adapter: the admin route runs the pipeline in this process (lib/gateway/playground.ts
    // calls handle() directly). It sits in each adapter's block for that block's tenant and prompt versions;
    // under `web` it repeats the same in-process check (well under a second), it does not test /api/v1.
    it("the playground runs a version through the real pipeline for the tenant, recorded like any request", async () => {
      const token = (await createAdminToken({ tenant: { id: t.tenantId }, role: "developer" })).secret;
      const call = (body: unknown) =>
        playgroundRoute.POST(
          adminRequest(`/api/admin/tenants/${t.slug}/prompts/${promptId}/playground`, { method: "POST", token, body }),
          routeParams({ tenant: t.slug, id: promptId }),
        );
      const name = `Play-${newId("request").slice(-8)}`;
      const res = await call({ versionId: v2.id, variables: { customer_name: name } });
      expect(res.status).toBe(200);
      const result = PlaygroundResult.parse(((await res.json()) as { data: unknown }).data);
      expect(result).toMatchObject({ status: 200, model: "lc-main", promptVersionId: v2.id });
      expect(result.headers["x-gatehouse-prompt-version"]).toBe("2");
      expect(upstream(name).messages).toEqual([
        { role: "system", content: "You are Acme support, version two." },
        { role: "user", content: `I am ${name}. I cannot sign in.` },
      ]);
      const row = await logRow(result.headers["x-request-id"] as string);
      expect(row).toMatchObject({ apiKeyId: "playground", promptVersionId: v2.id, status: "ok" });

      // A missing variable is a result too (the gateway's 400), not a failure of the playground.
      const bad = PlaygroundResult.parse(((await (await call({ versionId: v1.id, variables: {} })).json()) as { data: unknown }).data);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { param: "prompt.variables.customer_name" } });
      // Another prompt's version: the playground's own 400.
      expect((await call({ versionId: "pmv_nope", variables: {} })).status).toBe(400);
    });
  });

  // ---------------------------------------------------------------- OFREP

  describe("OFREP (OpenFeature Remote Evaluation Protocol)", () => {
    let client: OpenFeatureClient;
    const flagIds: Record<string, string> = {};
    let globalKey: string;

    beforeAll(async () => {
      const defs = [
        { key: "ofrep-static", kind: "release", scope: "tenant", enabled: true, rolloutPercent: 100 },
        { key: "ofrep-off", kind: "release", scope: "tenant", enabled: false },
        { key: "ofrep-split", kind: "experiment", scope: "tenant", enabled: true, rolloutPercent: 50 },
        {
          key: "ofrep-plan",
          kind: "permission",
          scope: "tenant",
          enabled: true,
          rules: [
            { conditions: [{ attribute: "endUserId", op: "in", values: ["vip-1", "vip-2"] }], value: "gold", variant: "gold" },
            { conditions: [], value: "silver", variant: "silver" },
          ],
        },
        { key: "ofrep-pro", kind: "release", scope: "tenant", enabled: true, rules: [{ conditions: [{ attribute: "metadata", key: "plan", op: "eq", value: "pro" }] }] },
      ] as const;
      for (const d of defs) flagIds[d.key] = (await createFlag(owner, d as unknown as Parameters<typeof createFlag>[1])).id;
      const id = newId("flag");
      globalKey = `ofrep-global-${id.slice(-6)}`;
      await db.flag.create({ data: { id, tenantId: null, key: globalKey, kind: "operational", scope: "global", owner: "platform", enabled: true } });
      await updateFlag(owner, flagIds["ofrep-off"] as string, { description: "announce the global flag too" });

      await OpenFeature.setProviderAndWait(`gatehouse-${adapter}`, new OFREPProvider({ baseUrl: gw.url, headers: [["Authorization", `Bearer ${t.key}`]] }));
      client = OpenFeature.getClient(`gatehouse-${adapter}`);
      await eventually(async () => ((await client.getBooleanDetails(globalKey, false, { targetingKey: "u" })).value ? true : undefined));
    });

    it("evaluates with the official SDK: STATIC, DISABLED, SPLIT, TARGETING_MATCH, DEFAULT, ERROR, and flag not found", async () => {
      expect(await client.getBooleanDetails("ofrep-static", false, { targetingKey: "user-1" })).toMatchObject({ value: true, reason: "STATIC", variant: "on" });
      expect(await client.getBooleanDetails("ofrep-off", true, { targetingKey: "user-1" })).toMatchObject({ value: false, reason: "DISABLED", variant: "off" });
      expect(await client.getBooleanDetails(globalKey, false, {})).toMatchObject({ value: true, reason: "STATIC", flagMetadata: { global: true } });

      const split = await Promise.all(Array.from({ length: 100 }, (_, i) => client.getBooleanDetails("ofrep-split", false, { targetingKey: `user-${i}` })));
      split.forEach((d, i) => {
        expect(d.reason).toBe("SPLIT");
        expect(d.value).toBe(isInRollout("ofrep-split", flagIds["ofrep-split"] as string, `user-${i}`, 50));
      });
      expect(new Set(split.map((d) => d.value))).toEqual(new Set([true, false]));

      expect(await client.getStringDetails("ofrep-plan", "none", { targetingKey: "vip-2" })).toMatchObject({ value: "gold", variant: "gold", reason: "TARGETING_MATCH" });
      expect(await client.getStringDetails("ofrep-plan", "none", { targetingKey: "someone" })).toMatchObject({ value: "silver", reason: "TARGETING_MATCH" });
      expect(await client.getBooleanDetails("ofrep-pro", false, { targetingKey: "a", plan: "pro" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
      expect(await client.getBooleanDetails("ofrep-pro", true, { targetingKey: "a", plan: "free" })).toMatchObject({ value: false, reason: "DEFAULT" });

      // A percentage with nobody to bucket: an ERROR the SDK reports with the default value.
      expect(await client.getBooleanDetails("ofrep-split", true, {})).toMatchObject({ value: true, reason: "ERROR", errorCode: "TARGETING_KEY_MISSING" });
      expect(await client.getBooleanDetails("no-such-flag", true, { targetingKey: "u" })).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
      // The wrong type for the flag: the SDK's own TYPE_MISMATCH.
      expect(await client.getNumberDetails("ofrep-static", 7, { targetingKey: "u" })).toMatchObject({ value: 7, reason: "ERROR", errorCode: "TYPE_MISMATCH" });

      // A flip reaches the SDK's next evaluation.
      await updateFlag(owner, flagIds["ofrep-off"] as string, { enabled: true });
      await eventually(async () => ((await client.getBooleanValue("ofrep-off", false, { targetingKey: "user-1" })) ? true : undefined));
      await updateFlag(owner, flagIds["ofrep-off"] as string, { enabled: false });
    });

    it("speaks the protocol: shapes, errors, auth, the bulk endpoint's ETag, the Web adapter", async () => {
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${t.key}`, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

      const one = await post("/ofrep/v1/evaluate/flags/ofrep-static", { context: { targetingKey: "u1" } });
      expect(one.status).toBe(200);
      expect(one.headers.get("content-type")).toContain("application/json");
      expect(await one.json()).toEqual({ key: "ofrep-static", value: true, reason: "STATIC", variant: "on", metadata: { kind: "release", scope: "tenant", global: false } });

      expect(await (await post("/ofrep/v1/evaluate/flags/nope", {})).json()).toEqual({ key: "nope", errorCode: "FLAG_NOT_FOUND", errorDetails: "flag 'nope' not found" });
      const missingKey = await post("/ofrep/v1/evaluate/flags/ofrep-split", { context: {} });
      expect(missingKey.status).toBe(400);
      expect(await missingKey.json()).toMatchObject({ key: "ofrep-split", errorCode: "TARGETING_KEY_MISSING" });
      const badContext = await post("/ofrep/v1/evaluate/flags/ofrep-static", { context: { targetingKey: 42 } });
      expect(badContext.status).toBe(400);
      expect(await badContext.json()).toMatchObject({ key: "ofrep-static", errorCode: "INVALID_CONTEXT" });
      expect(await (await post("/ofrep/v1/evaluate/flags/ofrep-static", "{not json")).json()).toMatchObject({ errorCode: "PARSE_ERROR" });
      expect((await post("/ofrep/v1/evaluate/flags/ofrep-static", {}, { authorization: "Bearer gh_live_wrong" })).status).toBe(401);
      expect((await post("/ofrep/v1/evaluate/flags/ofrep-static", {}, { authorization: `Bearer ${t.revokedKey}` })).status).toBe(401);

      // The bulk answer includes global flags, which other test files create and delete in parallel: an
      // answer may change between two calls. So: an answer, then the same request with its ETag, until
      // nothing changed in between (an implementation that never answers 304 still fails, by timeout).
      const { etag, flags } = await eventually(async () => {
        const bulk = await post("/ofrep/v1/evaluate/flags", { context: { targetingKey: "u1" } });
        expect(bulk.status).toBe(200);
        const tag = bulk.headers.get("etag");
        expect(tag).toMatch(/^"[\w-]+"$/);
        const same = await post("/ofrep/v1/evaluate/flags", { context: { targetingKey: "u1" } }, { "if-none-match": tag as string });
        if (same.status !== 304) return undefined;
        expect(same.headers.get("etag")).toBe(tag);
        return { etag: tag, flags: ((await bulk.json()) as { flags: Array<{ key: string; value?: unknown; errorCode?: string }> }).flags };
      });
      expect(flags.map((f) => f.key)).toEqual(expect.arrayContaining(["ofrep-static", "ofrep-off", "ofrep-split", "ofrep-plan", globalKey]));
      expect(flags.find((f) => f.key === "ofrep-static")).toMatchObject({ value: true, reason: "STATIC" });
      await updateFlag(owner, flagIds["ofrep-off"] as string, { enabled: true });
      try {
        const changed = await eventually(async () => {
          const r = await post("/ofrep/v1/evaluate/flags", { context: { targetingKey: "u1" } }, { "if-none-match": etag as string });
          return r.status === 200 ? r : undefined;
        });
        expect(changed.headers.get("etag")).not.toBe(etag);
      } finally {
        await updateFlag(owner, flagIds["ofrep-off"] as string, { enabled: false });
      }

      // Next-only deployments: /api/ofrep/* through the Web adapter, in this process: the route module itself
      // (app/api/ofrep/[...path]/route.ts), which the child processes above do not load.
      const web = await ofrepWebRoute.POST(
        new Request("http://localhost/api/ofrep/v1/evaluate/flags/ofrep-static", {
          method: "POST",
          headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
          body: JSON.stringify({ context: { targetingKey: "u1" } }),
        }),
      );
      expect(web.status).toBe(200);
      expect(await web.json()).toMatchObject({ key: "ofrep-static", value: true, reason: "STATIC" });
    });
  });

  describe("logs", () => {
    it("no error-level lines and no refused request-log records in the gateway or the worker", () => {
      expect(problemLines(gw.child)).toEqual([]);
      expect(problemLines(worker)).toEqual([]);
    });
  });
});
