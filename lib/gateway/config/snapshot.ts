import type { Redis } from "ioredis";
import { CONFIG_VERSION_KEY, configChannel, parseConfigMessage, parseConfigVersion } from "@/lib/config-events/schema";
import { decryptSecret } from "@/lib/crypto";
import { db as defaultDb, type Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { GatehouseError } from "@/lib/errors";
import { buildSnapshot, type ConfigSnapshot } from "@/lib/gateway/config/build";
import { loadSnapshotRows } from "@/lib/gateway/config/load";
import { log } from "@/lib/log";
import { createRedis } from "@/lib/redis";
import { warmEncodingsFor } from "@/lib/tokens";

/**
 * The in-process configuration snapshot the hot path reads (DESIGN.md: "The
 * hot path reads configuration from an in-process snapshot").
 *
 * How a change gets here. The control plane commits to Postgres, then
 * `publishConfigChange` (lib/config-events) INCRs `gh:config:version` in
 * Redis and PUBLISHes the new version on `gh:config@<db>`, in one round trip.
 * Every instance keeps one subscriber connection and reloads on the message.
 * A reload reads the version FIRST, then every table (load.ts), so a snapshot
 * tagged v holds every change announced as <= v; then it swaps atomically.
 *
 * Bounds (reload time is ~tens of ms, see the report in the tests):
 * - normal: one pub/sub hop + one reload, milliseconds;
 * - a lost message (subscriber dropped, reconnecting): the version check
 *   every GATEHOUSE_CONFIG_POLL_MS (default 1 s), and a reconnected
 *   subscriber reloads at once because it may have missed messages;
 * - a lost INCR (Redis down when the change was published): the publisher
 *   retries in the background; if that process died too, the full reload
 *   every GATEHOUSE_CONFIG_REFRESH_MS (default 60 s) converges regardless;
 * - Postgres down: the last good snapshot keeps serving; reloads retry with
 *   backoff (250 ms doubling to 10 s) until one succeeds.
 *
 * Coalescing: at most one reload in flight plus one queued; a burst of
 * changes costs two reloads, and the queued one covers every change of it.
 */

export interface ConfigSyncOptions {
  db?: Db;
  /** Defaults to REDIS_URL. */
  redisUrl?: string;
  /** Defaults to GATEHOUSE_CONFIG_POLL_MS. */
  pollMs?: number;
  /** Defaults to GATEHOUSE_CONFIG_REFRESH_MS; 0 turns the periodic full reload off. */
  refreshMs?: number;
}

export type ReloadReason = "start" | "publish" | "poll" | "periodic" | "retry" | "resubscribed" | "redis_recovered" | "invalidate" | "manual";

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 10_000;
/** Redis commands of the sync never wait longer than this (the hot path never waits on them at all). */
const REDIS_COMMAND_TIMEOUT_MS = 500;

interface Waiter {
  version: number;
  resolve: (s: ConfigSnapshot) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class ConfigSync {
  current: ConfigSnapshot | undefined;
  /** Set by invalidateGatewayConfig(): readers wait for this reload before answering. */
  forced: Promise<void> | undefined;
  /** Resolves with the first good snapshot. */
  readonly ready: Promise<ConfigSnapshot>;
  private resolveReady!: (s: ConfigSnapshot) => void;

  private readonly db: Db;
  private readonly sub: Redis;
  private readonly cmd: Redis;
  private readonly channel: string;
  private readonly pollMs: number;
  private readonly refreshMs: number;

  private inFlight: Promise<void> | undefined;
  /** The version the in-flight reload read, once it has read it. */
  private inFlightVersion: number | undefined;
  private queued: Promise<void> | undefined;
  private failures = 0;
  private lastError: unknown;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private redisDown = false;
  private subReadyCount = 0;
  private subErrorLogged = false;
  private waiters: Waiter[] = [];
  private stopped = false;
  /** Successful reloads since start (coalescing shows here). */
  reloads = 0;
  lastReloadMs = 0;

  constructor(opts: ConfigSyncOptions) {
    const env = getEnv();
    this.db = opts.db ?? defaultDb;
    this.pollMs = opts.pollMs ?? env.GATEHOUSE_CONFIG_POLL_MS;
    this.refreshMs = opts.refreshMs ?? env.GATEHOUSE_CONFIG_REFRESH_MS;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    // Unhandled: startConfigSync awaits it; lazy readers race it with the first attempt.
    this.ready.catch(() => undefined);

    const url = opts.redisUrl ?? env.REDIS_URL;
    // Two dedicated connections: a subscriber cannot run GET. Both keep
    // reconnecting forever (ioredis default) and never hold the request path.
    this.cmd = createRedis({ maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, connectionName: "gatehouse:config" }, url);
    this.sub = createRedis({ maxRetriesPerRequest: null, connectionName: "gatehouse:config-sub" }, url);
    this.cmd.on("error", () => undefined); // reported by the poll (config.redis_unavailable)
    this.sub.on("error", (err: Error) => {
      if (this.subErrorLogged) return;
      this.subErrorLogged = true;
      log("warn", "config.subscriber_error", { message: err.message });
    });
    this.sub.on("ready", () => {
      this.subErrorLogged = false;
      // After a reconnect, messages sent while we were away are lost: reload.
      if (++this.subReadyCount > 1 && !this.stopped) {
        log("info", "config.subscriber_reconnected", {});
        void this.requestReload("resubscribed");
      }
    });
    this.channel = configChannel(this.sub.options.db ?? 0);
    this.sub.on("message", (channel: string, raw: string) => this.onMessage(channel, raw));
    this.sub.subscribe(this.channel).catch((err: unknown) => {
      // autoResubscribe retries on the next connection; the poll covers the gap.
      if (!this.stopped) log("warn", "config.subscribe_failed", { message: messageOf(err) });
    });
  }

  start(): void {
    void this.requestReload("start");
    this.pollTimer = setInterval(() => void this.poll(), this.pollMs);
    this.pollTimer.unref();
    this.scheduleRefresh();
  }

  /** Resolves when a reload that started after this call has finished (successfully or not). */
  requestReload(reason: ReloadReason): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.inFlight) return this.startLoad(reason);
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.startLoad(reason);
    });
    return this.queued;
  }

  /** The outcome of the reload in flight (lazy readers with no snapshot yet). */
  async settle(): Promise<void> {
    while (this.inFlight || this.queued) await (this.queued ?? this.inFlight);
  }

  get lastLoadError(): unknown {
    return this.lastError;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  waitForVersion(version: number, timeoutMs: number): Promise<ConfigSnapshot> {
    if (this.current && this.current.version >= version) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        version,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`config snapshot did not reach version ${version} within ${timeoutMs} ms (at ${this.current?.version ?? "none"})`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.refreshTimer);
    clearTimeout(this.retryTimer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error("config sync stopped"));
    }
    this.waiters = [];
    await Promise.all([this.sub.quit().catch(() => this.sub.disconnect()), this.cmd.quit().catch(() => this.cmd.disconnect())]);
    await this.inFlight?.catch(() => undefined);
  }

  private startLoad(reason: ReloadReason): Promise<void> {
    const p = this.load(reason).finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }

  private async load(reason: ReloadReason): Promise<void> {
    const started = performance.now();
    // Version first, rows second: the snapshot then holds every change announced up to it.
    let version: number | undefined;
    try {
      version = parseConfigVersion(await this.cmd.get(CONFIG_VERSION_KEY));
      this.inFlightVersion = version;
    } catch {
      // Redis unreachable: load anyway (Postgres is the truth) and keep the old tag;
      // the poll reloads once Redis answers again.
      this.noteRedisDown();
    }
    try {
      const rows = await loadSnapshotRows(this.db);
      const queried = performance.now();
      const snapshot = buildSnapshot(rows, { version: version ?? this.current?.version ?? 0, decrypt: (c) => decryptSecret(c) });
      if (this.stopped) return;
      this.current = snapshot;
      this.failures = 0;
      this.lastError = undefined;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      const done = performance.now();
      this.reloads++;
      this.lastReloadMs = round(done - started);
      // The periodic safety-net reload is routine: debug, so it does not fill the log every minute.
      log(reason === "periodic" ? "debug" : "info", "config.reloaded", {
        reason,
        version: snapshot.version,
        queryMs: round(queried - started),
        buildMs: round(done - queried),
        counts: snapshot.counts,
      });
      if (snapshot.problems.length > 0) {
        log("warn", "config.snapshot_problems", { count: snapshot.problems.length, problems: snapshot.problems.slice(0, 20) });
      }
      this.resolveReady(snapshot);
      this.notifyWaiters(snapshot);
      // The rank tables this snapshot's models count with, loaded in the background (lib/tokens).
      warmEncodingsFor(snapshot.tokenizers()).catch((e: unknown) => log("warn", "tokens.warm_failed", { error: String(e) }));
    } catch (err) {
      if (this.stopped) return;
      this.lastError = err;
      this.failures++;
      const retryInMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.requestReload("retry");
      }, retryInMs);
      this.retryTimer.unref();
      log(this.current ? "warn" : "error", "config.reload_failed", {
        reason,
        attempt: this.failures,
        retryInMs,
        servingVersion: this.current?.version ?? null,
        message: messageOf(err),
      });
    } finally {
      this.inFlightVersion = undefined;
    }
  }

  private onMessage(channel: string, raw: string): void {
    if (channel !== this.channel || this.stopped) return;
    const msg = parseConfigMessage(raw);
    if (!msg) {
      log("warn", "config.bad_message", { length: raw.length });
      return;
    }
    if (this.current && msg.version <= this.current.version) return;
    if (this.inFlightVersion !== undefined && msg.version <= this.inFlightVersion) return;
    if (this.retryTimer) return; // Postgres is failing: the backoff decides when to try again.
    void this.requestReload("publish");
  }

  /** The fallback for lost messages: compare the Redis version with the snapshot's. */
  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const version = parseConfigVersion(await this.cmd.get(CONFIG_VERSION_KEY));
      if (this.redisDown) {
        this.redisDown = false;
        log("info", "config.redis_recovered", { version });
        // Messages were lost while Redis was away, and Redis may have restarted empty.
        if (!this.retryTimer) void this.requestReload("redis_recovered");
        return;
      }
      // `!==`, not `>`: a Redis that restarted without persistence counts from 0 again.
      if (!this.current || version === this.current.version || this.retryTimer) return;
      if (this.inFlightVersion !== undefined && this.inFlightVersion === version) return;
      void this.requestReload("poll");
    } catch {
      this.noteRedisDown();
    } finally {
      this.polling = false;
    }
  }

  private noteRedisDown(): void {
    if (this.redisDown) return;
    this.redisDown = true;
    log("warn", "config.redis_unavailable", { servingVersion: this.current?.version ?? null });
  }

  private scheduleRefresh(): void {
    if (this.refreshMs <= 0 || this.stopped) return;
    // ±10% jitter so instances started together do not reload together.
    const delay = Math.round(this.refreshMs * (0.9 + Math.random() * 0.2));
    this.refreshTimer = setTimeout(() => {
      if (!this.retryTimer) void this.requestReload("periodic");
      this.scheduleRefresh();
    }, delay);
    this.refreshTimer.unref();
  }

  private notifyWaiters(snapshot: ConfigSnapshot): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (snapshot.version >= w.version) {
        clearTimeout(w.timer);
        w.resolve(snapshot);
      } else still.push(w);
    }
    this.waiters = still;
  }
}

