/**
 * A circuit breaker per route target, its state in Redis so every gateway
 * instance agrees (STYLE.md, the LiteLLM row: one expiring Redis key per
 * target, explicit rules per error class -> retry-policy.ts).
 *
 * States
 * - closed: every attempt is allowed. `failureThreshold` CONSECUTIVE failures
 *   (retry-policy `countsAsCircuitFailure`) open it; any success resets the
 *   streak, and so does a quiet spell of `streakResetMs` (default 60 s)
 *   without a new failure, so rare failures hours apart never add up.
 * - open: nothing is allowed until `openedAt + cooldownMs`.
 * - half_open: after the cool-down, the first acquire anywhere in the cluster
 *   becomes the single probe (an atomic Lua script); all others are refused
 *   while it runs. The probe's success closes the circuit, its failure opens
 *   it again for another cool-down. A probe that never reports (its instance
 *   died) holds the lease for `probeTimeoutMs` (the target's attempt
 *   timeout), then the next acquire probes instead.
 * - forced_open / forced_closed: the admin override
 *   (`route_targets.circuit_override`), applied in process from config
 *   without touching Redis; the stored state is left as it is and takes
 *   over again when the override is lifted.
 * Reporting outcomes (the router's job): an error class that counts for the
 * circuit (retry-policy `countsAsCircuitFailure`) -> recordFailure; a
 * success -> recordSuccess; for the PROBE, an error that does not count (the
 * caller's fault: bad_request, context_length, content_filter) still proves
 * the target answers -> recordSuccess(wasProbe = true); a probe cut short
 * with no verdict (client gone, request deadline) -> releaseProbe.
 * Late outcomes never move the state backwards: a success of a request
 * admitted before the circuit opened does not close it, and a failure
 * reported while open does not extend the cool-down.
 *
 * Storage: one hash `gh:cb:<targetId>` (fields s, f, lf, oa, ou, pu); no key
 * means closed with no failures, and closing deletes the key. Times are ms
 * since the epoch from the caller's clock (injectable: tests move time
 * without sleeping), so instances need NTP-synchronised clocks; skew shifts a
 * cool-down by the skew. Keys expire 24 h after their last change as garbage
 * collection only. Scripts are registered with ioredis `defineCommand`, so
 * they travel as EVALSHA.
 *
 * Redis round trips per request (one target, no retries):
 * - healthy target: 0 on the request's path. This process keeps a view per
 *   target: "closed with no failures" is served from memory for
 *   `localCacheMs` (default 500 ms) after a Redis answer, and a success is
 *   not written while the last Redis answer showed no failures. The first
 *   request after that, if the view expired less than another `localCacheMs`
 *   ago, is still answered from memory and refreshes the view in the
 *   background (one HMGET, read only: it never takes a probe lease); the
 *   refresh keeps the view if Redis still shows no streak, else drops it, so
 *   the next acquire asks Redis (transitions and probes happen there). Only
 *   a view staler than that (a target idle for `2 x localCacheMs`) is
 *   checked inline (one EVALSHA). So at most one round trip per target per
 *   `localCacheMs` per process, whatever the rate, and none that a request
 *   waits for while the target is healthy and in use.
 * - target with a failure streak: 1 (acquire) + 1 (success or failure).
 * - open: 0 (denied from memory until min(openUntil, now + localCacheMs)) or 1.
 * - half-open probe: 1 (acquire) + 1 (outcome).
 * The price: a circuit opened by another instance is seen here up to
 * `localCacheMs` (plus one round trip) later, and this process's successes may not break a failure
 * streak that other instances built since its last Redis answer (the circuit
 * may open a little early, never late). A failure is always written at once
 * and drops the local view.
 *
 * Redis unavailable: acquire fails OPEN (allowed, source "redis_error") after
 * `redisTimeoutMs`, outcomes are dropped with a warning: the breaker must not
 * turn a Redis outage into a provider outage.
 *
 * Transitions (closed->open, open->half_open, half_open->closed,
 * half_open->open, reset) are emitted as "transition" events exactly once
 * cluster-wide, by the process whose script call performed them; the
 * incident worker hooks `circuit_open` incidents there.
 */
import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import { log } from "@/lib/log";

export type CircuitState = "closed" | "open" | "half_open";
export type CircuitOverride = "none" | "forced_open" | "forced_closed";
export type EffectiveCircuitState = CircuitState | "forced_open" | "forced_closed";

