/**
 * `npm run bench [-- --quick] [--endpoint chat|models] [--private-redis]`
 *
 * The data plane's benchmark (issue 3, "Speed"); never a test. It builds its
 * own world (scratch database `gatehouse_bench`, Redis db 13, the simulator,
 * a gateway and a request-log worker, each its own process), then for an
 * upstream latency of 0 ms and 50 ms measures, against the gateway AND
 * directly against the simulator in the same run:
 *
 *   - open-loop load at fixed arrival rates (200 and 1,000 req/s), latency
 *     from each request's scheduled send time (no coordinated omission);
 *   - closed-loop saturation (N connections, max req/s);
 *   - time to the first byte of a streamed chat completion;
 *
 * and per phase the serving process's CPU per request (/proc utime+stime;
 * with --processes N, summed over the gateway's processes), its peak RSS, Redis commands per request (INFO commandstats) and the
 * gateway's own Redis round trips and Postgres writes (its TCP sockets).
 * Prints a table with PASS/MISS against the targets and writes
 * bench/results/bench-<timestamp>.json and bench/results/latest.json.
 * Every process it started is stopped at the end, on failure and on Ctrl-C.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Pool } from "undici";
import { z } from "zod";
import { requestLogQueue } from "@/lib/queues/request-log";
import { closedLoop, createClient, openLoop, send, streamFirstByte, type LoadResult, type RequestSpec } from "./load";
import {
  cpuDelta,
  cpuOfPids,
  cpuTimeMs,
  localPortsOf,
  machineCpuMs,
  memoryOfTree,
  processTree,
  RssSampler,
  socketCounters,
  socketDelta,
  type CpuSnapshot,
  type Memory,
  type SocketCounters,
} from "./procfs";
import { onCleanup, REPO_ROOT, spawnGateway, spawnTs, stopEverything, type Proc } from "./processes";
import { profileLines, summariseProfile, type ProfileSummary } from "./profile";
import { commandCalls, diffCalls, monitorAttribution, perRequest, totalCalls } from "./redis-stats";
import { machine, table, verdictLines, verdicts, writeReport, type BenchReport, type PhaseRecord, type StreamRecord, type TargetName } from "./report";
import { benchDatabaseUrl, childEnv, countRequestLogs, prepareDatabase, prepareRedis, seed, UPSTREAM_KEY, type BenchRedis } from "./setup";
import { round1, round3 } from "./stats";

// ---------------------------------------------------------------- options

const List = z
  .string()
  .transform((s) => s.split(",").map((x) => Number(x.trim())))
  .pipe(z.array(z.number().int().min(0)).min(1));

const Options = z.object({
  quick: z.boolean(),
  endpoint: z.enum(["auto", "chat", "models"]),
  privateRedis: z.boolean(),
  profile: z.boolean(),
  tsx: z.boolean(),
  guards: z.enum(["default", "off"]),
  latencies: List,
  rates: List.pipe(z.array(z.number().int().min(1))),
  /** GATEHOUSE_GATEWAY_PROCESSES for the gateway: 1 (one process), N > 1 or "auto" (a node:cluster primary and its workers). */
  processes: z.union([z.literal("auto"), z.coerce.number().int().min(1)]),
});
type Options = z.infer<typeof Options>;

