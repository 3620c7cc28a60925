/**
 * The request log survives Redis being stopped and restarted during traffic:
 * a real gateway process and a real worker process, both on a PRIVATE
 * redis-server (never the shared one), requests flowing while Redis is shut
 * down and brought back. Every request whose tenant is known must end up in
 * request_logs exactly once: the ones Redis could not take were spooled to
 * disk by the gateway and replayed when Redis came back.
 *
 * The private Redis runs with the AOF fsynced on every write, as the queue's
 * Redis must in production: what Redis acknowledged survives its restart.
 * (Without persistence a Redis restart empties the queue itself, which no
 * producer can prevent.) SHUTDOWN NOSAVE skips the RDB snapshot only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { childEnv, eventually, spawnEntry, startServer, type Child } from "@/lib/testing/spawn";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A redis-server of our own, with its data in `dir` (AOF, fsync always). */
class PrivateRedis {
  proc: ChildProcess | undefined;
  private out = "";
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    this.out = "";
    const proc = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.proc = proc;
    proc.stdout?.setEncoding("utf8").on("data", (d: string) => (this.out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready:\n${this.out}`)), 15_000);
      const check = (): void => {
        if (/Ready to accept connections/.test(this.out)) {
          clearTimeout(timer);
          proc.stdout?.off("data", check);
          resolve();
        }
      };
      proc.stdout?.on("data", check);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${this.out}`));
      });
    });
  }

  /** SHUTDOWN NOSAVE, then wait for the process to be gone. */
  async shutdown(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const admin = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    await admin.connect();
    await admin.call("SHUTDOWN", "NOSAVE").catch(() => undefined); // the connection drops: that is the answer
    admin.disconnect();
    await exited;
    this.proc = undefined;
  }

  kill(): void {
    if (this.proc && this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

let db: Db;
let fx: GatewayFixture;
let redis: PrivateRedis;
let spoolDir: string;
let redisDir: string;
let gateway: { child: Child; url: string } | undefined;
let worker: Child | undefined;

beforeAll(async () => {
  db = createDb();
  fx = await createGatewayFixture(db, "outage");
  redisDir = mkdtempSync(path.join(tmpdir(), "gatehouse-redis-"));
  spoolDir = mkdtempSync(path.join(tmpdir(), "gatehouse-spool-"));
  redis = new PrivateRedis(await freePort(), redisDir);
  await redis.start();
  const env = { REDIS_URL: redis.url, GATEHOUSE_SPOOL_DIR: spoolDir };
  worker = spawnEntry("workers/index.ts", childEnv(env));
  await worker.waitFor(/Gatehouse worker running/);
  gateway = await startServer({ ...env, LOG_LEVEL: "info" });
});

afterAll(async () => {
  gateway?.child.kill();
  worker?.kill();
  redis?.kill();
  await db?.$disconnect();
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
});

/** Records the gateway says it replayed from its spool (its `record.spool_replayed` log lines). */
function replayedRecords(stdout: string): number {
  let n = 0;
  for (const line of stdout.split("\n")) {
    if (!line.includes('"event":"record.spool_replayed"')) continue;
    n += (JSON.parse(line) as { records: number }).records;
  }
  return n;
}

type Kind = "valid" | "revoked" | "unknown" | "client-id";

interface Sent {
  kind: Kind;
  status: number;
  logId: string;
}

async function send(kind: Kind, i: number): Promise<Sent> {
  const base = gateway?.url ?? "";
  const headers: Record<string, string> = {};
  if (kind === "valid" || kind === "client-id") headers.authorization = `Bearer ${fx.key}`;
  if (kind === "revoked") headers.authorization = `Bearer ${fx.revokedKey}`;
  if (kind === "unknown") headers.authorization = `Bearer gh_test_unknown_${i}_0123456789abcdefghijklmnop`;
  if (kind === "client-id") headers["x-request-id"] = `client-trace-${i}`;
  const res = await fetch(`${base}/v1/models`, { headers });
  await res.arrayBuffer();
  const logId = res.headers.get("x-gatehouse-request-id") ?? res.headers.get("x-request-id") ?? "";
  return { kind, status: res.status, logId };
}

/** `count` requests, `concurrency` at a time; the mix of kinds is fixed by index. */
async function traffic(from: number, count: number, concurrency = 8): Promise<Sent[]> {
  const kinds: Kind[] = ["valid", "valid", "valid", "revoked", "valid", "unknown", "valid", "client-id", "valid", "valid"];
  const out: Sent[] = [];
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const i = next++;
        out.push(await send(kinds[i % kinds.length] ?? "valid", i));
      }
    }),
  );
  return out;
}