export interface CircuitPolicy {
  /** Consecutive failures that open the circuit (route_targets.failure_threshold). */
  failureThreshold: number;
  /** How long the circuit stays open before a probe (route_targets.cooldown_ms). */
  cooldownMs: number;
  /** Admin override (route_targets.circuit_override). */
  override?: CircuitOverride;
  /** How long a half-open probe holds its lease: the target's attempt timeout. Default 30 s. */
  probeTimeoutMs?: number;
  /** A failure streak is forgotten after this long without a new failure. Default 60 s. */
  streakResetMs?: number;
}

/** The policy of a route target row (Prisma RouteTarget or lib/routes RouteTarget). */
export function circuitPolicyOf(target: {
  failureThreshold: number;
  cooldownMs: number;
  circuitOverride: CircuitOverride;
  timeoutMs: number;
}): CircuitPolicy {
  return {
    failureThreshold: target.failureThreshold,
    cooldownMs: target.cooldownMs,
    override: target.circuitOverride,
    probeTimeoutMs: target.timeoutMs,
  };
}

export interface AcquireResult {
  allowed: boolean;
  state: EffectiveCircuitState;
  /** This attempt is the half-open probe: report its outcome with wasProbe = true. */
  probe: boolean;
  /** Where the answer came from (diagnostics, bench). */
  source: "override" | "local" | "redis" | "redis_error";
}

export interface CircuitStatus {
  targetId: string;
  /** Effective state at `now`: an open circuit past its cool-down reads half_open. */
  state: CircuitState;
  failures: number;
  /** ms since epoch, null when closed. */
  openedAt: number | null;
  openUntil: number | null;
}

export interface CircuitTransition {
  targetId: string;
  from: CircuitState;
  to: CircuitState;
  /** The failure streak when it opened. */
  failures: number;
  at: number;
  /** Set when `to` is open. */
  openUntil: number | null;
  cause: "failures" | "cooldown_elapsed" | "probe_succeeded" | "probe_failed" | "reset";
}

export interface CircuitBreakerOptions {
  redis: Redis;
  /** ms since epoch; injectable for tests. Default Date.now. */
  clock?: () => number;
  /** How long this process trusts its last Redis answer for a healthy or open target. 0 disables. Default 500. */
  localCacheMs?: number;
  /** acquire fails open when Redis has not answered within this. Default 250. */
  redisTimeoutMs?: number;
}

export const CIRCUIT_KEY_PREFIX = "gh:cb:";
const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
const DEFAULT_STREAK_RESET_MS = 60_000;
const GC_MS = 24 * 60 * 60 * 1000;

// KEYS[1] = hash. ARGV: now, probe lease ms, streak reset ms, gc ms.
// Returns {allowed, state, probe, failures, transitioned, openedAt, openUntil}.
const ACQUIRE_LUA = `
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 's', 'f', 'lf', 'oa', 'ou', 'pu')
local s = v[1] or 'closed'
local f = tonumber(v[2]) or 0
local oa = tonumber(v[4]) or 0
local ou = tonumber(v[5]) or 0
if s == 'closed' then
  if f > 0 and now - (tonumber(v[3]) or 0) >= tonumber(ARGV[3]) then f = 0 end
  return {1, s, 0, f, 0, oa, ou}
end
if s == 'open' then
  if now < ou then return {0, s, 0, f, 0, oa, ou} end
  redis.call('HSET', KEYS[1], 's', 'half_open', 'pu', now + tonumber(ARGV[2]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  return {1, 'half_open', 1, f, 1, oa, ou}
end
if now < (tonumber(v[6]) or 0) then return {0, s, 0, f, 0, oa, ou} end
redis.call('HSET', KEYS[1], 'pu', now + tonumber(ARGV[2]))
return {1, s, 1, f, 0, oa, ou}
`;

// KEYS[1] = hash. ARGV: wasProbe ("1"/"0"). Returns {state, transitionedFromHalfOpen}.
const SUCCESS_LUA = `
local s = redis.call('HGET', KEYS[1], 's')
if not s then return {'closed', 0} end
if s == 'closed' then
  redis.call('DEL', KEYS[1])
  return {'closed', 0}
end
if s == 'half_open' and ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
  return {'closed', 1}
end
return {s, 0}
`;

