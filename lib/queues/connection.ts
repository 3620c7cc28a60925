import type { Redis } from "ioredis";
import { createRedis } from "@/lib/redis";
import { log } from "@/lib/log";

/**
 * Redis connections for BullMQ.
 *
 * - Producers (web processes enqueueing jobs, the health check) share one
 *   connection that fails fast: a command waits for at most one reconnection
 *   attempt, so a request never hangs on a Redis outage (issue 3 spools the
 *   request log to disk when enqueueing fails).
 * - Workers get their own with `maxRetriesPerRequest: null`, which BullMQ
 *   requires for its blocking commands (it refuses anything else) and which
 *   makes a worker ride out a Redis restart instead of failing jobs.
 */
const globalForQueues = globalThis as unknown as { gatehouseQueueRedis?: Redis };

export function getProducerConnection(): Redis {
  if (!globalForQueues.gatehouseQueueRedis) {
    const conn = createRedis({ maxRetriesPerRequest: 1, connectionName: "gatehouse:producer" });
    watchErrors(conn, "producer");
    globalForQueues.gatehouseQueueRedis = conn;
  }
  return globalForQueues.gatehouseQueueRedis;
}

export function createWorkerConnection(): Redis {
  const conn = createRedis({ maxRetriesPerRequest: null, connectionName: "gatehouse:worker" });
  watchErrors(conn, "worker");
  return conn;
}

/** One log line per distinct error while Redis is away, not one per reconnection attempt. */
function watchErrors(conn: Redis, role: string): void {
  let last = "";
  conn.on("error", (err: Error & { code?: string }) => {
    const what = err.code ?? err.message;
    if (what !== last) log("warn", "redis.error", { role, error: what });
    last = what;
  });
  conn.on("ready", () => {
    if (last) log("info", "redis.reconnected", { role });
    last = "";
  });
}

export async function closeProducerConnection(): Promise<void> {
  const conn = globalForQueues.gatehouseQueueRedis;
  globalForQueues.gatehouseQueueRedis = undefined;
  if (conn) await conn.quit().catch(() => conn.disconnect());
}