const USAGE = `usage: npm run bench -- [--quick] [--endpoint chat|models] [--private-redis] [--profile] [--tsx] [--guards default|off] [--latencies 0,50] [--rates 200,1000] [--processes N|auto]

  --quick          ~1 minute instead of ~5 (shorter phases, fewer steps)
  --endpoint       chat: POST /v1/chat/completions with the route alias (default when the gateway serves it);
                   models: GET /v1/models (auth + snapshot only, no upstream call)
  --private-redis  run a private redis-server instead of db ${process.env.GATEHOUSE_BENCH_REDIS_DB ?? "13"} of the shared one
                   (then INFO commandstats counts only the bench's own traffic)
  --profile        run the gateway under node --cpu-prof and print where its CPU went (adds a few % of overhead)
  --tsx            run the gateway as server.ts under tsx (npm start) instead of the bundle (npm run start:gateway);
                   with --profile, attributes CPU to lib/ source files (the bundle is a few chunk files, dist/server.mjs and dist/chunks/)
  --guards         default: the bench tenant runs the built-in guard policy (injection block, PII redact, moderation log,
                   as every tenant without a policy); off: a tenant policy with every guard off (the gateway's own overhead)
  --latencies      upstream latencies in ms (default 0,50)
  --rates          open-loop arrival rates in req/s (default 200,1000)
  --processes      gateway processes (GATEHOUSE_GATEWAY_PROCESSES for the gateway; default: that variable of this
                   environment if set, else 1): N > 1 or auto makes it a node:cluster primary forking N workers;
                   CPU, sockets and RSS are then counted over the primary and its workers (see bench/README.md)`;

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      endpoint: { type: "string", default: "auto" },
      "private-redis": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      tsx: { type: "boolean", default: false },
      guards: { type: "string", default: "default" },
      latencies: { type: "string", default: "0,50" },
      rates: { type: "string", default: "200,1000" },
      processes: { type: "string", default: process.env.GATEHOUSE_GATEWAY_PROCESSES?.trim() || "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const parsed = Options.safeParse({
    quick: values.quick,
    endpoint: values.endpoint,
    privateRedis: values["private-redis"],
    profile: values.profile,
    tsx: values.tsx,
    guards: values.guards,
    latencies: values.latencies,
    rates: values.rates,
    processes: values.processes,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    console.error(`bench: invalid --${String(issue?.path[0] ?? "option")}: ${issue?.message ?? "bad value"}\n\n${USAGE}`);
    process.exit(2);
  }
  return parsed.data;
}

interface Plan {
  openMs: number;
  openWarmupMs: number;
  saturationMs: number;
  saturationWarmupMs: number;
  /** Connections per saturation step, by upstream latency (a 50 ms upstream needs ~rate x 0.05 in flight). */
  saturationSteps: (latencyMs: number) => number[];
  streamCount: (latencyMs: number) => number;
  /** Unrecorded streams before the first-byte phase (see streamFirstByte). */
  streamWarmup: { ms: number; concurrency: number };
  /** Closed-loop warm-up of each path before an upstream latency's phases. */
  warmupMs: number;
  drainTimeoutMs: number;
}