// KEYS[1] = hash. ARGV: now, wasProbe, threshold, cooldown ms, streak reset ms, gc ms.
// Returns {state, failures, transitioned, openedAt, openUntil, previousState}.
const FAILURE_LUA = `
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 's', 'f', 'lf', 'oa', 'ou')
local s = v[1] or 'closed'
local f = tonumber(v[2]) or 0
if s == 'closed' then
  if f > 0 and now - (tonumber(v[3]) or 0) >= tonumber(ARGV[5]) then f = 0 end
  f = f + 1
  if f < tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 's', 'closed', 'f', f, 'lf', now)
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
    return {'closed', f, 0, 0, 0, s}
  end
elseif s == 'half_open' and ARGV[2] == '1' then
  f = f + 1
else
  return {s, f, 0, tonumber(v[4]) or 0, tonumber(v[5]) or 0, s}
end
local ou = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 's', 'open', 'f', f, 'lf', now, 'oa', now, 'ou', ou)
redis.call('HDEL', KEYS[1], 'pu')
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[6]))
return {'open', f, 1, now, ou, s}
`;

// KEYS[1] = hash. Frees the half-open probe lease. 1 if there was one.
const RELEASE_PROBE_LUA = `
if redis.call('HGET', KEYS[1], 's') ~= 'half_open' then return 0 end
redis.call('HSET', KEYS[1], 'pu', 0)
return 1
`;

// KEYS[1] = hash. Returns the state it had.
const RESET_LUA = `
local s = redis.call('HGET', KEYS[1], 's')
redis.call('DEL', KEYS[1])
return s or 'closed'
`;

type ScriptFn = (key: string, ...args: Array<string | number>) => Promise<unknown>;

const SCRIPTS = {
  ghCbAcquire: ACQUIRE_LUA,
  ghCbSuccess: SUCCESS_LUA,
  ghCbFailure: FAILURE_LUA,
  ghCbReleaseProbe: RELEASE_PROBE_LUA,
  ghCbReset: RESET_LUA,
} as const;

/** Registers the scripts once per connection (EVALSHA, EVAL on NOSCRIPT) and returns them bound. */
function bindScripts(redis: Redis): Record<keyof typeof SCRIPTS, ScriptFn> {
  const out = {} as Record<keyof typeof SCRIPTS, ScriptFn>;
  for (const [name, lua] of Object.entries(SCRIPTS) as Array<[keyof typeof SCRIPTS, string]>) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
    const fn = (redis as unknown as Record<string, ScriptFn>)[name];
    if (typeof fn !== "function") throw new Error(`ioredis did not define ${name}`);
    out[name] = fn.bind(redis);
  }
  return out;
}

/** What this process last learnt about a target from Redis. */
interface LocalView {
  /** Until then, acquire answers "closed" from memory. */
  healthyUntil: number;
  /** Until then, acquire answers "open" from memory. */
  deniedUntil: number;
  /** The last Redis answer showed no failure streak: a success needs no write. */
  failureFree: boolean;
  /** A background refresh of this view is in flight. */
  refreshing: boolean;
}

const STATES: ReadonlySet<string> = new Set(["closed", "open", "half_open"]);

function asState(v: unknown): CircuitState {
  if (typeof v === "string" && STATES.has(v)) return v as CircuitState;
  throw new Error(`circuit breaker: unexpected state from Redis: ${String(v)}`);
}

function asInt(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`circuit breaker: unexpected number from Redis: ${String(v)}`);
  return n;
}

function asArray(v: unknown, length: number): unknown[] {
  if (!Array.isArray(v) || v.length < length) throw new Error("circuit breaker: unexpected script reply");
  return v;
}

export class CircuitBreaker extends EventEmitter<{ transition: [CircuitTransition] }> {
  private readonly redis: Redis;
  private readonly scripts: Record<keyof typeof SCRIPTS, ScriptFn>;
  private readonly clock: () => number;
  private readonly localCacheMs: number;
  private readonly redisTimeoutMs: number;
  private readonly views = new Map<string, LocalView>();
  private readonly refreshes = new Set<Promise<void>>();

  constructor(opts: CircuitBreakerOptions) {
    super();
    this.redis = opts.redis;
    this.scripts = bindScripts(opts.redis);
    this.clock = opts.clock ?? Date.now;
    this.localCacheMs = Math.max(0, opts.localCacheMs ?? 500);
    this.redisTimeoutMs = Math.max(1, opts.redisTimeoutMs ?? 250);
  }