// One sync per process, on globalThis: Next bundles its own copy of this
// module for app/api/v1/**, and both copies must read the same snapshot.
const g = globalThis as unknown as { gatehouseConfigSync?: ConfigSync };

/**
 * Starts keeping the snapshot in sync (idempotent) and resolves once the
 * first snapshot is loaded. server.ts awaits it before listening, so the
 * first request never reaches Postgres. If Postgres is down it keeps
 * retrying (with backoff) and resolves when the load succeeds.
 */
export async function startConfigSync(opts: ConfigSyncOptions = {}): Promise<ConfigSnapshot> {
  if (!g.gatehouseConfigSync) {
    const sync = new ConfigSync(opts);
    g.gatehouseConfigSync = sync;
    sync.start();
  }
  return g.gatehouseConfigSync.ready;
}

/** Stops the subscriber, the timers and drops the snapshot (shutdown, tests). */
export async function stopConfigSync(): Promise<void> {
  const sync = g.gatehouseConfigSync;
  g.gatehouseConfigSync = undefined;
  await sync?.stop();
}

/**
 * The current snapshot, synchronously: for stages on the hot path once the
 * sync is running (server.ts). Throws if nothing is loaded yet; code that may
 * run first (Next route handlers, tests) awaits `snapshotReady()` instead.
 */