function plan(quick: boolean): Plan {
  return quick
    ? {
        openMs: 3_000,
        openWarmupMs: 500,
        saturationMs: 3_000,
        saturationWarmupMs: 500,
        saturationSteps: (l) => (l >= 20 ? [512] : [64]),
        streamCount: (l) => (l >= 20 ? 20 : 50),
        streamWarmup: { ms: 1_500, concurrency: 8 },
        warmupMs: 2_000,
        drainTimeoutMs: 20_000,
      }
    : {
        openMs: 10_000,
        openWarmupMs: 1_000,
        saturationMs: 5_000,
        saturationWarmupMs: 1_000,
        saturationSteps: (l) => (l >= 20 ? [128, 512] : [16, 64]),
        streamCount: (l) => (l >= 20 ? 100 : 300),
        streamWarmup: { ms: 3_000, concurrency: 8 },
        warmupMs: 3_000,
        drainTimeoutMs: 60_000,
      };
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

// ---------------------------------------------------------------- the world

interface World {
  redis: BenchRedis;
  databaseUrl: string;
  simulator: Proc;
  simulatorUrl: string;
  gateway: Proc;
  gatewayUrl: string;
  worker: Proc;
  apiKey: string;
  alias: string;
  upstreamModel: string;
  /** The bench's own Redis client (INFO commandstats, queue depth). */
  stats: Redis;
  queue: Queue;
}

async function buildWorld(opts: Options, profileDir: string): Promise<World> {
  const redis = await prepareRedis(opts.privateRedis);
  log(`redis: ${redis.private ? `private redis-server on port ${redis.port}` : `${redis.url} (flushed)`}`);
  const databaseUrl = benchDatabaseUrl();
  const { migrations } = await prepareDatabase(databaseUrl);
  log(`database: ${new URL(databaseUrl).pathname.slice(1)} (dropped, recreated, ${migrations} migrations)`);

  // --fixed-answers: the same answer bytes for the same request, nothing recorded (the simulator's CPU is the same for direct and gateway).
  const simulator = spawnTs("simulator", "scripts/simulator.ts", ["--port", "0", "--latency-ms", "0", "--fixed-answers"], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
  });
  const simulatorUrl = (await simulator.waitFor(/simulator listening on (http:\/\/\S+)/))[1] ?? "";
  log(`simulator: ${simulatorUrl} (pid ${simulator.pid})`);

  const seeded = await seed(databaseUrl, simulatorUrl, { guardsOff: opts.guards === "off" });
  const env = childEnv(databaseUrl, redis.url);
  // --profile's flags, and any given in GATEHOUSE_BENCH_GATEWAY_NODE_ARGS (V8 heap experiments, --trace-gc).
  const gatewayNodeArgs = [...(opts.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), ...(process.env.GATEHOUSE_BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean)];
  const gateway = await spawnGateway({ ...env, GATEHOUSE_ROLE: "gateway", GATEHOUSE_GATEWAY_PROCESSES: String(opts.processes) }, gatewayNodeArgs, { tsx: opts.tsx });
  const worker = spawnTs("worker", "workers/index.ts", [], env);
  const gatewayUrl = (await gateway.waitFor(/Gatehouse listening on (http:\/\/\S+)/))[1] ?? "";
  await worker.waitFor(/Gatehouse worker running/);
  const tree = await processTree(gateway.pid);
  const processes = tree.length > 1 ? `, ${tree.length} processes: primary + workers ${tree.slice(1).join(" ")}` : "";
  log(`gateway: ${gatewayUrl} (pid ${gateway.pid}, ${opts.tsx ? "server.ts under tsx" : "dist/server.mjs"}, --processes ${opts.processes}${processes}); worker pid ${worker.pid} (request log on); guards: ${opts.guards === "off" ? "every guard off (tenant policy)" : "the built-in default policy"}`);

  const stats = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(requestLogQueue.name, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
  onCleanup(async () => {
    await queue.close();
    stats.disconnect();
  });
  return { redis, databaseUrl, simulator, simulatorUrl, gateway, gatewayUrl, worker, stats, queue, ...seeded };
}

// ---------------------------------------------------------------- endpoints

interface Specs {
  endpoint: "chat" | "models";
  /** Requests the probe sent to the gateway (each one is in the request log too). */
  gatewayProbes: number;
  note: string;
  gateway: RequestSpec;
  direct: RequestSpec;
  gatewayStream: RequestSpec | null;
  directStream: RequestSpec | null;
}

function chatSpec(model: string, key: string, stream: boolean): RequestSpec {
  const body = {
    model,
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content: "Say hello in one short sentence." },
    ],
    max_tokens: 32,
    ...(stream ? { stream: true } : {}),
  };
  return {
    method: "POST",
    path: "/v1/chat/completions",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

function modelsSpec(key: string): RequestSpec {
  return { method: "GET", path: "/v1/models", headers: { authorization: `Bearer ${key}` } };
}

/** One chat completion through the gateway: does it answer like OpenAI? */
async function probeChat(client: Pool, spec: RequestSpec): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await client.request({ method: spec.method, path: spec.path, headers: spec.headers, body: spec.body ?? null });
    const text = await res.body.text();
    let choices: unknown;
    try {
      choices = (JSON.parse(text) as { choices?: unknown }).choices;
    } catch {
      choices = undefined;
    }
    if (res.statusCode === 200 && Array.isArray(choices) && choices.length > 0) return { ok: true, detail: "200 with choices" };
    return { ok: false, detail: `${res.statusCode} ${text.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

async function chooseEndpoint(w: World, opts: Options, gw: Pool, direct: Pool): Promise<Specs> {
  const directChat = await probeChat(direct, chatSpec(w.upstreamModel, UPSTREAM_KEY, false));
  if (!directChat.ok) throw new Error(`the simulator does not answer a chat completion: ${directChat.detail}`);
  const chat = opts.endpoint === "models" ? { ok: false, detail: "--endpoint models" } : await probeChat(gw, chatSpec(w.alias, w.apiKey, false));
  if (chat.ok) {
    return {
      endpoint: "chat",
      gatewayProbes: 1,
      note: `POST /v1/chat/completions, model "${w.alias}" (a route to simulator model ${w.upstreamModel}); direct: the same body to the simulator with model ${w.upstreamModel}`,
      gateway: chatSpec(w.alias, w.apiKey, false),
      direct: chatSpec(w.upstreamModel, UPSTREAM_KEY, false),
      gatewayStream: chatSpec(w.alias, w.apiKey, true),
      directStream: chatSpec(w.upstreamModel, UPSTREAM_KEY, true),
    };
  }
  if (opts.endpoint === "chat") throw new Error(`--endpoint chat, but the gateway does not serve chat completions: ${chat.detail}`);
  const models = await send(gw, modelsSpec(w.apiKey));
  if (models !== 200) throw new Error(`GET /v1/models through the gateway answered ${models}`);
  return {
    endpoint: "models",
    gatewayProbes: opts.endpoint === "models" ? 1 : 2,
    note:
      (opts.endpoint === "models"
        ? "GET /v1/models (--endpoint models). "
        : `FALLBACK: GET /v1/models (the gateway does not serve chat completions yet: ${chat.detail.replace(/\s+/g, " ").slice(0, 160)}). `) +
      "The gateway answers it from its snapshot without calling upstream, so 'added' compares it with the simulator's own /v1/models " +
      "(which does wait the upstream latency): at 50 ms the added latency is negative and meaningless.",
    gateway: modelsSpec(w.apiKey),
    direct: modelsSpec(UPSTREAM_KEY),
    gatewayStream: null,
    directStream: null,
  };
}

// ---------------------------------------------------------------- measuring a phase

interface Counters {
  at: number;
  /** CPU per process of the serving process's tree (the gateway's primary and workers, or the simulator). */
  server: CpuSnapshot;
  /** How many processes that tree had. */
  serverProcesses: number;
  workerCpuMs: number;
  /** Every process of the bench but this one (gateway tree, worker, simulator, private redis). */
  own: CpuSnapshot;
  /** This process's own CPU (ms). */
  selfCpuMs: number;
  machine: { busyMs: number; totalMs: number };
  redisCalls: Map<string, number>;
  gwRedis: SocketCounters | null;
  gwPostgres: SocketCounters | null;
}

const PG_PORT = Number(new URL(benchDatabaseUrl()).port || 5432);

/** A snapshot of every counter. The gateway's process tree is read afresh: its workers may have been restarted. */
async function counters(w: World, server: Proc, withSockets: boolean): Promise<Counters> {
  const gwTree = await processTree(w.gateway.pid);
  const serverTree = server === w.gateway ? gwTree : await processTree(server.pid);
  const ownPids = [...gwTree, w.worker.pid, w.simulator.pid, ...(w.redis.pid === null ? [] : [w.redis.pid])];
  const [serverCpu, workerCpuMs, own, machineCpu, redisCalls, gwRedis, gwPostgres] = await Promise.all([
    cpuOfPids(serverTree),
    cpuTimeMs(w.worker.pid),
    cpuOfPids(ownPids),
    machineCpuMs(),
    commandCalls(w.stats),
    withSockets ? socketCounters(gwTree, w.redis.port) : Promise.resolve(null),
    withSockets ? socketCounters(gwTree, PG_PORT) : Promise.resolve(null),
  ]);
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    server: serverCpu,
    serverProcesses: serverTree.length,
    workerCpuMs,
    own,
    selfCpuMs: (self.user + self.system) / 1000,
    machine: machineCpu,
    redisCalls,
    gwRedis,
    gwPostgres,
  };
}

async function queueBacklog(q: Queue): Promise<number> {
  const c = await q.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** Waits (bounded) until the worker has taken every request-log job. */
async function drainRequestLog(w: World, timeoutMs: number): Promise<{ backlogAfterPhase: number; drainMs: number; remaining: number }> {
  const started = performance.now();
  const backlogAfterPhase = await queueBacklog(w.queue);
  let remaining = backlogAfterPhase;
  while (remaining > 0 && performance.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    remaining = await queueBacklog(w.queue);
  }
  return { backlogAfterPhase, drainMs: Math.round(performance.now() - started), remaining };
}

/** Background Redis commands per second, from the last direct phase (gateway and worker idle). */
let redisBackgroundPerSecond = 0;

async function measure(
  w: World,
  p: Plan,
  meta: Pick<PhaseRecord, "upstreamLatencyMs" | "scenario" | "target" | "rate" | "concurrency">,
  run: () => Promise<LoadResult>,
): Promise<PhaseRecord> {
  const isGw = meta.target === "gateway";
  const server = isGw ? w.gateway : w.simulator;
  const rss = new RssSampler(server.pid);
  const before = await counters(w, server, isGw);
  rss.start();
  const result = await run();
  const rssPeak = rss.stop();
  const after = await counters(w, server, isGw);
  const wallMs = after.at - before.at;
  const requests = Math.max(1, result.sentTotal);
  const calls = diffCalls(before.redisCalls, after.redisCalls);
  const raw = totalCalls(calls);
  if (!isGw) redisBackgroundPerSecond = raw / (wallMs / 1000);
  const background = w.redis.private ? 0 : redisBackgroundPerSecond;
  // Summed over the serving process's tree; a process that started or ended in the phase: see cpuDelta.
  const cpu = cpuDelta(before.server, after.server);
  const cpuMs = cpu.ms;
  const processes = Math.max(after.serverProcesses, rssPeak.processes);
  const gwRedis = before.gwRedis && after.gwRedis ? socketDelta(before.gwRedis, after.gwRedis) : null;
  const gwPg = before.gwPostgres && after.gwPostgres ? socketDelta(before.gwPostgres, after.gwPostgres) : null;
  const busyMs = after.machine.busyMs - before.machine.busyMs;
  const oursMs = cpuDelta(before.own, after.own).ms + (after.selfCpuMs - before.selfCpuMs);
  const pct = (ms: number) => round1((ms / wallMs) * 100);
  const record: PhaseRecord = {
    ...meta,
    result,
    requestsTotal: result.sentTotal,
    server: {
      process: isGw ? "gateway" : "simulator",
      cpuUsPerRequest: round1((cpuMs * 1000) / requests),
      cpuPctOfOneCore: pct(cpuMs),
      rssMaxMb: round1(rssPeak.perProcessMb),
      processes,
      rssMaxTotalMb: round1(rssPeak.totalMb),
      processesChanged: cpu.appeared + cpu.disappeared > 0 ? { started: cpu.appeared, ended: cpu.disappeared } : null,
    },
    worker: isGw ? { cpuUsPerRequest: round1(((after.workerCpuMs - before.workerCpuMs) * 1000) / requests) } : null,
    machine: { busyPctOfOneCore: pct(busyMs), benchProcessesPct: pct(oursMs), othersPct: pct(Math.max(0, busyMs - oursMs)), loadAvg1: round1(os.loadavg()[0] ?? 0) },
    redis: {
      commandsPerRequest: isGw ? round3(Math.max(0, raw - background * (wallMs / 1000)) / requests) : null,
      approximate: !w.redis.private,
      rawCommands: raw,
      backgroundPerSecond: round1(background),
      byCommand: perRequest(calls, requests),
      gatewayTcpSegmentsPerRequest: gwRedis ? round3(gwRedis.segments / requests) : null,
      gatewayBytesPerRequest: gwRedis ? round1(gwRedis.bytes / requests) : null,
    },
    postgres: gwPg ? { writes: gwPg.segments, bytes: gwPg.bytes, writesPerRequest: round3(gwPg.segments / requests) } : null,
    requestLogDrain: isGw ? await drainRequestLog(w, p.drainTimeoutMs) : null,
  };
  const lat = result.latency;
  log(
    `  ${meta.scenario.padEnd(10)} ${meta.target.padEnd(7)} ${(meta.rate !== null ? `${meta.rate}/s` : `c=${meta.concurrency}`).padEnd(7)} ` +
      `${Math.round(result.achievedRps)} req/s  p50 ${lat?.p50Ms ?? "-"} ms  p99 ${lat?.p99Ms ?? "-"} ms  ` +
      `cpu ${record.server.cpuUsPerRequest} µs/req` +
      (processes > 1 ? ` over ${processes} processes (RSS ${record.server.rssMaxMb} MB largest, ${record.server.rssMaxTotalMb} MB in all)` : "") +
      (record.worker ? ` (worker ${record.worker.cpuUsPerRequest})` : "") +
      `  errors ${result.errors}` +
      (result.sendLag ? `  send lag p99 ${result.sendLag.p99Ms} ms` : "") +
      `  [machine busy ${record.machine.busyPctOfOneCore}% of a core, others ${record.machine.othersPct}%]` +
      (record.requestLogDrain ? `  (request log: backlog ${record.requestLogDrain.backlogAfterPhase}, drained in ${record.requestLogDrain.drainMs} ms)` : ""),
  );
  if (record.server.processesChanged) {
    const { started, ended } = record.server.processesChanged;
    log(
      `    NOTE: ${record.server.process} processes changed during the phase (${started} started, ${ended} ended): ` +
        "CPU counts all of a new process's time and none of an ended one's after the phase began",
    );
  }
  return record;
}

/** The gateway's CPU while idle (config poll, recorder timers), over all its processes: the floor under the per-request figures at low rates. */
async function idleCpu(w: World, ms: number): Promise<number> {
  const before = await cpuOfPids(await processTree(w.gateway.pid));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = await cpuOfPids(await processTree(w.gateway.pid));
  return round1((cpuDelta(before, after).ms / (performance.now() - t0)) * 1000);
}

/** The largest single process's figure and the sum over the gateway's process tree. */
function treeMemory(tree: Map<number, Memory>, pick: (m: Memory) => number): { maxMb: number; totalMb: number } {
  const values = [...tree.values()].map(pick);
  return { maxMb: round1(Math.max(0, ...values)), totalMb: round1(values.reduce((a, b) => a + b, 0)) };
}

// ---------------------------------------------------------------- main

async function setUpstreamLatency(w: World, latencyMs: number): Promise<void> {
  const res = await fetch(`${w.simulatorUrl}/_sim/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ latencyMs }),
  });
  if (!res.ok) throw new Error(`simulator config: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
  const opts = options();
  const p = plan(opts.quick);
  const startedAt = new Date().toISOString();
  log(`gatehouse bench${opts.quick ? " (quick)" : ""}: ${machine().cpus} CPUs, Node ${process.version}`);

  const loadAvgAtStart = os.loadavg().map(round1);
  const resultsDir = path.join(REPO_ROOT, "bench", "results");
  const profileDir = path.join(resultsDir, `profile-${startedAt.replace(/[:.]/g, "-")}`);
  const w = await buildWorld(opts, profileDir);
  const rssAtStart = treeMemory(await memoryOfTree(w.gateway.pid), (m) => m.rssMb);
  const cpus = os.cpus().length;
  if ((loadAvgAtStart[0] ?? 0) > cpus * 0.5) {
    log(`WARNING: the machine is busy (load average ${loadAvgAtStart.join(" ")} on ${cpus} CPUs): the figures include other processes' CPU contention`);
  }
  const maxConnections = Math.max(1024, ...opts.latencies.flatMap((l) => p.saturationSteps(l)));
  const gw = createClient(w.gatewayUrl, maxConnections);
  const direct = createClient(w.simulatorUrl, maxConnections);
  onCleanup(async () => {
    await Promise.all([gw.destroy(), direct.destroy()]);
  });
  const clients: Record<TargetName, Pool> = { gateway: gw, direct };

  const specs = await chooseEndpoint(w, opts, gw, direct);
  log(`endpoint: ${specs.note}`);
  const spec: Record<TargetName, RequestSpec> = { gateway: specs.gateway, direct: specs.direct };

  const phases: PhaseRecord[] = [];
  const streaming: StreamRecord[] = [];
  let gatewayRequests = specs.gatewayProbes;

  for (const latency of opts.latencies) {
    await setUpstreamLatency(w, latency);
    log(`\nupstream latency ${latency} ms`);
    // Warm both paths (connections, JIT) before anything is measured: a few thousand requests, so V8 has
    // optimised the pipeline (1 s at 16 connections left the first phase at ~1.4x the CPU of later ones).
    for (const target of ["direct", "gateway"] as const) {
      const warm = await closedLoop(clients[target], spec[target], { concurrency: latency >= 20 ? 128 : 16, durationMs: p.warmupMs, warmupMs: 0 });
      if (target === "gateway") gatewayRequests += warm.sentTotal;
    }

    for (const rate of opts.rates) {
      for (const target of ["direct", "gateway"] as const) {
        const rec = await measure(w, p, { upstreamLatencyMs: latency, scenario: "open-loop", target, rate, concurrency: null }, () =>
          openLoop(clients[target], spec[target], { rate, durationMs: p.openMs, warmupMs: p.openWarmupMs }),
        );
        phases.push(rec);
        if (target === "gateway") gatewayRequests += rec.requestsTotal;
      }
    }

    if (specs.gatewayStream && specs.directStream) {
      const streamSpec: Record<TargetName, RequestSpec> = { gateway: specs.gatewayStream, direct: specs.directStream };
      for (const target of ["direct", "gateway"] as const) {
        const result = await streamFirstByte(clients[target], streamSpec[target], p.streamCount(latency), p.streamWarmup);
        streaming.push({ upstreamLatencyMs: latency, target, result });
        if (target === "gateway") gatewayRequests += result.count + 10;
        log(`  stream     ${target.padEnd(7)} x${result.count}    first byte p50 ${result.firstByte?.p50Ms ?? "-"} ms  p99 ${result.firstByte?.p99Ms ?? "-"} ms  errors ${result.errors}`);
      }
    }

    for (const concurrency of p.saturationSteps(latency)) {
      for (const target of ["direct", "gateway"] as const) {
        const rec = await measure(w, p, { upstreamLatencyMs: latency, scenario: "saturation", target, rate: null, concurrency }, () =>
          closedLoop(clients[target], spec[target], { concurrency, durationMs: p.saturationMs, warmupMs: p.saturationWarmupMs }),
        );
        phases.push(rec);
        if (target === "gateway") gatewayRequests += rec.requestsTotal;
      }
    }
  }

  // Which connection sends which Redis command: a short, slow phase under MONITOR.
  log("\nredis attribution (MONITOR, 100 req/s)");
  const portsOf = async () => ({
    gateway: await localPortsOf(await processTree(w.gateway.pid), w.redis.port),
    worker: await localPortsOf(w.worker.pid, w.redis.port),
  });
  const redisAttribution = await monitorAttribution(w.redis.url, w.redis.db, portsOf, async () => {
    const r = await openLoop(gw, spec.gateway, { rate: 100, durationMs: opts.quick ? 1_000 : 3_000, warmupMs: 0 });
    // The worker's share arrives a little later.
    await drainRequestLog(w, 10_000);
    return r.sentTotal;
  });
  gatewayRequests += redisAttribution.requests;
  log(`  gateway ${redisAttribution.gateway.total} cmds/req ${JSON.stringify(redisAttribution.gateway.byCommand)}; worker ${redisAttribution.worker.total} cmds/req; lua ${redisAttribution.lua.total}/req`);

  const finalDrain = await drainRequestLog(w, p.drainTimeoutMs);
  const idleCpuMsPerSecond = await idleCpu(w, opts.quick ? 1_000 : 2_000);
  const rowsPersisted = await countRequestLogs(w.databaseUrl);
  const gwTree = await memoryOfTree(w.gateway.pid);
  const gwHwm = treeMemory(gwTree, (m) => m.hwmMb);
  const gwPhases = phases.filter((ph) => ph.target === "gateway");
  let profile: ProfileSummary | null = null;
  if (opts.profile) {
    // V8 writes the profile as the gateway exits.
    await w.gateway.stop();
    profile = await summariseProfile(profileDir, REPO_ROOT);
  }

  const partial: Omit<BenchReport, "verdicts" | "finishedAt"> = {
    startedAt,
    quick: opts.quick,
    machine: machine(),
    endpoint: specs.endpoint,
    endpointNote: specs.note,
    redis: {
      url: w.redis.url,
      private: w.redis.private,
      note: w.redis.private
        ? "private redis-server: INFO commandstats counts only the bench's processes"
        : `db ${w.redis.db} of a shared server: INFO commandstats is server-wide, so 'Redis cmd/req' (~) subtracts the background rate of the direct phase before it and is approximate (--private-redis makes it exact); the MONITOR attribution below is exact (filtered by db and connection)`,
    },
    phases,
    streaming,
    redisAttribution,
    gateway: {
      rssHwmMb: gwHwm.maxMb,
      rssAtStartMb: rssAtStart.maxMb,
      pid: w.gateway.pid,
      idleCpuMsPerSecond,
      processes: opts.processes,
      pids: [...gwTree.keys()],
      rssHwmSumMb: gwHwm.totalMb,
      rssAtStartTotalMb: rssAtStart.totalMb,
      rssMaxTotalMb: round1(Math.max(rssAtStart.totalMb, ...gwPhases.map((ph) => ph.server.rssMaxTotalMb))),
    },
    profile,
    loadAvgAtStart,
    requestLog: { gatewayRequests, rowsPersisted, backlogAtEnd: finalDrain.remaining },
  };
  const report: BenchReport = { ...partial, finishedAt: new Date().toISOString(), verdicts: verdicts(partial) };
  const files = await writeReport(report, resultsDir);

  log(`\n${table(report)}`);
  log(
    "\n  latency: open loop from each request's scheduled send time; saturation: per request, closed loop at c connections." +
      "\n  added = gateway - direct at the same rate. CPU: utime+stime of the serving process / requests; * = the simulator (direct rows)." +
      (report.gateway.pids.length > 1 ? "\n  Gateway rows: CPU summed over the primary and its workers; RSS 'largest/total': the largest single process and the whole tree." : "") +
      "\n  RSS: max sampled during the phase. Redis cmd/req: every command the Redis server ran per gateway request" +
      "\n  (gateway + request-log worker + BullMQ Lua internals).",
  );
  log(`\nendpoint: ${specs.note}`);
  log(`redis: ${report.redis.note}`);
  log(`gateway idle CPU after the run: ${idleCpuMsPerSecond} ms/s (the floor under the per-request CPU at low rates)`);
  log(
    `request log: ${rowsPersisted} rows persisted for ${gatewayRequests} gateway requests` +
      (finalDrain.remaining > 0 ? `, ${finalDrain.remaining} jobs still queued` : ""),
  );
  if (gwTree.size > 1) {
    log(
      `gateway RSS (${gwTree.size} processes, primary + workers): per process ${rssAtStart.maxMb} MB after start, ${gwHwm.maxMb} MB peak; ` +
        `in all ${rssAtStart.totalMb} MB after start, ${report.gateway.rssMaxTotalMb} MB largest sampled total (${gwHwm.totalMb} MB if every process peaked at once)`,
    );
  } else {
    log(`gateway RSS: ${rssAtStart.maxMb} MB after start, ${gwHwm.maxMb} MB peak`);
  }
  if (profile) log(`\n${profileLines(profile)}`);
  else if (opts.profile) log("\nno CPU profile was written (did the gateway exit cleanly?)");
  log(`\ntargets (issue 3, "Speed"):\n${verdictLines(report.verdicts)}`);
  log(`\nreport: ${path.relative(process.cwd(), files.file)} (and ${path.relative(process.cwd(), files.latest)})`);
}

// Ctrl-C: stop every child gracefully, then exit. The same signal often arrives twice
// (from the terminal and relayed by tsx), so only a repeat after 2 s forces the exit;
// even then processes.ts SIGKILLs every child on the way out.
let interruptedAt = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interruptedAt) {
      if (Date.now() - interruptedAt > 2_000) process.exit(130);
      return;
    }
    interruptedAt = Date.now();
    process.stderr.write(`\nbench: ${signal}, stopping everything it started...\n`);
    void stopEverything().finally(() => process.exit(130));
  });
}

main().then(
  async () => {
    await stopEverything();
    process.exit(0);
  },
  async (err: unknown) => {
    // After Ctrl-C the run fails as its processes go away: that is not news.
    if (interruptedAt) return;
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopEverything();
    process.exit(1);
  },
);
