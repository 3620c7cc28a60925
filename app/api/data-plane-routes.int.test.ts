/**
 * The Next route handlers of the data plane and health (used when Gatehouse
 * runs as a plain Next app), called in-process with Web Requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { GET as modelsGet, POST as modelsPost } from "@/app/api/v1/models/route";
import { POST as catchAllPost } from "@/app/api/v1/[...path]/route";
import { db, disconnectDb } from "@/lib/db";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";

let fx: GatewayFixture;

beforeAll(async () => {
  fx = await createGatewayFixture(db, "next");
});

afterAll(async () => {
  await closeQueues();
  await closeProducerConnection();
  await disconnectDb();
});

describe("app/api route handlers", () => {
  it("GET /api/health reports ok", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: { queues: { depth: Record<string, unknown> } } };
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks.queues.depth)).toContain("request-log");
  });

  it("GET /api/v1/models lists the tenant's models", async () => {
    const res = await modelsGet(new Request("http://localhost/api/v1/models", { headers: { authorization: `Bearer ${fx.key}` } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await res.json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).toEqual(fx.modelIds);
  });

  it("POST /api/v1/models is the pipeline's 405, not an empty one", async () => {
    const res = await modelsPost(new Request("http://localhost/api/v1/models", { method: "POST", body: "{}" }));
    expect(res.status).toBe(405);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });

  it("an unknown /api/v1 path is an OpenAI-style 404", async () => {
    const res = await catchAllPost(new Request("http://localhost/api/v1/unknown", { method: "POST", body: "{}" }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "not_found",
      message: "Unknown endpoint: POST /v1/unknown",
    });
  });
});