  /** May an attempt go to this target now? At most one Redis round trip; usually none. */
  async acquire(targetId: string, policy: CircuitPolicy, now: number = this.clock()): Promise<AcquireResult> {
    if (policy.override === "forced_open") return { allowed: false, state: "forced_open", probe: false, source: "override" };
    if (policy.override === "forced_closed") return { allowed: true, state: "forced_closed", probe: false, source: "override" };
    const view = this.views.get(targetId);
    if (view) {
      if (now < view.healthyUntil) return { allowed: true, state: "closed", probe: false, source: "local" };
      if (now < view.deniedUntil) return { allowed: false, state: "open", probe: false, source: "local" };
      if (view.failureFree && now < view.healthyUntil + this.localCacheMs) {
        // Healthy a moment ago: answer from memory and refresh in the background.
        if (!view.refreshing) this.refresh(targetId, view, now);
        return { allowed: true, state: "closed", probe: false, source: "local" };
      }
    }
    let reply: unknown[];
    try {
      reply = asArray(
        await this.withTimeout(
          this.scripts.ghCbAcquire(
            key(targetId),
            now,
            policy.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
            policy.streakResetMs ?? DEFAULT_STREAK_RESET_MS,
            GC_MS,
          ),
        ),
        7,
      );
    } catch (err) {
      log("warn", "circuit.redis_error", { targetId, op: "acquire", err: String(err) });
      return { allowed: true, state: "closed", probe: false, source: "redis_error" };
    }
    const allowed = asInt(reply[0]) === 1;
    const state = asState(reply[1]);
    const probe = asInt(reply[2]) === 1;
    const failures = asInt(reply[3]);
    if (state === "closed" && failures === 0) {
      this.views.set(targetId, { healthyUntil: now + this.localCacheMs, deniedUntil: 0, failureFree: true, refreshing: false });
    } else if (state === "open") {
      const openUntil = asInt(reply[6]);
      this.views.set(targetId, { healthyUntil: 0, deniedUntil: Math.min(openUntil, now + this.localCacheMs), failureFree: false, refreshing: false });
    } else {
      this.views.delete(targetId);
    }
    if (asInt(reply[4]) === 1) {
      this.emitTransition({ targetId, from: "open", to: "half_open", failures, at: now, openUntil: null, cause: "cooldown_elapsed" });
    }
    return { allowed, state, probe, source: "redis" };
  }

  /**
   * Re-reads a healthy target's stored state (read only) and keeps the view
   * for another `localCacheMs` from `now` if it still shows no streak; else,
   * or when Redis does not answer, drops it so the next acquire asks Redis.
   * A view replaced meanwhile (this process's own failure) is left alone.
   */
  private refresh(targetId: string, view: LocalView, now: number): void {
    view.refreshing = true;
    const done = this.withTimeout(this.redis.hmget(key(targetId), "s", "f")).then(
      ([s, f]) => {
        view.refreshing = false;
        if (this.views.get(targetId) !== view) return;
        if ((s == null || s === "closed") && (f == null || f === "0")) view.healthyUntil = now + this.localCacheMs;
        else this.views.delete(targetId);
      },
      (err: unknown) => {
        view.refreshing = false;
        if (this.views.get(targetId) === view) this.views.delete(targetId);
        log("warn", "circuit.redis_error", { targetId, op: "refresh", err: String(err) });
      },
    );
    this.refreshes.add(done);
    void done.finally(() => this.refreshes.delete(done));
  }

  /** Resolves once the background refreshes started so far have landed (tests). */
  async refreshed(): Promise<void> {
    await Promise.all(this.refreshes);
  }

  /** Reports a successful attempt. No Redis write while this process knows the target has no failure streak. */
  async recordSuccess(targetId: string, policy: CircuitPolicy, wasProbe: boolean, now: number = this.clock()): Promise<void> {
    if (isOverridden(policy)) return;
    if (!wasProbe && this.views.get(targetId)?.failureFree) return;
    try {
      const reply = asArray(await this.scripts.ghCbSuccess(key(targetId), wasProbe ? "1" : "0"), 2);
      const state = asState(reply[0]);
      if (state === "closed") {
        this.views.set(targetId, { healthyUntil: now + this.localCacheMs, deniedUntil: 0, failureFree: true, refreshing: false });
      }
      if (asInt(reply[1]) === 1) {
        this.emitTransition({ targetId, from: "half_open", to: "closed", failures: 0, at: now, openUntil: null, cause: "probe_succeeded" });
      }
    } catch (err) {
      log("warn", "circuit.redis_error", { targetId, op: "success", err: String(err) });
    }
  }

