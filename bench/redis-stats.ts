/**
 * Redis traffic per request, three ways:
 *
 * - `INFO commandstats` deltas: every command the server ran (gateway, worker,
 *   Lua scripts' inner commands, and on the shared server anyone else's). The
 *   bench subtracts the rate seen during the direct phase just before (the
 *   gateway and worker idle) as the background.
 * - TCP data segments the gateway process itself wrote to Redis (procfs.ts):
 *   its round trips, exact, whatever else uses the server.
 * - A short MONITOR phase: every command on the bench's db, attributed to the
 *   gateway's or the worker's connections by their source port. MONITOR slows
 *   Redis down, so it runs at a low rate, apart from the measured phases.
 */
import { Redis } from "ioredis";

export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info("commandstats");
  const calls = new Map<string, number>();
  for (const line of info.split("\n")) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m?.[1] && m[2]) calls.set(m[1], Number(m[2]));
  }
  return calls;
}

/** after - before, per command (commands that did not run are left out). */
export function diffCalls(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const d = new Map<string, number>();
  for (const [cmd, n] of after) {
    const delta = n - (before.get(cmd) ?? 0);
    if (delta > 0) d.set(cmd, delta);
  }
  return d;
}

export function totalCalls(m: Map<string, number>): number {
  let t = 0;
  for (const n of m.values()) t += n;
  return t;
}

/** The `n` busiest commands, each divided by `per` (rounded to 2 decimals). */
export function perRequest(m: Map<string, number>, per: number, n = 8): Record<string, number> {
  return Object.fromEntries(
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([cmd, calls]) => [cmd, Math.round((calls / Math.max(1, per)) * 100) / 100]),
  );
}

export interface Attribution {
  requests: number;
  /** Commands per request sent on the gateway's own connections (EVALSHA/EXEC count once), by command. */
  gateway: { total: number; byCommand: Record<string, number> };
  /** The same for the worker's connections (the request log's consumer side). */
  worker: { total: number; byCommand: Record<string, number> };
  /** Commands run inside Lua scripts (BullMQ), per request: not round trips. */
  lua: { total: number; byCommand: Record<string, number> };
  /** Anything else on the bench's db (the bench's own queue probe). */
  other: number;
}

type Counter = Map<string, number>;

function bump(c: Counter, cmd: string): void {
  c.set(cmd, (c.get(cmd) ?? 0) + 1);
}

/**
 * Runs `load` (which returns how many gateway requests it made) under MONITOR
 * and attributes every command on database `db` to the gateway's or the
 * worker's connections, identified by their local ports (`portsOf`, read
 * before and after: ioredis may reconnect).
 */
export async function monitorAttribution(
  redisUrl: string,
  db: number,
  portsOf: () => Promise<{ gateway: Set<number>; worker: Set<number> }>,
  load: () => Promise<number>,
): Promise<Attribution> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const monitor = await client.monitor();
  const bySource = new Map<string, Counter>();
  const lua: Counter = new Map();
  const inMulti = new Set<string>();
  monitor.on("monitor", (_time: string, args: string[], source: string, database: string) => {
    if (database !== String(db)) return;
    const cmd = (args[0] ?? "?").toLowerCase();
    if (source === "lua") return bump(lua, cmd);
    // Commands queued in a MULTI go out with it: count the transaction once, as "multi/exec".
    if (cmd === "multi") {
      inMulti.add(source);
      return;
    }
    if (inMulti.has(source) && cmd !== "exec") return;
    inMulti.delete(source);
    let c = bySource.get(source);
    if (!c) bySource.set(source, (c = new Map()));
    bump(c, cmd === "exec" ? "multi/exec" : cmd);
  });
  let requests = 0;
  let before: { gateway: Set<number>; worker: Set<number> };
  let after: { gateway: Set<number>; worker: Set<number> };
  try {
    before = await portsOf();
    requests = await load();
    after = await portsOf();
  } finally {
    // Let the last MONITOR lines arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    monitor.disconnect();
    client.disconnect();
  }
  const gwPorts = new Set([...before.gateway, ...after.gateway]);
  const workerPorts = new Set([...before.worker, ...after.worker]);
  const gateway: Counter = new Map();
  const worker: Counter = new Map();
  let other = 0;
  for (const [source, counter] of bySource) {
    const port = Number(source.slice(source.lastIndexOf(":") + 1));
    const into = gwPorts.has(port) ? gateway : workerPorts.has(port) ? worker : null;
    for (const [cmd, n] of counter) {
      if (into) into.set(cmd, (into.get(cmd) ?? 0) + n);
      else other += n;
    }
  }
  const summary = (c: Counter) => ({ total: Math.round((totalCalls(c) / Math.max(1, requests)) * 100) / 100, byCommand: perRequest(c, requests) });
  return { requests, gateway: summary(gateway), worker: summary(worker), lua: summary(lua), other };
}
