/**
 * Bad input never reaches a provider: invalid JSON, wrong types, unknown
 * model, missing or revoked key, a body over the size limit, a key without
 * the scope, a model the key may not use. Each is a 4xx in the caller's wire
 * format (OpenAI-style; Anthropic-style on /v1/messages), the simulator saw
 * nothing, and the request was logged: a request_logs row (written by a
 * worker process) when the tenant is known, else the process log line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { addFeature, addKey, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import type { Child } from "@/lib/testing/spawn";
import { ADAPTERS, eventually, logLine, postJson, problemLines, startGateway, startSim, startWorker, type ErrorBody, type GatewayHandle, type SimHandle } from "./harness";

const MAX_BODY = 4096;
const UNKNOWN_KEY = "gh_test_notAKeyOfAnyone0000000000000000000";

let db: Db;
let sim: SimHandle;
let gw: GatewayHandle;
let worker: Child;
let t: TestTenant;
const keys: Record<string, string> = {};

describe.each(ADAPTERS)("through the %s adapter", (adapter) => {
  beforeAll(async () => {
    db = createDb();
    sim = await startSim();
    t = await createTestTenant(db, "bad");
    const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
    const modelId = await addModel(db, t.tenantId, providerId, "gpt-4o-mini");
    const billing = await addFeature(db, t.tenantId, "billing");
    const support = await addFeature(db, t.tenantId, "support");
    await addRoute(db, t.tenantId, { alias: "chat", targets: [{ modelId }] });
    await addRoute(db, t.tenantId, { alias: "billing-only", featureId: billing, targets: [{ modelId }] });
    keys.embeddingsOnly = await addKey(db, t.tenantId, { scopes: ["embeddings"] });
    keys.chatModelOnly = await addKey(db, t.tenantId, { scopes: ["chat", "model:chat"] });
    keys.support = await addKey(db, t.tenantId, { featureId: support });
    gw = await startGateway({ GATEHOUSE_MAX_BODY_BYTES: String(MAX_BODY) }, adapter);
    worker = await startWorker();
  });

  afterAll(async () => {
    gw?.child.kill();
    worker?.kill();
    await sim?.sim.close();
    await db?.$disconnect();
  });

  beforeEach(() => sim.sim.reset());

  const hello = { model: "chat", messages: [{ role: "user", content: "hi" }] };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  interface Case {
    name: string;
    path?: string;
    body: () => unknown;
    headers: () => Record<string, string>;
    status: number;
    code: string;
    param?: string | null;
    message?: RegExp;
    /** The tenant is known: a request_logs row must exist. */
    logged: boolean;
    /** No tenant: the `gateway.request_unattributed` process-log line's reason. */
    reason?: string;
  }

  const CASES: Case[] = [
    { name: "invalid JSON", body: () => "{nope", headers: () => bearer(t.key), status: 400, code: "invalid_json", logged: true },
    { name: "an empty body", body: () => "", headers: () => bearer(t.key), status: 400, code: "invalid_json", logged: true },
    { name: "wrong types", body: () => ({ model: 5, messages: "hi" }), headers: () => bearer(t.key), status: 400, code: "validation_failed", param: "model", logged: true },
    { name: "no messages", body: () => ({ model: "chat" }), headers: () => bearer(t.key), status: 400, code: "validation_failed", param: "messages", logged: true },
    { name: "temperature out of range", body: () => ({ ...hello, temperature: 7 }), headers: () => bearer(t.key), status: 400, code: "validation_failed", param: "temperature", logged: true },
    { name: "an unknown model", body: () => ({ ...hello, model: "gpt-9000" }), headers: () => bearer(t.key), status: 404, code: "model_not_found", param: "model", message: /gpt-9000/, logged: true },
    { name: "a revoked key", body: () => hello, headers: () => bearer(t.revokedKey), status: 401, code: "invalid_api_key", message: /revoked/, logged: true },
    { name: "a key without the chat scope", body: () => hello, headers: () => bearer(keys.embeddingsOnly ?? ""), status: 403, code: "forbidden", logged: true },
    { name: "a model outside the key's model scopes", body: () => ({ ...hello, model: "gpt-4o-mini" }), headers: () => bearer(keys.chatModelOnly ?? ""), status: 404, code: "model_not_found", logged: true },
    { name: "another feature's route", body: () => ({ ...hello, model: "billing-only" }), headers: () => bearer(keys.support ?? ""), status: 404, code: "model_not_found", logged: true },
    { name: "an unknown feature header", body: () => hello, headers: () => ({ ...bearer(t.key), "x-gatehouse-feature": "nope" }), status: 400, code: "invalid_request", param: "x-gatehouse-feature", logged: true },
    { name: "a bad Idempotency-Key", body: () => hello, headers: () => ({ ...bearer(t.key), "idempotency-key": "é" }), status: 400, code: "invalid_request", param: "Idempotency-Key", logged: true },
    { name: "a body over the size limit", body: () => ({ ...hello, pad: "x".repeat(MAX_BODY * 2) }), headers: () => bearer(t.key), status: 413, code: "payload_too_large", logged: true },
    { name: "wrong embeddings input", path: "/v1/embeddings", body: () => ({ model: "chat", input: 42 }), headers: () => bearer(t.key), status: 400, code: "validation_failed", param: "input", logged: true },
    { name: "a missing key", body: () => hello, headers: () => ({}), status: 401, code: "invalid_api_key", logged: false, reason: "missing_key" },
    { name: "an unknown key", body: () => hello, headers: () => bearer(UNKNOWN_KEY), status: 401, code: "invalid_api_key", logged: false, reason: "unknown_key" },
    { name: "an unknown key in x-api-key", body: () => hello, headers: () => ({ "x-api-key": UNKNOWN_KEY }), status: 401, code: "invalid_api_key", logged: false, reason: "unknown_key" },
    { name: "a key too long to be one", body: () => hello, headers: () => bearer(`gh_test_${"k".repeat(300)}`), status: 401, code: "invalid_api_key", logged: false, reason: "malformed_key" },
  ];

  describe.each(CASES)("$name", (c) => {
    it(`is a ${c.status} ${c.code}, forwarded nowhere, and logged`, async () => {
      const res = await postJson(`${gw.url}${c.path ?? "/v1/chat/completions"}`, c.body(), c.headers());
      expect(res.status).toBe(c.status);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      const body = (await res.json()) as ErrorBody;
      expect(body.error).toMatchObject({ code: c.code, type: expect.any(String), message: expect.any(String) });
      expect(body.error).toHaveProperty("param");
      if (c.param !== undefined) expect(body.error.param).toBe(c.param);
      if (c.message) expect(body.error.message).toMatch(c.message);
      const requestId = res.headers.get("x-request-id") ?? "";
      expect(requestId).toMatch(/^req_/);
      expect(sim.sim.requests()).toEqual([]);
      if (c.logged) {
        const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: requestId } })) ?? undefined, { what: `request_logs ${requestId}` });
        expect(row).toMatchObject({ tenantId: t.tenantId, status: "blocked", httpStatus: c.status, errorCode: c.code, attempts: [] });
      } else {
        // No tenant, so no request_logs row (tenant_id is NOT NULL): the attempt is in the process log, without the key.
        const line = await logLine(gw.child, "gateway.request_unattributed", requestId);
        expect(line).toMatchObject({ status: c.status, errorCode: c.code, reason: c.reason, path: "/v1/chat/completions", endpoint: "chat.completions", remoteAddress: "127.0.0.1" });
        expect(JSON.stringify(line)).not.toContain("gh_test_");
      }
    });
  });

  describe("/v1/messages refuses in Anthropic's error format", () => {
    it("a body without max_tokens is an invalid_request_error, logged, forwarded nowhere", async () => {
      const res = await postJson(`${gw.url}/v1/messages`, { model: "chat", messages: [{ role: "user", content: "hi" }] }, { "x-api-key": t.key, "anthropic-version": "2023-06-01" });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/max_tokens/) } });
      expect(sim.sim.requests()).toEqual([]);
      const requestId = res.headers.get("x-request-id") ?? "";
      const row = await eventually(async () => (await db.requestLog.findFirst({ where: { id: requestId } })) ?? undefined);
      expect(row).toMatchObject({ status: "blocked", httpStatus: 400, errorCode: "validation_failed", endpoint: "messages.create" });
    });

    it("an unknown model is a not_found_error", async () => {
      const res = await postJson(`${gw.url}/v1/messages`, { model: "nope", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { "x-api-key": t.key });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    });
  });

  describe("the gateway process", () => {
    it("logged no error", () => {
      expect(problemLines(gw.child)).toEqual([]);
    });
  });
});