  /**
   * Reports a failed attempt whose error class counts for the circuit
   * (`countsAsCircuitFailure`). Always one Redis round trip. Returns the state
   * after it (null when Redis could not be reached).
   */
  async recordFailure(
    targetId: string,
    policy: CircuitPolicy,
    wasProbe: boolean,
    now: number = this.clock(),
  ): Promise<CircuitState | null> {
    if (isOverridden(policy)) return null;
    this.views.delete(targetId);
    try {
      const reply = asArray(
        await this.scripts.ghCbFailure(
          key(targetId),
          now,
          wasProbe ? "1" : "0",
          Math.max(1, Math.floor(policy.failureThreshold)),
          Math.max(0, Math.floor(policy.cooldownMs)),
          policy.streakResetMs ?? DEFAULT_STREAK_RESET_MS,
          GC_MS,
        ),
        6,
      );
      const state = asState(reply[0]);
      const failures = asInt(reply[1]);
      if (asInt(reply[2]) === 1) {
        const from = asState(reply[5]);
        const openUntil = asInt(reply[4]);
        this.views.set(targetId, { healthyUntil: 0, deniedUntil: Math.min(openUntil, now + this.localCacheMs), failureFree: false, refreshing: false });
        this.emitTransition({
          targetId,
          from,
          to: "open",
          failures,
          at: now,
          openUntil,
          cause: from === "half_open" ? "probe_failed" : "failures",
        });
      }
      return state;
    } catch (err) {
      log("warn", "circuit.redis_error", { targetId, op: "failure", err: String(err) });
      return null;
    }
  }

  /**
   * The probe ended with no verdict on the target (the client went away, the
   * request deadline hit first): free the lease so the next acquire probes
   * at once instead of after probeTimeoutMs.
   */
  async releaseProbe(targetId: string): Promise<void> {
    try {
      await this.scripts.ghCbReleaseProbe(key(targetId));
    } catch (err) {
      log("warn", "circuit.redis_error", { targetId, op: "release_probe", err: String(err) });
    }
  }

  /** The stored state of many targets in one round trip (dashboard). */
  async getStates(targetIds: readonly string[], now: number = this.clock()): Promise<CircuitStatus[]> {
    if (targetIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of targetIds) pipeline.hmget(key(id), "s", "f", "lf", "oa", "ou");
    const results = (await pipeline.exec()) ?? [];
    return targetIds.map((targetId, i) => {
      const [err, value] = results[i] ?? [new Error("missing pipeline reply"), null];
      if (err) throw err;
      const [s, f, lf, oa, ou] = asArray(value, 5) as Array<string | null>;
      const stored = s == null ? "closed" : asState(s);
      if (stored === "closed") {
        const stale = lf != null && now - Number(lf) >= DEFAULT_STREAK_RESET_MS;
        return { targetId, state: "closed", failures: f == null || stale ? 0 : Number(f), openedAt: null, openUntil: null };
      }
      const openUntil = ou == null ? null : Number(ou);
      const state: CircuitState = stored === "open" && openUntil != null && now >= openUntil ? "half_open" : stored;
      return { targetId, state, failures: Number(f ?? 0), openedAt: oa == null ? null : Number(oa), openUntil };
    });
  }

  /** Closes the circuit and forgets its failures (admin action). */
  async reset(targetId: string, now: number = this.clock()): Promise<void> {
    this.views.delete(targetId);
    const previous = asState(await this.scripts.ghCbReset(key(targetId)));
    if (previous !== "closed") {
      this.emitTransition({ targetId, from: previous, to: "closed", failures: 0, at: now, openUntil: null, cause: "reset" });
    }
  }

  /** Forgets this process's local views (tests, config reloads). */
  clearLocalViews(): void {
    this.views.clear();
  }

  private emitTransition(t: CircuitTransition): void {
    log(t.to === "open" ? "warn" : "info", `circuit.${t.to}`, { ...t });
    try {
      this.emit("transition", t);
    } catch (err) {
      log("error", "circuit.listener_error", { targetId: t.targetId, err: String(err) });
    }
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.redisTimeoutMs} ms`)), this.redisTimeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

function key(targetId: string): string {
  return CIRCUIT_KEY_PREFIX + targetId;
}

function isOverridden(policy: CircuitPolicy): boolean {
  return policy.override === "forced_open" || policy.override === "forced_closed";
}