export function getSnapshot(): ConfigSnapshot {
  const current = g.gatehouseConfigSync?.current;
  if (!current) throw configUnavailable(new Error("config snapshot not loaded (startConfigSync not called or still loading)"));
  return current;
}

/** The Redis config version the current snapshot covers; -1 when none is loaded. */
export function snapshotVersion(): number {
  return g.gatehouseConfigSync?.current?.version ?? -1;
}

/**
 * The snapshot, starting the sync lazily (Next-only deployments, in-process
 * tests). Waits for a reload asked by invalidateGatewayConfig(). A process
 * that has never loaded a snapshot answers 503 while Postgres is down.
 */
export async function snapshotReady(): Promise<ConfigSnapshot> {
  let sync = g.gatehouseConfigSync;
  if (!sync) {
    void startConfigSync();
    sync = g.gatehouseConfigSync;
    if (!sync) throw configUnavailable(new Error("config sync did not start"));
  }
  if (sync.forced) await sync.forced;
  if (sync.current) return sync.current;
  await sync.settle();
  if (sync.current) return sync.current;
  throw configUnavailable(sync.lastLoadError);
}

/**
 * Reloads now; resolves when a reload that started after this call finished
 * (whether it succeeded: check snapshotVersion()). No-op before the sync started.
 */
