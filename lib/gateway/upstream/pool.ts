import { availableParallelism } from "node:os";
import { Pool } from "undici";

/**
 * One undici Pool per upstream origin, shared by every request of the process
 * (DESIGN.md: never the global fetch() on the hot path).
 *
 * Sizing for this 2-core machine: one Node process serves the data plane on
 * one core, the other is left to the worker, Redis and Postgres. By Little's
 * law a pool needs (requests/s x upstream seconds) connections to never queue:
 * 5,000 req/s against a 50 ms upstream is 250 in flight; streamed completions
 * last seconds, so concurrency is bounded by the clients, not the CPU. With
 * pipelining 1 (LLM APIs answer one request per connection at a time, and a
 * slow head-of-line response must not delay the next) that is 256 connections
 * per core: 512 here. Connections open lazily and close after keepAliveTimeout
 * idle (or the server's own keep-alive hint), so an idle origin holds none.
 */

export interface PoolOptions {
  connections: number;
  keepAliveTimeoutMs: number;
  keepAliveMaxTimeoutMs: number;
  connectTimeoutMs: number;
  /** Safety nets only: deadlines come from the caller's AbortSignal. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export const DEFAULT_POOL_OPTIONS: Readonly<PoolOptions> = {
  connections: Math.max(64, availableParallelism() * 256),
  keepAliveTimeoutMs: 10_000,
  keepAliveMaxTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 600_000,
  bodyTimeoutMs: 300_000,
};

let options: PoolOptions = { ...DEFAULT_POOL_OPTIONS };
const pools = new Map<string, Pool>();

/** Changes the options of pools created from now on (call at startup, before traffic). */
export function configurePools(overrides: Partial<PoolOptions>): void {
  options = { ...options, ...overrides };
}

/** `origin` is scheme://host[:port], no path (e.g. `https://api.openai.com`). */
export function getPool(origin: string): Pool {
  let pool = pools.get(origin);
  if (pool === undefined || pool.closed || pool.destroyed) {
    pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
    });
    pools.set(origin, pool);
  }
  return pool;
}

/** Origins with a pool, for health output and tests. */
export function poolOrigins(): string[] {
  return [...pools.keys()];
}

/**
 * Closes every pool (shutdown). Graceful by default: waits for in-flight
 * requests to finish; `force` destroys them at once.
 */
export async function closeAllPools(opts: { force?: boolean } = {}): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => (opts.force ? p.destroy() : p.close()).catch(() => undefined)));
}
