/**
 * server.ts as a real process in the `gateway` role, over real HTTP, against
 * the test Postgres and Redis.
 */
import { request as httpRequest } from "node:http";
import { createServer as createNetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";
import { startServer, type Child } from "@/lib/testing/spawn";

const MAX_BODY = 1024;

let db: Db;
let fx: GatewayFixture;
let server: { child: Child; url: string };

beforeAll(async () => {
  db = createDb();
  fx = await createGatewayFixture(db, "srv");
  server = await startServer({ GATEHOUSE_MAX_BODY_BYTES: String(MAX_BODY) });
});

afterAll(async () => {
  server?.child.kill();
  await db?.$disconnect();
});

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers });
}

describe("GET /v1/models", () => {
  it("lists the tenant's route aliases and enabled models for a valid Bearer key", async () => {
    const res = await get("/v1/models", { authorization: `Bearer ${fx.key}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { object: string; data: Array<{ id: string; object: string; created: number; owned_by: string }> };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toEqual(fx.modelIds);
    for (const m of body.data) {
      expect(m.object).toBe("model");
      expect(Number.isInteger(m.created)).toBe(true);
    }
    expect(body.data.find((m) => m.id === "support-reply")?.owned_by).toBe("gatehouse");
    expect(body.data.find((m) => m.id === "gpt-4o")?.owned_by).toBe("sim-openai");
  });

  it("accepts the key in x-api-key too", async () => {
    const res = await get("/v1/models", { "x-api-key": fx.key });
    expect(res.status).toBe(200);
  });

  it("does not list another tenant's models", async () => {
    const other = await createGatewayFixture(db, "other");
    await db.route.create({ data: { id: `rte_only_${other.tenantId}`, tenantId: other.tenantId, alias: "other-only" } });
    const res = await get("/v1/models", { authorization: `Bearer ${fx.key}` });
    const body = (await res.json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).not.toContain("other-only");
  });

  const refused: Array<[string, () => Record<string, string>, RegExp]> = [
    ["missing", () => ({}), /didn't provide an API key/],
    ["not Bearer", () => ({ authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }), /didn't provide an API key/],
    ["unknown", () => ({ authorization: "Bearer gh_test_thisKeyDoesNotExistAnywhere000000000000" }), /Incorrect API key provided: gh_test_th\*+0000/],
    ["revoked", () => ({ authorization: `Bearer ${fx.revokedKey}` }), /revoked/],
    ["expired", () => ({ "x-api-key": fx.expiredKey }), /expired/],
  ];
  it.each(refused)("refuses a %s key with 401 invalid_api_key", async (_name, headers, message) => {
    const res = await get("/v1/models", headers());
    expect(res.status).toBe(401);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("invalid_api_key");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBeNull();
    expect(body.error.message).toMatch(message);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("never echoes a full unknown key", async () => {
    const key = "gh_test_secretsecretsecretsecretsecret";
    const body = (await (await get("/v1/models", { authorization: `Bearer ${key}` })).json()) as ErrorBody;
    expect(body.error.message).not.toContain(key);
  });
});

describe("routing and errors", () => {
  it("answers an unknown /v1 path with an OpenAI-style 404", async () => {
    const res = await get("/v1/does-not-exist", { authorization: `Bearer ${fx.key}` });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "not_found", type: "invalid_request_error", param: null });
    expect(body.error.message).toContain("/v1/does-not-exist");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await fetch(`${server.url}/v1/models`, { method: "DELETE", headers: { authorization: `Bearer ${fx.key}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(((await res.json()) as ErrorBody).error.code).toBe("method_not_allowed");
  });

  it("answers paths outside the data plane with a JSON 404 in the gateway role (Next is not loaded)", async () => {
    const res = await get("/t/acme/overview");
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
  });

  it("refuses a body over GATEHOUSE_MAX_BODY_BYTES with 413 (content-length)", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${fx.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o", pad: "x".repeat(MAX_BODY * 2) }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("payload_too_large");
    expect(body.error.message).toContain(String(MAX_BODY));
  });

  it("refuses a chunked body that grows past the limit with 413", async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${fx.key}`, "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let data = "";
        res.setEncoding("utf8").on("data", (d: string) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on("error", reject);
      req.write("x".repeat(MAX_BODY + 100));
      req.end();
    });
    expect(status).toBe(413);
    expect((JSON.parse(body) as ErrorBody).error.code).toBe("payload_too_large");
  });

  it("accepts a body at the limit (it reaches the router: 404 for an unknown endpoint)", async () => {
    const res = await fetch(`${server.url}/v1/not-an-endpoint`, { method: "POST", body: "x".repeat(MAX_BODY) });
    expect(res.status).toBe(404);
  });

  it("echoes a valid x-request-id and replaces an invalid one", async () => {
    const echoed = await get("/v1/models", { authorization: `Bearer ${fx.key}`, "x-request-id": "trace-abc_123" });
    expect(echoed.headers.get("x-request-id")).toBe("trace-abc_123");
    const replaced = await get("/v1/models", { "x-request-id": "bad id with spaces" });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_[0-9a-z]{26}$/);
    const fresh1 = (await get("/v1/models")).headers.get("x-request-id");
    const fresh2 = (await get("/v1/nope")).headers.get("x-request-id");
    expect(fresh1).toMatch(/^req_/);
    expect(fresh2).toMatch(/^req_/);
    expect(fresh1).not.toBe(fresh2);
  });
});

describe("health", () => {
  it("GET /api/health is 200 with Postgres, Redis and queue depth", async () => {
    const res = await get("/api/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as {
      status: string;
      checks: { postgres: { status: string }; redis: { status: string }; queues: { status: string; depth: Record<string, unknown> } };
    };
    expect(body.status).toBe("ok");
    expect(body.checks.postgres.status).toBe("ok");
    expect(body.checks.redis.status).toBe("ok");
    expect(body.checks.queues.status).toBe("ok");
    expect(body.checks.queues.depth["request-log"]).toEqual({
      waiting: expect.any(Number),
      active: expect.any(Number),
      delayed: expect.any(Number),
      failed: expect.any(Number),
    });
  });

  it("is 503 degraded when Redis does not answer", async () => {
    const deadPort = await freePort();
    const degraded = await startServer({ REDIS_URL: `redis://127.0.0.1:${deadPort}/6` });
    try {
      const res = await fetch(`${degraded.url}/api/health`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: { postgres: { status: string }; redis: { status: string; error: string } } };
      expect(body.status).toBe("degraded");
      expect(body.checks.postgres.status).toBe("ok");
      expect(body.checks.redis.status).toBe("error");
      expect(JSON.stringify(body)).not.toContain("redis://");
    } finally {
      degraded.child.kill();
    }
  });
});

describe("shutdown", () => {
  it("on SIGTERM finishes the request in flight, then stops listening and exits 0", async () => {
    const s = await startServer({ LOG_LEVEL: "info" });
    const body = "x".repeat(100);
    const answer = await new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      const req = httpRequest(`${s.url}/v1/not-an-endpoint`, {
        method: "POST",
        headers: { expect: "100-continue", "content-length": String(body.length) },
      });
      // 100 Continue means the server has parsed the request and is waiting for its body:
      // the request is in flight. Stop the server, and once it has begun shutting
      // down (its log says so), send the body.
      req.on("continue", () => {
        s.child.proc.kill("SIGTERM");
        s.child.waitFor(/"event":"process.shutdown"/).then(() => req.end(body), reject);
      });
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(answer.status).toBe(404);
    expect(answer.connection).toBe("close");
    expect((JSON.parse(answer.text) as ErrorBody).error.code).toBe("not_found");
    expect(await s.child.exited()).toBe(0);
    await expect(fetch(`${s.url}/v1/models`)).rejects.toThrow();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