export function reloadSnapshot(reason: ReloadReason = "manual"): Promise<void> {
  return g.gatehouseConfigSync?.requestReload(reason) ?? Promise.resolve();
}

/** Readers wait for the next reload before answering (after a test changed rows directly). */
export function forceReload(): void {
  const sync = g.gatehouseConfigSync;
  if (!sync) return;
  const p: Promise<void> = sync.requestReload("invalidate").finally(() => {
    if (sync.forced === p) sync.forced = undefined;
  });
  sync.forced = p;
}

/** Resolves once this process's snapshot covers `version` (tests: `await waitForVersion(await publishConfigChange(...))`). */
export async function waitForVersion(version: number, timeoutMs = 5_000): Promise<ConfigSnapshot> {
  const sync = g.gatehouseConfigSync;
  if (!sync) throw new Error("config sync not started");
  return sync.waitForVersion(version, timeoutMs);
}

export interface ConfigSyncStats {
  running: boolean;
  /** -1 when no snapshot is loaded. */
  version: number;
  loadedAt: Date | null;
  reloads: number;
  /** Failed reloads since the last good one (Postgres down). */
  failures: number;
  lastReloadMs: number;
}

/** For health checks and tests. */
export function configSyncStats(): ConfigSyncStats {
  const sync = g.gatehouseConfigSync;
  return {
    running: Boolean(sync),
    version: sync?.current?.version ?? -1,
    loadedAt: sync?.current?.loadedAt ?? null,
    reloads: sync?.reloads ?? 0,
    failures: sync?.consecutiveFailures ?? 0,
    lastReloadMs: sync?.lastReloadMs ?? 0,
  };
}

function configUnavailable(cause: unknown): GatehouseError {
  return new GatehouseError("unavailable", "Gatehouse is starting or cannot read its configuration; retry shortly", {
    type: "api_error",
    headers: { "retry-after": "1" },
    cause,
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
