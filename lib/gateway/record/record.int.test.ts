/**
 * Stage 12 wired into the pipeline: every request through the gateway
 * (node:http fast path and the Web adapter), answered or refused, produces
 * exactly one request_logs row when its tenant is known, through the real
 * queue (test Redis) and the real batch writer (a BullMQ worker in this
 * process), and none when it is not.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { getEnv, resetEnvCache } from "@/lib/env";
import { invalidateGatewayConfig, stopConfigSync } from "@/lib/gateway/config";
import { serveNode } from "@/lib/gateway/node-adapter";
import { recorderStats, stopRecorder } from "@/lib/gateway/record";
import { serveWeb } from "@/lib/gateway/web-adapter";
import { closeProducerConnection, closeQueues, queueRegistry } from "@/lib/queues";
import { createWorkerConnection } from "@/lib/queues/connection";
import { createRedis } from "@/lib/redis";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";
import { eventually } from "@/lib/testing/spawn";
import { createRequestLogProcessor } from "@/workers/request-log";
import { startWorker, stopWorkers, type RunningWorker } from "@/workers/runtime";

let fx: GatewayFixture;
let server: Server;
let base: string;
let spoolDir: string;
let running: RunningWorker;
const workerConnection = createWorkerConnection();
const redis = createRedis({ maxRetriesPerRequest: null });

beforeAll(async () => {
  spoolDir = mkdtempSync(path.join(tmpdir(), "gatehouse-record-"));
  process.env.GATEHOUSE_SPOOL_DIR = spoolDir;
  process.env.GATEHOUSE_MAX_BODY_BYTES = "2048";
  resetEnvCache();
  await new Queue(queueRegistry["request-log"].name, { connection: redis }).obliterate({ force: true });
  fx = await createGatewayFixture(db, "record");
  invalidateGatewayConfig();
  // Rejected records would be split off into jobs of their own; none is expected here.
  const splitOff = async (): Promise<void> => {
    throw new Error("unexpected rejected request-log record");
  };
  running = startWorker(queueRegistry["request-log"], createRequestLogProcessor({ db, splitOff }), {
    connection: workerConnection,
    concurrency: queueRegistry["request-log"].concurrency(getEnv()),
  });
  server = createServer((req, res) => void serveNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await stopRecorder();
  await stopWorkers(running ? [running] : [], 10_000);
  await closeQueues();
  await closeProducerConnection();
  await stopConfigSync();
  workerConnection.disconnect();
  redis.disconnect();
  delete process.env.GATEHOUSE_SPOOL_DIR;
  delete process.env.GATEHOUSE_MAX_BODY_BYTES;
  resetEnvCache();
  await disconnectDb();
  rmSync(spoolDir, { recursive: true, force: true });
});

interface Call {
  method?: string;
  path: string;
  key?: string;
  headers?: Record<string, string>;
  body?: string;
  via?: "node" | "web";
}

async function call(c: Call): Promise<{ status: number; logId: string; requestId: string | null }> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.key) headers.authorization = `Bearer ${c.key}`;
  const init = { method: c.method ?? "GET", headers, body: c.body };
  const res = c.via === "web" ? await serveWeb(new Request(`http://gatehouse.test/api${c.path}`, init)) : await fetch(`${base}${c.path}`, init);
  await res.arrayBuffer();
  const requestId = res.headers.get("x-request-id");
  return { status: res.status, requestId, logId: res.headers.get("x-gatehouse-request-id") ?? requestId ?? "" };
}

async function rowsOf(ids: string[]) {
  await eventually(async () => ((await db.requestLog.count({ where: { id: { in: ids } } })) >= ids.length ? true : undefined), {
    what: `${ids.length} request_logs rows`,
  });
  return db.requestLog.findMany({ where: { id: { in: ids } } });
}

describe("every request is recorded", () => {
  it("answered, refused and unmatched requests each get exactly one row with ids, status and error code", async () => {
    // Without a tenant: no key, an unknown key (process log only). Sent first, checked last.
    const anonymous = await Promise.all([
      call({ path: "/v1/models" }),
      call({ path: "/v1/models", key: "gh_test_not_a_real_key_0123456789abcdef" }),
      call({ path: "/v1/nope" }),
    ]);
    expect(anonymous.map((a) => a.status)).toEqual([401, 401, 404]);

    const calls = {
      ok: await call({ path: "/v1/models", key: fx.key }),
      okWeb: await call({ path: "/v1/models", key: fx.key, via: "web" }),
      revoked: await call({ path: "/v1/models", key: fx.revokedKey }),
      expired: await call({ path: "/v1/models", key: fx.expiredKey }),
      unknownPath: await call({ path: "/v1/nope", key: fx.key }),
      wrongMethod: await call({ method: "POST", path: "/v1/models", key: fx.key, body: "{}" }),
      badJson: await call({ method: "POST", path: "/v1/feedback", key: fx.key, body: "{not json" }),
      badInput: await call({ method: "POST", path: "/v1/feedback", key: fx.key, body: JSON.stringify({ score: 1 }) }),
      tooLarge: await call({ method: "POST", path: "/v1/feedback", key: fx.key, body: "x".repeat(4096) }),
      tooLargeWeb: await call({ method: "POST", path: "/v1/feedback", key: fx.key, body: "x".repeat(4096), via: "web" }),
      clientId: await call({ path: "/v1/models", key: fx.key, headers: { "x-request-id": "my-trace-42" } }),
    };
    const expected: Record<keyof typeof calls, { httpStatus: number; status: string; errorCode: string | null; endpoint: string }> = {
      ok: { httpStatus: 200, status: "ok", errorCode: null, endpoint: "models.list" },
      okWeb: { httpStatus: 200, status: "ok", errorCode: null, endpoint: "models.list" },
      revoked: { httpStatus: 401, status: "blocked", errorCode: "invalid_api_key", endpoint: "models.list" },
      expired: { httpStatus: 401, status: "blocked", errorCode: "invalid_api_key", endpoint: "models.list" },
      unknownPath: { httpStatus: 404, status: "blocked", errorCode: "not_found", endpoint: "unknown" },
      wrongMethod: { httpStatus: 405, status: "blocked", errorCode: "method_not_allowed", endpoint: "unknown" },
      badJson: { httpStatus: 400, status: "blocked", errorCode: "invalid_json", endpoint: "feedback.create" },
      badInput: { httpStatus: 400, status: "blocked", errorCode: "validation_failed", endpoint: "feedback.create" },
      tooLarge: { httpStatus: 413, status: "blocked", errorCode: "payload_too_large", endpoint: "feedback.create" },
      tooLargeWeb: { httpStatus: 413, status: "blocked", errorCode: "payload_too_large", endpoint: "feedback.create" },
      clientId: { httpStatus: 200, status: "ok", errorCode: null, endpoint: "models.list" },
    };
    for (const [name, c] of Object.entries(calls)) expect({ name, status: c.status }).toEqual({ name, status: expected[name as keyof typeof calls].httpStatus });

    const ids = Object.values(calls).map((c) => c.logId);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = await rowsOf(ids);
    expect(rows).toHaveLength(ids.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [name, c] of Object.entries(calls)) {
      const row = byId.get(c.logId);
      expect({ name, ...row }).toMatchObject({ name, tenantId: fx.tenantId, ...expected[name as keyof typeof calls] });
      expect(row?.latencyMs).toBeGreaterThanOrEqual(0);
      expect(row?.attempts).toEqual([]);
      expect(row?.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    }
    const keyIds = await db.apiKey.findMany({ where: { tenantId: fx.tenantId }, select: { id: true, revokedAt: true, expiresAt: true } });
    const revokedKeyId = keyIds.find((k) => k.revokedAt)?.id;
    expect(byId.get(calls.revoked.logId)?.apiKeyId).toBe(revokedKeyId);
    expect(byId.get(calls.unknownPath.logId)?.metadata).toMatchObject({ method: "GET", path: "/v1/nope" });

    // The caller's own id is echoed; the log id is ours, returned beside it and kept with it.
    expect(calls.clientId.requestId).toBe("my-trace-42");
    expect(calls.clientId.logId).toMatch(/^req_[0-9a-z]{26}$/);
    expect(byId.get(calls.clientId.logId)?.metadata).toEqual({ clientRequestId: "my-trace-42" });

    // Nothing for requests without a tenant: no row, and no record in any job of the queue
    // (every record this test sent is in a job; a job holds a batch of records).
    const queue = new Queue(queueRegistry["request-log"].name, { connection: redis });
    const queued = new Set<string>();
    for (const job of await queue.getJobs(["completed", "active", "waiting", "delayed", "failed"])) {
      for (const rec of (job.data as { records?: Array<{ id?: unknown }> }).records ?? []) if (typeof rec.id === "string") queued.add(rec.id);
    }
    for (const id of ids) expect(queued.has(id)).toBe(true);
    for (const a of anonymous) {
      expect(await db.requestLog.count({ where: { id: a.logId } })).toBe(0);
      expect(queued.has(a.logId)).toBe(false);
    }
    await queue.close();

    // Redis was up all along: nothing went to disk.
    expect(recorderStats()).toMatchObject({ state: "up", spooled: 0, dropped: 0, invalid: 0 });
  });

  it("a burst of concurrent requests gets one row each", async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => call({ path: "/v1/models", key: fx.key })));
    const ids = results.map((r) => r.logId);
    const rows = await rowsOf(ids);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
  });
});
