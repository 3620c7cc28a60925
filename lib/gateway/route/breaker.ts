import { CircuitBreaker } from "@/lib/gateway/reliability/circuit-breaker";
import { IdempotencyStore } from "@/lib/gateway/reliability/idempotency";
import { getRedis } from "@/lib/redis";

/**
 * The process's circuit breaker and idempotency store, on the shared Redis
 * command connection (auto-pipelined). On globalThis so the copy of this
 * module Next bundles for app/api/v1/** shares them with server.ts.
 */
const g = globalThis as unknown as { gatehouseBreaker?: CircuitBreaker; gatehouseIdempotency?: IdempotencyStore };

export function getCircuitBreaker(): CircuitBreaker {
  g.gatehouseBreaker ??= new CircuitBreaker({ redis: getRedis() });
  return g.gatehouseBreaker;
}

export function getIdempotencyStore(): IdempotencyStore {
  g.gatehouseIdempotency ??= new IdempotencyStore({ redis: getRedis() });
  return g.gatehouseIdempotency;
}

/** Resolves with `p`, or with `fallback` once `ms` passed (Redis bookkeeping never holds a request long). */
export function bounded<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref?.();
  });
  return Promise.race([p.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}
