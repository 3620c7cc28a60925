import { db } from "@/lib/db";
import { getQueue, queueDefinitions } from "@/lib/queues";
import { getProducerConnection } from "@/lib/queues/connection";

/**
 * `GET /api/health`: Postgres, Redis and the depth of every queue. Degraded
 * (503) when Postgres or Redis does not answer in time; queue depth is
 * information for dashboards and alerts, not a reason to take an instance out
 * of a load balancer. Unauthenticated, so errors are reduced to a short code
 * (never a connection string).
 */
export const HEALTH_TIMEOUT_MS = 2_000;

export type CheckResult = { status: "ok"; latencyMs: number } | { status: "error"; latencyMs: number; error: string };

export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface HealthReport {
  status: "ok" | "degraded";
  checks: {
    postgres: CheckResult;
    redis: CheckResult;
    queues: { status: "ok"; depth: Record<string, QueueDepth> } | { status: "error"; error: string };
  };
}

class TimeoutError extends Error {
  override name = "TimeoutError";
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a late failure after the timeout is not unhandled
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (err instanceof TimeoutError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Z0-9_]{2,32}$/.test(code)) return code;
  return "unavailable";
}

async function timed(work: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  try {
    await withTimeout(work(), timeoutMs);
    return { status: "ok", latencyMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { status: "error", latencyMs: Math.round(performance.now() - start), error: describe(err) };
  }
}

export async function checkHealth(timeoutMs = HEALTH_TIMEOUT_MS): Promise<HealthReport> {
  const [postgres, redis] = await Promise.all([
    timed(() => db.$queryRaw`SELECT 1`, timeoutMs),
    timed(() => getProducerConnection().ping(), timeoutMs),
  ]);

  let queues: HealthReport["checks"]["queues"];
  if (redis.status !== "ok") {
    queues = { status: "error", error: "redis unavailable" };
  } else {
    try {
      const entries = await withTimeout(
        Promise.all(
          queueDefinitions.map(async (def) => {
            const c = await getQueue(def).getJobCounts("waiting", "active", "delayed", "failed");
            const depth: QueueDepth = {
              waiting: c.waiting ?? 0,
              active: c.active ?? 0,
              delayed: c.delayed ?? 0,
              failed: c.failed ?? 0,
            };
            return [def.name, depth] as const;
          }),
        ),
        timeoutMs,
      );
      queues = { status: "ok", depth: Object.fromEntries(entries) };
    } catch (err) {
      queues = { status: "error", error: describe(err) };
    }
  }

  const ok = postgres.status === "ok" && redis.status === "ok";
  return { status: ok ? "ok" : "degraded", checks: { postgres, redis, queues } };
}

/** The HTTP answer: 200 when healthy, 503 when degraded; never cached. */
export async function healthResponse(): Promise<{ status: number; headers: Record<string, string>; body: HealthReport }> {
  const report = await checkHealth();
  return {
    status: report.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
    body: report,
  };
}
