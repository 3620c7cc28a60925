import type { Redis } from "ioredis";
import { log } from "@/lib/log";
import { getRedis } from "@/lib/redis";
import { CONFIG_VERSION_KEY, ConfigChange, configChannel } from "@/lib/config-events/schema";

/**
 * INCR the version and PUBLISH the change with the new version: one atomic
 * round trip. ARGV[2] is the change as a JSON object; the script splices the
 * version in front (`{"version":7,"tenantId":...}`).
 */
const PUBLISH_SCRIPT = `
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], '{"version":' .. v .. ',' .. string.sub(ARGV[2], 2))
return v`;

/** How long a caller may be held up by a slow or unreachable Redis. */
export const PUBLISH_TIMEOUT_MS = 1_000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface PublishOptions {
  /** Defaults to the process-wide connection (lib/redis). */
  redis?: Redis;
  timeoutMs?: number;
}

interface Retry {
  change: ConfigChange;
  attempt: number;
  timer: NodeJS.Timeout;
}
const retries = new Map<Redis, Retry>();

/**
 * Tells every gateway instance that configuration changed. Call it AFTER the
 * Postgres transaction committed (never inside it: a rolled-back change must
 * not be announced, and a reader must find the committed rows when the
 * message arrives):
 *
 *   const key = await db.$transaction(async (tx) => { ...; await writeAudit(tx, ...); return dto; });
 *   await publishConfigChange({ tenantId: ctx.tenantId, kind: "api_key", id: key.id });
 *
 * Never throws and never holds the caller longer than `PUBLISH_TIMEOUT_MS`:
 * the change is already durable. Resolves with the new version, or null when
 * Redis could not take it; then a warning is logged and the announcement is
 * retried in the background with backoff (one retry covers every change
 * that failed meanwhile, since any new version makes gateways reload
 * everything). If this process dies before Redis is back, gateways still
 * converge through their periodic full reload (GATEHOUSE_CONFIG_REFRESH_MS).
 */
export async function publishConfigChange(change: ConfigChange, opts: PublishOptions = {}): Promise<number | null> {
  const parsed = ConfigChange.safeParse(change);
  if (!parsed.success) {
    // A programming error (the type forbids it); announce anyway so gateways reload.
    log("error", "config.publish_invalid", { kind: String(change.kind), issues: parsed.error.issues.map((i) => i.message) });
  }
  const clean: ConfigChange = parsed.success ? parsed.data : { tenantId: change.tenantId ?? null, kind: change.kind };
  let redis: Redis;
  try {
    redis = opts.redis ?? getRedis();
  } catch (err) {
    log("warn", "config.publish_failed", { ...fields(clean), message: messageOf(err) });
    return null;
  }
  try {
    const version = await announce(redis, clean, opts.timeoutMs ?? PUBLISH_TIMEOUT_MS);
    // A success also settles any earlier failed announcement on this connection.
    cancelRetry(redis);
    return version;
  } catch (err) {
    log("warn", "config.publish_failed", { ...fields(clean), message: messageOf(err), retryInMs: scheduleRetry(redis, clean) });
    return null;
  }
}

async function announce(redis: Redis, change: ConfigChange, timeoutMs: number): Promise<number> {
  const message = JSON.stringify({ ...change, at: Date.now() });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const channel = configChannel(redis.options.db ?? 0);
    const result = await Promise.race([redis.eval(PUBLISH_SCRIPT, 1, CONFIG_VERSION_KEY, channel, message), timeout]);
    const version = Number(result);
    if (!Number.isSafeInteger(version)) throw new Error(`Unexpected reply to the publish script: ${String(result)}`);
    return version;
  } finally {
    clearTimeout(timer);
  }
}

function scheduleRetry(redis: Redis, change: ConfigChange): number {
  const prev = retries.get(redis);
  if (prev) clearTimeout(prev.timer);
  const attempt = (prev?.attempt ?? 0) + 1;
  const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
  const timer = setTimeout(() => {
    announce(redis, change, PUBLISH_TIMEOUT_MS).then(
      (version) => {
        if (retries.get(redis)?.timer !== timer) return;
        retries.delete(redis);
        log("info", "config.publish_recovered", { ...fields(change), version, attempts: attempt + 1 });
      },
      (err: unknown) => {
        if (retries.get(redis)?.timer !== timer) return;
        log("warn", "config.publish_failed", { ...fields(change), message: messageOf(err), retryInMs: scheduleRetry(redis, change) });
      },
    );
  }, delay);
  timer.unref();
  retries.set(redis, { change, attempt, timer });
  return delay;
}

function cancelRetry(redis: Redis): void {
  const r = retries.get(redis);
  if (r) {
    clearTimeout(r.timer);
    retries.delete(redis);
  }
}

/** How many connections have an announcement waiting to be retried (tests, health). */
export function pendingConfigAnnouncements(): number {
  return retries.size;
}

/** Drops pending retries (tests, shutdown). */
export function cancelConfigAnnouncementRetries(): void {
  for (const redis of [...retries.keys()]) cancelRetry(redis);
}

function fields(change: ConfigChange): Record<string, unknown> {
  return { kind: change.kind, tenantId: change.tenantId, resourceId: change.id };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
