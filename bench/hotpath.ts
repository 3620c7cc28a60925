/**
 * `npx tsx bench/hotpath.ts [--requests 20000 --concurrency 32 --rounds 5 --stream --guards off --profile out.cpuprofile]`
 *
 * The gateway's own CPU per request, without HTTP in front of it: calls the
 * pipeline (lib/gateway/handle.ts) in this process, as the node:http adapter
 * does, against the simulator in a process of its own, with the request log
 * on (the recorder here, a request-log worker process draining the queue).
 * Prints this process's CPU per request for each round and the lowest: on a
 * machine shared with other work the lowest round is the steadiest figure
 * (contention only ever adds). A tool to compare two versions of the hot
 * path, not the benchmark (`npm run bench` measures what a client sees).
 *
 * Uses the bench's world (bench/setup.ts: database `gatehouse_bench`, Redis db 13).
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector";
import { parseArgs } from "node:util";
import { onCleanup, spawnTs, stopEverything } from "./processes";
import { benchDatabaseUrl, childEnv, prepareDatabase, prepareRedis, seed, ROUTE_ALIAS } from "./setup";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "32" },
    rounds: { type: "string", default: "5" },
    stream: { type: "boolean", default: false },
    guards: { type: "string", default: "default" },
    profile: { type: "string" },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

async function main(): Promise<void> {
  const redis = await prepareRedis(false);
  const databaseUrl = benchDatabaseUrl();
  await prepareDatabase(databaseUrl);
  const simulator = spawnTs("simulator", "scripts/simulator.ts", ["--port", "0", "--latency-ms", "0", "--fixed-answers"], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
  });
  const simulatorUrl = (await simulator.waitFor(/simulator listening on (http:\/\/\S+)/))[1] ?? "";
  const seeded = await seed(databaseUrl, simulatorUrl, { guardsOff: values.guards === "off" });
  const env = childEnv(databaseUrl, redis.url);
  const worker = spawnTs("worker", "workers/index.ts", [], env);
  await worker.waitFor(/Gatehouse worker running/);
  Object.assign(process.env, env, { GATEHOUSE_ROLE: "gateway" });

  const { startConfigSync, stopConfigSync } = await import("@/lib/gateway/config");
  const { startRecorder, stopRecorder } = await import("@/lib/gateway/record");
  const { handle } = await import("@/lib/gateway/handle");
  const { isStreamBody } = await import("@/lib/gateway/types");
  await startConfigSync();
  startRecorder();
  onCleanup(async () => {
    await stopRecorder();
    await stopConfigSync();
  });

  const body = Buffer.from(
    JSON.stringify({
      model: ROUTE_ALIAS,
      messages: [
        { role: "system", content: "You are a terse assistant." },
        { role: "user", content: "Say hello in one short sentence." },
      ],
      max_tokens: 32,
      ...(values.stream ? { stream: true } : {}),
    }),
  );
  const headers = { authorization: `Bearer ${seeded.apiKey}`, "content-type": "application/json", "content-length": String(body.length), host: "127.0.0.1" };

  let failures = 0;
  async function one(): Promise<void> {
    const res = await handle({ method: "POST", path: "/v1/chat/completions", headers: { ...headers }, body, remoteAddress: "127.0.0.1", signal: new AbortController().signal });
    if (res.status !== 200) failures++;
    if (isStreamBody(res.body)) for await (const chunk of res.body) void chunk;
    else JSON.stringify(res.body);
  }
  async function round(n: number): Promise<number> {
    let next = 0;
    const start = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < n) await one();
      }),
    );
    const used = process.cpuUsage(start);
    return (used.user + used.system) / n;
  }

  await round(Math.min(5_000, requests));
  // --profile: a V8 CPU profile of the measured rounds only (after warm-up), for DevTools or speedscope.
  const profiler = values.profile ? await startProfiler() : null;
  const figures: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const us = await round(requests);
    figures.push(us);
    console.log(`round ${i + 1}: ${us.toFixed(1)} µs/req`);
  }
  if (profiler && values.profile) {
    await writeFile(values.profile, JSON.stringify(await profiler.stop()));
    console.log(`profile: ${values.profile}`);
  }
  console.log(`hot path (${values.stream ? "stream" : "json"}): min ${Math.min(...figures).toFixed(1)} µs/req, median ${figures.sort((a, b) => a - b)[Math.floor(figures.length / 2)]?.toFixed(1)} µs/req; failures ${failures}`);
}

async function startProfiler(): Promise<{ stop(): Promise<object> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 200 });
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = (await post("Profiler.stop")) as { profile: object };
      session.disconnect();
      return profile;
    },
  };
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void stopEverything().then(() => process.exit()));
