/**
 * A multi-process gateway (GATEHOUSE_GATEWAY_PROCESSES, lib/cluster.ts): the
 * process started supervises N workers on one port; connections are spread
 * over them; a worker that dies is replaced while the others keep answering;
 * SIGTERM drains every worker and the instance exits 0.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { childEnv, spawnEntry } from "@/lib/testing/spawn";
import { eventually, postJson, problemLines, startGateway, startSim, type GatewayHandle, type SimHandle } from "./harness";

let db: Db;
let t: TestTenant;
let gw: GatewayHandle;
let sim: SimHandle;

/** The gateway workers of primary `pid`: its children running server.ts (from /proc; tsx's esbuild service is a child too). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("server.ts")) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out.sort();
}

/** GET /v1/models on a connection of its own (the cluster hands out connections, not requests). */
function modelsOnNewConnection(url: string, key: string): Promise<{ status: number; requestId: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/models`, { agent: false, headers: { authorization: `Bearer ${key}`, connection: "close" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers["x-request-id"] ?? "") }));
    });
    req.on("error", reject);
    req.setTimeout(5_000, () => req.destroy(new Error("no answer within 5 s")));
    req.end();
  });
}

/** The pid that logged `gateway.request` for each request id (LOG_LEVEL=debug). */
function servedBy(requestIds: readonly string[]): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of gw.child.stdout().split("\n")) {
    if (!line.includes('"gateway.request"')) continue;
    const parsed = JSON.parse(line) as { pid: number; requestId?: string };
    if (parsed.requestId && requestIds.includes(parsed.requestId)) pids.set(parsed.requestId, parsed.pid);
  }
  return pids;
}

beforeAll(async () => {
  db = createDb();
  t = await createTestTenant(db, "processes");
  sim = await startSim();
  const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const modelId = await addModel(db, t.tenantId, providerId, "gpt-4o-mini");
  await addRoute(db, t.tenantId, { alias: "chat", targets: [{ modelId }] });
  gw = await startGateway({ GATEHOUSE_GATEWAY_PROCESSES: "2", LOG_LEVEL: "debug" });
}, 60_000);

afterAll(async () => {
  const primary = gw?.child.proc.pid;
  const workers = primary ? childrenOf(primary) : [];
  gw?.child.kill();
  for (const pid of workers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await sim?.sim.close();
  await db?.$disconnect();
});

describe("GATEHOUSE_GATEWAY_PROCESSES=2", () => {
  it("says so once every worker listens, and runs two workers under the process started", () => {
    expect(gw.child.stdout()).toMatch(/Gatehouse listening on http:\/\/\S+ \(role: gateway, 2 processes\)/);
    expect(gw.child.stdout().match(/Gatehouse listening on/g)).toHaveLength(1);
    expect(childrenOf(gw.child.proc.pid ?? 0)).toHaveLength(2);
  });

  it("spreads connections over both workers", async () => {
    const workers = childrenOf(gw.child.proc.pid ?? 0);
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await modelsOnNewConnection(gw.url, t.key));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const ids = answers.map((a) => a.requestId);
    const pids = await eventually(async () => {
      const m = servedBy(ids);
      return m.size === ids.length ? m : undefined;
    });
    expect(new Set(pids.values())).toEqual(new Set(workers));
  });

  it("replaces a worker that dies while the other keeps answering", async () => {
    const primary = gw.child.proc.pid ?? 0;
    const [victim, survivor] = childrenOf(primary);
    process.kill(victim ?? 0, "SIGKILL");
    await eventually(async () => (gw.child.stdout().includes('"event":"cluster.worker_exited"') ? true : undefined));
    // Meanwhile every request is answered (by the survivor until the replacement listens).
    for (let i = 0; i < 5; i++) expect((await modelsOnNewConnection(gw.url, t.key)).status).toBe(200);
    const now = await eventually(async () => {
      const c = childrenOf(primary);
      return c.length === 2 && !c.includes(victim ?? 0) ? c : undefined;
    });
    expect(now).toContain(survivor);
    const replacement = now.find((pid) => pid !== survivor);
    await eventually(async () => (gw.child.stdout().includes(`"pid":${replacement},"event":"server.listening"`) ? true : undefined), { timeoutMs: 45_000 });
  }, 60_000);

  it("drains every worker on SIGTERM and exits 0", async () => {
    const primary = gw.child.proc.pid ?? 0;
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    // A request in flight when the signal comes is answered before its worker stops.
    sim.sim.configure({ latencyMs: 1_500 });
    const inFlight = postJson(`${gw.url}/v1/chat/completions`, { model: "chat", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${t.key}` });
    await expect.poll(() => sim.sim.requests().length, { timeout: 10_000 }).toBe(1);
    gw.child.proc.kill("SIGTERM");
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.headers.get("connection")).toBe("close");
    expect(await gw.child.exited()).toBe(0);
    expect(workers.filter((pid) => childrenOf(primary).includes(pid) || existsProc(pid))).toEqual([]);
    // No error line but the killed worker's (the test's own doing).
    expect(problemLines(gw.child).filter((l) => !l.includes("cluster.worker_exited"))).toEqual([]);
  });
});

function existsProc(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a worker that cannot start", () => {
  it("is replaced a few times, then the instance stops with exit 1 instead of restarting forever", async () => {
    // The port is taken: every worker fails to listen and exits.
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const child = spawnEntry("server.ts", childEnv({ GATEHOUSE_ROLE: "gateway", LOG_LEVEL: "info", GATEHOUSE_GATEWAY_PROCESSES: "2", PORT: String(port) }));
    try {
      expect(await child.exited(90_000)).toBe(1);
      expect(child.stdout()).toContain('"event":"cluster.crash_loop"');
      expect(child.stdout().match(/"event":"cluster.worker_exited"/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    } finally {
      child.kill();
      taken.close();
    }
  }, 120_000);
});
