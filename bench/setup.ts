/**
 * The bench's own world: a scratch database (dropped, created and migrated on
 * every run), a Redis database of its own (db 13 on the shared server, flushed;
 * or a private redis-server), and the rows the gateway needs: one tenant, one
 * API key, one simulator-backed OpenAI provider and a route to it.
 */
import pg from "pg";
import { Redis } from "ioredis";
import { encryptSecret, newSecret, sha256Hex } from "@/lib/crypto";
import { createDb } from "@/lib/db";
import { databaseName, quoteIdent, withDatabase } from "@/lib/db-migrate/database";
import { migrate } from "@/lib/db-migrate/migrate";
import { decodeKey } from "@/lib/env";
import { newId } from "@/lib/ids";
import { pgUrl, testEnv } from "@/lib/testing/env";
import { freePort } from "@/lib/testing/redis-server";
import { onCleanup, spawnProc } from "./processes";

export const BENCH_DATABASE = process.env.GATEHOUSE_BENCH_DATABASE ?? "gatehouse_bench";
export const BENCH_REDIS_DB = Number(process.env.GATEHOUSE_BENCH_REDIS_DB ?? "13");

/** The route alias the bench calls, and the simulator model behind it. */
export const ROUTE_ALIAS = "bench-chat";
export const UPSTREAM_MODEL = "sim-primary";
export const UPSTREAM_KEY = "sk-bench-upstream-0000000000000000";

export function benchDatabaseUrl(): string {
  return pgUrl(BENCH_DATABASE);
}

/** Drops and recreates the scratch database, then applies every migration. */
export async function prepareDatabase(url: string): Promise<{ migrations: number }> {
  const admin = new pg.Client({ connectionString: withDatabase(url) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const result = await migrate({ databaseUrl: url });
  return { migrations: result.applied.length };
}

export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  db: number;
  /** True when the whole server is the bench's (exact command counts). */
  private: boolean;
  /** The private redis-server's pid (its CPU counts as the bench's own). */
  pid: number | null;
}

/** Redis db 13 of the shared server (flushed: that db only), or a private redis-server when asked. */
export async function prepareRedis(privateServer: boolean): Promise<BenchRedis> {
  if (privateServer) {
    const port = await freePort();
    const proc = spawnProc(
      "redis-server",
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
      { PATH: process.env.PATH, NODE_ENV: "production" },
    );
    await proc.waitFor(/Ready to accept connections/, 15_000);
    return { url: `redis://127.0.0.1:${port}/0`, host: "127.0.0.1", port, db: 0, private: true, pid: proc.pid };
  }
  const base = new URL(process.env.TEST_REDIS_BASE_URL ?? "redis://127.0.0.1:6379");
  base.pathname = `/${BENCH_REDIS_DB}`;
  const url = base.toString();
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  return { url, host: base.hostname, port: Number(base.port || 6379), db: BENCH_REDIS_DB, private: false, pid: null };
}

export interface Seeded {
  tenantId: string;
  apiKey: string;
  alias: string;
  upstreamModel: string;
}

export async function seed(databaseUrl: string, simulatorUrl: string, opts: { guardsOff?: boolean } = {}): Promise<Seeded> {
  const encKey = decodeKey(testEnv.GATEHOUSE_ENCRYPTION_KEY);
  if (!encKey) throw new Error("unreachable: the test encryption key is 32 bytes");
  const db = createDb(databaseUrl);
  try {
    const tenantId = newId("tenant");
    const providerId = newId("provider");
    const modelId = newId("providerModel");
    const featureId = newId("feature");
    const routeId = newId("route");
    const apiKey = newSecret("gh_live");
    await db.$transaction(async (tx) => {
      await tx.tenant.create({ data: { id: tenantId, slug: "bench", name: "Bench" } });
      await tx.provider.create({
        data: {
          id: providerId,
          tenantId,
          name: "sim-openai",
          kind: "openai",
          baseUrl: `${simulatorUrl}/v1`,
          secretCiphertext: encryptSecret(UPSTREAM_KEY, encKey),
        },
      });
      await tx.providerModel.create({ data: { id: modelId, tenantId, providerId, name: UPSTREAM_MODEL } });
      await tx.modelPrice.create({
        data: { id: newId("modelPrice"), tenantId, modelId, inputPerMTokMicros: 150_000n, outputPerMTokMicros: 600_000n },
      });
      await tx.feature.create({ data: { id: featureId, tenantId, key: "bench", name: "Bench" } });
      if (opts.guardsOff) {
        const off = { mode: "off" };
        await tx.guardPolicy.create({
          data: { id: newId("guardPolicy"), tenantId, featureId: null, config: { injection: off, pii: off, moderation: off, schema: off, tools: off } },
        });
      }
      await tx.route.create({ data: { id: routeId, tenantId, featureId, alias: ROUTE_ALIAS } });
      await tx.routeTarget.create({
        data: { id: newId("routeTarget"), tenantId, routeId, modelId, position: 0, timeoutMs: 30_000 },
      });
      await tx.apiKey.create({
        data: { id: newId("apiKey"), tenantId, name: "bench", prefix: apiKey.slice(0, 12), hash: sha256Hex(apiKey), featureId },
      });
    });
    return { tenantId, apiKey, alias: ROUTE_ALIAS, upstreamModel: UPSTREAM_MODEL };
  } finally {
    await db.$disconnect();
  }
}

/** The environment of the gateway and worker: nothing from the developer's .env, everything pointing at the bench's world. */
export function childEnv(databaseUrl: string, redisUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOTENV_CONFIG_PATH: "/dev/null",
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    NEXTAUTH_SECRET: testEnv.NEXTAUTH_SECRET,
    NEXTAUTH_URL: "http://127.0.0.1:3000",
    GATEHOUSE_ENCRYPTION_KEY: testEnv.GATEHOUSE_ENCRYPTION_KEY,
    GATEHOUSE_SPOOL_DIR: "var/bench-spool",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: "0",
    ...extra,
  };
}

/** Counts what the worker has written so far. */
export async function countRequestLogs(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM request_logs");
    return Number(r.rows[0]?.n ?? "0");
  } finally {
    await client.end();
  }
}

export { onCleanup };
