/**
 * POST /v1/feedback over real HTTP (the gateway's node:http adapter), and
 * support's bad-answers queue (listBadAnswers / resolveBadAnswer) on the same
 * rows: tenant-scoped, validated, audited.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { listAuditLog } from "@/lib/audit/service";
import { FeedbackObject } from "@/lib/feedback/schema";
import { listBadAnswers, resolveBadAnswer } from "@/lib/feedback/service";
import { invalidateGatewayConfig, stopConfigSync } from "@/lib/gateway/config";
import { serveNode } from "@/lib/gateway/node-adapter";
import { stopRecorder } from "@/lib/gateway/record";
import { newId } from "@/lib/ids";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { ErrorBody } from "@/lib/http/schema";
import { ctxFor } from "@/lib/testing/factories";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";
import { toRow } from "@/workers/request-log";
import { RequestLogJob } from "@/lib/queues/request-log";

let a: GatewayFixture;
let b: GatewayFixture;
let server: Server;
let base: string;
let spoolDir: string;

beforeAll(async () => {
  spoolDir = mkdtempSync(path.join(tmpdir(), "gatehouse-feedback-"));
  process.env.GATEHOUSE_SPOOL_DIR = spoolDir;
  resetEnvCache();
  a = await createGatewayFixture(db, "fb-a");
  b = await createGatewayFixture(db, "fb-b");
  invalidateGatewayConfig();
  server = createServer((req, res) => void serveNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stopRecorder();
  await closeQueues();
  await closeProducerConnection();
  await stopConfigSync();
  delete process.env.GATEHOUSE_SPOOL_DIR;
  resetEnvCache();
  await disconnectDb();
  rmSync(spoolDir, { recursive: true, force: true });
});

async function postFeedback(key: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/v1/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** A request_logs row for `tenantId`, as the worker writes it. */
async function loggedRequest(tenantId: string, overrides: Partial<RequestLogJob> = {}): Promise<string> {
  const job = RequestLogJob.parse({
    id: newId("request"),
    createdAt: new Date().toISOString(),
    tenantId,
    endpoint: "chat.completions",
    model: "support-reply",
    servedBy: "sim-openai/gpt-4o-mini",
    status: "ok",
    httpStatus: 200,
    request: { messages: [{ role: "user", content: "Where is my order?" }] },
    latencyMs: 420,
    ...overrides,
  });
  await db.requestLog.create({ data: toRow(job) });
  return job.id;
}

const tenantOf = (fx: GatewayFixture) => ({ id: fx.tenantId, slug: fx.slug });

describe("POST /v1/feedback", () => {
  it("stores the feedback under the key's tenant and answers 201 with the row", async () => {
    const requestId = await loggedRequest(a.tenantId);
    const res = await postFeedback(a.key, { request_id: requestId, score: 1, comment: "Spot on", end_user: "user-7" });
    expect(res.status).toBe(201);
    const body = FeedbackObject.parse(res.body);
    expect(body).toMatchObject({ object: "feedback", request_id: requestId, score: 1, comment: "Spot on", end_user: "user-7" });
    expect(body.id).toMatch(/^fbk_/);
    const row = await db.feedback.findUniqueOrThrow({ where: { id: body.id } });
    expect(row).toMatchObject({ tenantId: a.tenantId, requestId, score: 1, comment: "Spot on", endUserId: "user-7", resolvedAt: null });
  });

  it("takes the end-user from x-gatehouse-user, and accepts a request whose log row is not written yet", async () => {
    const notYetLogged = newId("request");
    const res = await postFeedback(a.key, { request_id: notYetLogged, score: -1 }, { "x-gatehouse-user": "user-9" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ request_id: notYetLogged, comment: "", end_user: "user-9" });
  });

  it.each([
    ["request_id", { score: 1 }],
    ["request_id", { request_id: "trace-123", score: 1 }],
    ["score", { request_id: "req_01m83he3cxq75bf2x2djnft4mt" }],
    ["score", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: "bad" }],
    ["score", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: 0.5 }],
    ["score", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: 1e9 }],
    ["comment", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: 1, comment: 42 }],
    ["comment", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: 1, comment: "x".repeat(4001) }],
    ["end_user", { request_id: "req_01m83he3cxq75bf2x2djnft4mt", score: 1, end_user: 7 }],
  ])("400 naming %s for %j", async (param, body) => {
    const before = await db.feedback.count({ where: { tenantId: a.tenantId } });
    const res = await postFeedback(a.key, body);
    expect(res.status).toBe(400);
    const err = ErrorBody.parse(res.body).error;
    expect(err).toMatchObject({ type: "invalid_request_error", code: "validation_failed", param });
    expect(err.message).toContain(param);
    expect(await db.feedback.count({ where: { tenantId: a.tenantId } })).toBe(before);
  });

  it("400 on a body that is not JSON or not an object, 401 without a valid key", async () => {
    expect(await postFeedback(a.key, "{nope")).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    expect(await postFeedback(a.key, "[1,2]")).toMatchObject({ status: 400, body: { error: { code: "validation_failed" } } });
    const body = { request_id: newId("request"), score: -1 };
    expect(await postFeedback(null, body)).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key" } } });
    expect(await postFeedback(a.revokedKey, body)).toMatchObject({ status: 401, body: { error: { code: "invalid_api_key" } } });
    expect(await db.feedback.count({ where: { requestId: body.request_id } })).toBe(0);
  });
});

