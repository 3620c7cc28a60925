/**
 * The two adapters drive one pipeline: the same request through serveWeb
 * (Next route handlers) and serveNode (server.ts fast path, over real HTTP)
 * gives the same status, headers that matter, and body.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { serveNode } from "@/lib/gateway/node-adapter";
import { serveWeb } from "@/lib/gateway/web-adapter";
import { invalidateGatewayConfig } from "@/lib/gateway/config";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";

let fx: GatewayFixture;
let server: Server;
let base: string;

beforeAll(async () => {
  process.env.GATEHOUSE_MAX_BODY_BYTES = "2048";
  resetEnvCache();
  fx = await createGatewayFixture(db, "web");
  server = createServer((req, res) => void serveNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  delete process.env.GATEHOUSE_MAX_BODY_BYTES;
  resetEnvCache();
  await disconnectDb();
});

interface Case {
  name: string;
  method: string;
  path: string;
  headers: () => Record<string, string>;
  body?: string;
  status: number;
}

const cases: Case[] = [
  { name: "valid key", method: "GET", path: "/v1/models", headers: () => ({ authorization: `Bearer ${fx.key}` }), status: 200 },
  { name: "x-api-key", method: "GET", path: "/v1/models", headers: () => ({ "x-api-key": fx.key }), status: 200 },
  { name: "missing key", method: "GET", path: "/v1/models", headers: () => ({}), status: 401 },
  { name: "revoked key", method: "GET", path: "/v1/models", headers: () => ({ authorization: `Bearer ${fx.revokedKey}` }), status: 401 },
  { name: "expired key", method: "GET", path: "/v1/models", headers: () => ({ authorization: `Bearer ${fx.expiredKey}` }), status: 401 },
  { name: "unknown path", method: "GET", path: "/v1/nope", headers: () => ({}), status: 404 },
  { name: "wrong method", method: "POST", path: "/v1/models", headers: () => ({}), body: "{}", status: 405 },
  { name: "body too large", method: "POST", path: "/v1/chat/completions", headers: () => ({}), body: "x".repeat(4096), status: 413 },
];

async function viaNode(c: Case, requestId: string) {
  const res = await fetch(`${base}${c.path}`, { method: c.method, headers: { ...c.headers(), "x-request-id": requestId }, body: c.body });
  return { status: res.status, requestId: res.headers.get("x-request-id"), allow: res.headers.get("allow"), body: (await res.json()) as unknown };
}

async function viaWeb(c: Case, requestId: string, prefix = "") {
  const res = await serveWeb(
    new Request(`http://gatehouse.test${prefix}${c.path}`, { method: c.method, headers: { ...c.headers(), "x-request-id": requestId }, body: c.body }),
  );
  return { status: res.status, requestId: res.headers.get("x-request-id"), allow: res.headers.get("allow"), body: (await res.json()) as unknown };
}

describe("serveWeb and serveNode agree", () => {
  it.each(cases)("$name", async (c) => {
    invalidateGatewayConfig();
    const node = await viaNode(c, "parity-node");
    const web = await viaWeb(c, "parity-node");
    const nextPath = await viaWeb(c, "parity-node", "/api");
    expect(node.status).toBe(c.status);
    expect(web).toEqual(node);
    // Next mounts the pipeline under /api/v1: same answers there.
    expect(nextPath.status).toBe(node.status);
    if (c.status !== 404) expect(nextPath.body).toEqual(node.body);
    expect(node.requestId).toBe("parity-node");
  });

  it("lists the fixture's models through the Web adapter", async () => {
    const res = await serveWeb(new Request("http://gatehouse.test/api/v1/models", { headers: { authorization: `Bearer ${fx.key}` } }));
    const body = (await res.json()) as { object: string; data: Array<{ id: string }> };
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toEqual(fx.modelIds);
  });

  it("refuses a streamed Web body that grows past the limit", async () => {
    const chunk = new TextEncoder().encode("y".repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await serveWeb(
      new Request("http://gatehouse.test/v1/chat/completions", { method: "POST", body: stream, duplex: "half" } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("sees a key revoked in the database once the config cache is invalidated", async () => {
    const key = await db.apiKey.findFirstOrThrow({ where: { tenantId: fx.tenantId, revokedAt: null, expiresAt: null } });
    const req = () => serveWeb(new Request("http://gatehouse.test/v1/models", { headers: { authorization: `Bearer ${fx.key}` } }));
    expect((await req()).status).toBe(200);
    await db.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    invalidateGatewayConfig();
    expect((await req()).status).toBe(401);
    await db.apiKey.update({ where: { id: key.id }, data: { revokedAt: null } });
    invalidateGatewayConfig();
  });
});
