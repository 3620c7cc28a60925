// The worker process: one BullMQ Worker per queue of lib/queues.
// `npm run worker` (tsx workers/index.ts). Stateless: run as many as you like.
import { config as loadDotenv } from "dotenv";

loadDotenv({ path: process.env.DOTENV_CONFIG_PATH ?? ".env", quiet: true });

const { getEnvOrExit } = await import("@/lib/env");
const env = getEnvOrExit();

const { disconnectDb, getDb } = await import("@/lib/db");
const { log } = await import("@/lib/log");
const { queueRegistry } = await import("@/lib/queues");
const { createWorkerConnection } = await import("@/lib/queues/connection");
const { processors } = await import("@/workers/processors");
const { onShutdownSignal } = await import("@/lib/shutdown");
const { startWorker, stopWorkers } = await import("@/workers/runtime");

const connection = createWorkerConnection();
const db = getDb();
const running = Object.values(queueRegistry).map((definition) =>
  startWorker(definition, processors[definition.name]({ env, db, connection }), {
    connection,
    concurrency: definition.concurrency(env),
  }),
);

// Before waiting for Redis, so a worker that never connected still stops on SIGTERM.
onShutdownSignal(async () => {
  const clean = await stopWorkers(running, env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS);
  await connection.quit().catch(() => connection.disconnect());
  await disconnectDb();
  log("info", "worker.stopped", { clean });
  return clean ? 0 : 1;
});

await Promise.all(running.map((r) => r.worker.waitUntilReady()));

const summary = running.map((r) => `${r.queue} (concurrency ${r.worker.concurrency})`).join(", ");
process.stdout.write(`Gatehouse worker running: ${summary}\n`);
