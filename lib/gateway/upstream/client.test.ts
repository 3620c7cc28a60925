import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "@/lib/gateway/providers/types";
import { createUpstreamClient, splitUrl } from "./client";
import { closeAllPools, getPool, poolOrigins } from "./pool";

// The upstream client over real HTTP: failures classified, aborts propagated.
let server: http.Server;
let origin = "";
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end("ok");

beforeAll(async () => {
  server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeAllPools({ force: true });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = createUpstreamClient();

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ProviderError);
    return e as ProviderError;
  }
  throw new Error("expected a failure");
}

describe("splitUrl", () => {
  it.each([
    ["https://api.openai.com/v1/chat/completions", "https://api.openai.com", "/v1/chat/completions"],
    ["http://127.0.0.1:4010/v1beta/models/g:streamGenerateContent?alt=sse", "http://127.0.0.1:4010", "/v1beta/models/g:streamGenerateContent?alt=sse"],
    ["http://h:1?x=1", "http://h:1", "/?x=1"],
    ["http://h", "http://h", "/"],
  ])("%s", (url, o, path) => {
    expect(splitUrl(url)).toEqual({ origin: o, path });
  });

  it("refuses relative URLs", () => {
    expect(() => splitUrl("/v1/x")).toThrow(/absolute/);
  });
});

describe("UpstreamClient", () => {
  it("sends method, headers and body; returns status, headers and the body", async () => {
    handler = (req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        res.writeHead(201, { "x-echo": String(req.headers["x-key"]), "content-type": "text/plain" });
        res.end(`${req.method} ${req.url} ${Buffer.concat(parts).toString()}`);
      });
    };
    const r = await client.request({ url: `${origin}/a?b=1`, method: "POST", headers: { "x-key": "k1" }, body: "payload", signal: AbortSignal.timeout(5000) });
    expect(r.status).toBe(201);
    expect(r.headers["x-echo"]).toBe("k1");
    expect(await r.body.text()).toBe("POST /a?b=1 payload");
  });

  it("nothing listening -> connect", async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const e = await failure(client.request({ url: `http://127.0.0.1:${port}/`, method: "GET", headers: {}, signal: AbortSignal.timeout(5000) }));
    expect(e).toMatchObject({ errorClass: "connect", retryable: true, providerCode: "ECONNREFUSED" });
  });

  it("a reset connection -> reset", async () => {
    handler = (req) => req.socket.resetAndDestroy();
    const e = await failure(client.request({ url: `${origin}/`, method: "GET", headers: {}, signal: AbortSignal.timeout(5000) }));
    expect(e).toMatchObject({ errorClass: "reset", retryable: true });
  });

  it("undici's headers timeout -> timeout", async () => {
    handler = () => undefined; // never answers
    const e = await failure(client.request({ url: `${origin}/`, method: "GET", headers: {}, signal: AbortSignal.timeout(5000), headersTimeoutMs: 50 }));
    expect(e).toMatchObject({ errorClass: "timeout", providerCode: "UND_ERR_HEADERS_TIMEOUT" });
  });

  it("aborting while the body streams stops the read (cancelled) and closes the upstream connection", async () => {
    const closed = new Promise<void>((resolve) => {
      handler = (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: first\n\n");
        res.on("close", () => resolve());
      };
    });
    const ac = new AbortController();
    const r = await client.request({ url: `${origin}/`, method: "GET", headers: {}, signal: ac.signal });
    const read = (async () => {
      for await (const chunk of r.body) {
        expect(chunk.toString()).toBe("data: first\n\n");
        ac.abort();
      }
    })();
    expect(await failure(read)).toMatchObject({ errorClass: "cancelled", retryable: false });
    await closed;
  });

  it("an already aborted signal fails before any request", async () => {
    let hits = 0;
    handler = (_req, res) => {
      hits++;
      res.end();
    };
    const e = await failure(client.request({ url: `${origin}/`, method: "GET", headers: {}, signal: AbortSignal.abort(new DOMException("late", "TimeoutError")) }));
    expect(e.errorClass).toBe("timeout");
    expect(hits).toBe(0);
  });

  it("cancel() drops a body nobody reads and frees the connection", async () => {
    const closed = new Promise<void>((resolve) => {
      handler = (_req, res) => {
        res.writeHead(200);
        res.write("partial");
        res.on("close", () => resolve());
      };
    });
    const r = await client.request({ url: `${origin}/`, method: "GET", headers: {}, signal: AbortSignal.timeout(5000) });
    r.body.cancel();
    await closed;
  });
});

describe("pools", () => {
  it("one pool per origin, replaced after closeAllPools", async () => {
    const a = getPool("http://pool-a.invalid:1");
    expect(getPool("http://pool-a.invalid:1")).toBe(a);
    expect(getPool("http://pool-b.invalid:1")).not.toBe(a);
    expect(poolOrigins()).toEqual(expect.arrayContaining(["http://pool-a.invalid:1", "http://pool-b.invalid:1"]));
    await closeAllPools();
    expect(a.closed).toBe(true);
    expect(poolOrigins()).toEqual([]);
    expect(getPool("http://pool-a.invalid:1")).not.toBe(a);
  });
});