describe("request log across a Redis outage", () => {
  it("every attributable request is stored exactly once: spooled while Redis is down, replayed after", { timeout: 150_000 }, async () => {
    const N = 300;
    const phase1 = await traffic(0, 100);

    // Shut Redis down while the next requests are in flight.
    const phase2Promise = traffic(100, 100);
    await redis.shutdown();
    const phase2 = await phase2Promise;
    // Requests answered while Redis was away had their records spooled to disk.
    const moreWhileDown = await traffic(200, 20);
    await gateway?.child.waitFor(/"event":"record\.queue_unavailable"/);
    await gateway?.child.waitFor(/"event":"record\.spool_opened"/);

    // Bring it back (its AOF restores what it had accepted) while traffic goes on.
    const restart = redis.start();
    const phase3 = await traffic(220, N - 220);
    await restart;

    const all = [...phase1, ...phase2, ...moreWhileDown, ...phase3];
    expect(all).toHaveLength(N);
    // The outage never reached the callers.
    for (const s of all) expect(s.status).toBe(s.kind === "valid" || s.kind === "client-id" ? 200 : 401);
    const ids = all.map((s) => s.logId);
    expect(new Set(ids).size).toBe(N);
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-z]{26}$/);

    const attributable = all.filter((s) => s.kind !== "unknown").map((s) => s.logId);
    const unattributable = all.filter((s) => s.kind === "unknown").map((s) => s.logId);
    expect(attributable.length).toBe(270);

    const stored = await eventually(
      async () => {
        const n = await db.requestLog.count({ where: { tenantId: fx.tenantId, id: { in: attributable } } });
        return n >= attributable.length ? n : undefined;
      },
      // Generous: after a Redis error a BullMQ worker waits `runRetryDelay` (15 s by default) before fetching again.
      { timeoutMs: 100_000, what: `${attributable.length} request_logs rows` },
    );
    expect(stored).toBe(attributable.length);

    // None duplicated, none stray: exactly one row per attributable id, none for unknown keys.
    const rows = await db.requestLog.findMany({
      where: { id: { in: ids } },
      select: { id: true, tenantId: true, status: true, httpStatus: true, errorCode: true, apiKeyId: true, metadata: true },
    });
    expect(rows).toHaveLength(attributable.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(attributable));
    expect(rows.filter((r) => unattributable.includes(r.id))).toEqual([]);
    const revoked = rows.filter((r) => r.httpStatus === 401);
    expect(revoked).toHaveLength(30);
    for (const r of revoked) expect(r).toMatchObject({ status: "blocked", errorCode: "invalid_api_key", tenantId: fx.tenantId });
    const withClientId = rows.filter((r) => (r.metadata as { clientRequestId?: string }).clientRequestId?.startsWith("client-trace-"));
    expect(withClientId).toHaveLength(30);

    // The spool was really used (at least the 18 attributable requests sent after Redis was gone), and is empty once replayed.
    await gateway?.child.waitFor(/"event":"record\.spool_replayed"/);
    expect(replayedRecords(gateway?.child.stdout() ?? "")).toBeGreaterThanOrEqual(moreWhileDown.filter((s) => s.kind !== "unknown").length);
    await eventually(async () => (readdirSync(spoolDir).length === 0 ? true : undefined), { what: "empty spool dir" });
    // Unknown keys are in the process log only.
    expect(gateway?.child.stdout()).toContain('"event":"gateway.request_unattributed"');
  });

  it("a gateway stopped while Redis is down leaves a sealed spool that the next one replays at start", { timeout: 150_000 }, async () => {
    const outages = (): number => (gateway?.child.stdout().match(/"event":"record\.queue_unavailable"/g) ?? []).length;
    const before = outages();
    await redis.shutdown();
    const sent = await traffic(1_000, 20, 4);
    const attributable = sent.filter((s) => s.kind !== "unknown").map((s) => s.logId);
    await eventually(async () => (outages() > before ? true : undefined), { what: "the gateway to notice the outage" });

    // SIGTERM: the gateway seals its spool (Redis is down, nothing to replay to) and exits.
    gateway?.child.proc.kill("SIGTERM");
    expect(await gateway?.child.exited(30_000)).toBe(0);
    const left = readdirSync(spoolDir);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((n) => n.endsWith(".jsonl"))).toBe(true);

    await redis.start();
    gateway = await startServer({ REDIS_URL: redis.url, GATEHOUSE_SPOOL_DIR: spoolDir, LOG_LEVEL: "info" });
    const child = gateway.child;
    const replayed = await eventually(
      async () => {
        const r = replayedRecords(child.stdout());
        return r >= attributable.length ? r : undefined;
      },
      { what: "the new gateway to replay the spool at start" },
    );
    expect(replayed).toBe(attributable.length);
    const n = await eventually(
      async () => {
        const c = await db.requestLog.count({ where: { id: { in: attributable } } });
        return c >= attributable.length ? c : undefined;
      },
      { timeoutMs: 100_000, what: "replayed rows" },
    );
    expect(n).toBe(attributable.length);
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
