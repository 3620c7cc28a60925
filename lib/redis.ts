import { Redis, type RedisOptions } from "ioredis";
import { getEnv } from "@/lib/env";

const globalForRedis = globalThis as unknown as { gatehouseRedis?: Redis };

/**
 * A new connection. BullMQ workers and subscribers need their own
 * (`maxRetriesPerRequest: null` for blocking commands).
 */
export function createRedis(options: RedisOptions = {}, url = getEnv().REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: false, enableAutoPipelining: true, ...options });
}

/** The process-wide command connection: hot state (limits, circuits, cache). */
export function getRedis(): Redis {
  globalForRedis.gatehouseRedis ??= createRedis({ maxRetriesPerRequest: 2 });
  return globalForRedis.gatehouseRedis;
}

export async function disconnectRedis(): Promise<void> {
  if (globalForRedis.gatehouseRedis) {
    await globalForRedis.gatehouseRedis.quit().catch(() => undefined);
    globalForRedis.gatehouseRedis = undefined;
  }
}
