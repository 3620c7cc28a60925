/**
 * Vitest globalSetup of the `int` project: once per run, re-create and migrate
 * the test database (testEnv.DATABASE_URL, `gatehouse_test` or
 * $GATEHOUSE_TEST_DATABASE) and empty the test Redis db (testEnv.REDIS_URL,
 * db 1 or $GATEHOUSE_TEST_REDIS_DB; never db 0, the dev db).
 */
import { Redis } from "ioredis";
import { testEnv } from "@/lib/testing/env";
import { prepareTestDatabase } from "@/lib/testing/db";

export function redisDbIndex(url: string): number {
  const raw = new URL(url).pathname.replace(/^\//, "");
  const index = raw === "" ? 0 : Number(raw);
  if (!Number.isInteger(index) || index < 0) throw new Error(`Bad Redis db in ${url}`);
  return index;
}

export async function flushTestRedis(url: string): Promise<void> {
  const db = redisDbIndex(url);
  if (db === 0) throw new Error(`Refusing to FLUSHDB Redis db 0 (the dev db): ${url}`);
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export default async function setup(): Promise<void> {
  await Promise.all([prepareTestDatabase(testEnv.DATABASE_URL), flushTestRedis(testEnv.REDIS_URL)]);
}