describe("bad answers", () => {
  it("negative feedback appears in the tenant's queue, newest first, with its request's summary", async () => {
    const first = await loggedRequest(a.tenantId, { status: "fallback", fallbackReason: "primary timed out", costMicros: "1234" });
    const second = await loggedRequest(a.tenantId);
    const good = await loggedRequest(a.tenantId);
    await postFeedback(a.key, { request_id: first, score: -1, comment: "Wrong order status" });
    await postFeedback(a.key, { request_id: good, score: 1 });
    await postFeedback(a.key, { request_id: second, score: -2, comment: "Rude" });

    const ctx = ctxFor(tenantOf(a), "support");
    const page = await listBadAnswers(ctx, { resolved: false });
    const mine = page.data.filter((x) => [first, second, good].includes(x.requestId));
    expect(mine.map((x) => x.requestId)).toEqual([second, first]); // newest first, no positive score
    expect(mine[1]).toMatchObject({
      score: -1,
      comment: "Wrong order status",
      resolvedAt: null,
      request: { id: first, status: "fallback", fallbackReason: "primary timed out", model: "support-reply", costMicros: "1234", latencyMs: 420 },
    });
  });

  it("pages with a cursor", async () => {
    const t = await createGatewayFixture(db, "fb-page");
    invalidateGatewayConfig();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newId("request");
      ids.push(id);
      expect((await postFeedback(t.key, { request_id: id, score: -1 })).status).toBe(201);
    }
    const ctx = ctxFor(tenantOf(t), "support");
    const p1 = await listBadAnswers(ctx, { limit: 2 });
    const p2 = await listBadAnswers(ctx, { limit: 2, cursor: p1.nextCursor ?? undefined });
    const p3 = await listBadAnswers(ctx, { limit: 2, cursor: p2.nextCursor ?? undefined });
    expect(p3.nextCursor).toBeNull();
    expect([...p1.data, ...p2.data, ...p3.data].map((x) => x.requestId)).toEqual([...ids].reverse());
    expect(p1.data[0]?.request).toBeNull(); // no request_logs row (yet)
  });

  it("is tenant-scoped: B's feedback on A's request id is B's alone and never shows A's request", async () => {
    const aRequest = await loggedRequest(a.tenantId);
    const res = await postFeedback(b.key, { request_id: aRequest, score: -1, comment: "from B" });
    expect(res.status).toBe(201);
    const fbId = FeedbackObject.parse(res.body).id;
    expect(await db.feedback.findUniqueOrThrow({ where: { id: fbId } })).toMatchObject({ tenantId: b.tenantId });

    const inA = await listBadAnswers(ctxFor(tenantOf(a), "owner"), {});
    expect(inA.data.map((x) => x.id)).not.toContain(fbId);
    const inB = await listBadAnswers(ctxFor(tenantOf(b), "owner"), {});
    const entry = inB.data.find((x) => x.id === fbId);
    expect(entry).toMatchObject({ requestId: aRequest, comment: "from B", request: null }); // A's request is not joined
    // A cannot resolve B's entry.
    await expect(resolveBadAnswer(ctxFor(tenantOf(a), "owner"), fbId)).rejects.toMatchObject({ status: 404 });
  });

  it("resolving moves an answer out of the open queue, writes one audit row, and is idempotent", async () => {
    const requestId = await loggedRequest(a.tenantId);
    const fbId = FeedbackObject.parse((await postFeedback(a.key, { request_id: requestId, score: -1 })).body).id;
    const ctx = ctxFor(tenantOf(a), "support");

    const resolved = await resolveBadAnswer(ctx, fbId);
    expect(resolved).toMatchObject({ id: fbId, requestId, resolvedById: ctx.actor.id, request: { id: requestId } });
    expect(resolved.resolvedAt).not.toBeNull();
    expect((await listBadAnswers(ctx, { resolved: false })).data.map((x) => x.id)).not.toContain(fbId);
    expect((await listBadAnswers(ctx, { resolved: true })).data.map((x) => x.id)).toContain(fbId);

    const again = await resolveBadAnswer(ctx, fbId);
    expect(again.resolvedAt).toBe(resolved.resolvedAt);
    const audit = await listAuditLog(ctx, { limit: 50, resourceType: "feedback", resourceId: fbId });
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({
      action: "feedback:resolve",
      actorType: "user",
      actorId: ctx.actor.id,
      actorLabel: ctx.actor.label,
      before: { resolvedAt: null },
      after: { resolvedAt: resolved.resolvedAt, requestId, score: -1 },
    });
  });

  it("only negative feedback can be resolved", async () => {
    const fbId = FeedbackObject.parse((await postFeedback(a.key, { request_id: newId("request"), score: 1 })).body).id;
    await expect(resolveBadAnswer(ctxFor(tenantOf(a), "support"), fbId)).rejects.toMatchObject({ status: 404 });
    await expect(resolveBadAnswer(ctxFor(tenantOf(a), "support"), "fbk_missing")).rejects.toMatchObject({ status: 404 });
  });
});
