// The one HTTP server of Gatehouse (plain node:http).
//
//   /v1/*        the data plane, straight into lib/gateway (no Next in between); /ofrep/* too (flag evaluation)
//   /api/health  health, answered here in every role
//   everything else  Next.js (dashboard, /api/admin, /api/auth, /api/v1 via the Web adapter)
//
// GATEHOUSE_ROLE: `all` (default) serves both; `gateway` serves the data plane
// and health only (Next is never loaded; other paths get a JSON 404); `web`
// serves the dashboard and control plane only: `/v1/*` and `/api/v1/*` get a
// JSON 404, so a load balancer that sends data-plane traffic to web instances
// fails loudly instead of silently running it through Next at ~10x the CPU.
//
// `npm start` (NODE_ENV=production) and `npm run dev` (tsx watch, Next in dev mode).
// A data-plane-only instance runs the bundle instead: `npm run build:gateway`
// (esbuild: this file and lib/ as one ES module, packages left to node_modules)
// then `npm run start:gateway` (GATEHOUSE_ROLE=gateway node dist/server.mjs):
// the same code without tsx's loader thread (~60 MB of RSS) and its
// per-closure `__name` calls.
import { config as loadDotenv } from "dotenv";

// Before anything reads process.env (several modules do at import time).
loadDotenv({ path: process.env.DOTENV_CONFIG_PATH ?? ".env", quiet: true });

const { getEnvOrExit } = await import("@/lib/env");
const env = getEnvOrExit();

// GATEHOUSE_GATEWAY_PROCESSES > 1: this process only supervises that many
// workers (node:cluster, one port); each of them runs the rest of this file.
const cluster = (await import("node:cluster")).default;
const { gatewayProcessCount, isGatewayPrimary, superviseGatewayWorkers } = await import("@/lib/cluster");
const processes = gatewayProcessCount(env.GATEHOUSE_GATEWAY_PROCESSES);
if (isGatewayPrimary(env.GATEHOUSE_ROLE, processes)) {
  superviseGatewayWorkers({
    processes,
    shutdownTimeoutMs: env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS,
    listeningLine: (url) => `Gatehouse listening on ${url} (role: gateway, ${processes} processes)`,
  });
  // The rest of this file is what each worker runs: the primary waits here until its shutdown exits.
  await new Promise<never>(() => undefined);
}
if (processes > 1 && env.GATEHOUSE_ROLE !== "gateway") {
  const { log } = await import("@/lib/log");
  log("warn", "server.processes_ignored", { processes, role: env.GATEHOUSE_ROLE, reason: "GATEHOUSE_GATEWAY_PROCESSES applies to GATEHOUSE_ROLE=gateway only" });
}

if (env.GATEHOUSE_ROLE === "gateway") {
  // Before Prisma compiles its query compiler (WebAssembly, at the snapshot's
  // first load): baseline code only. The gateway runs it only to load the
  // config snapshot, never per request, and V8's optimising tier for that
  // module alone took ~60 MB of RSS (issue 3, "Speed": RSS under 300 MB).
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--liftoff-only");
}

const { createServer } = await import("node:http");
const path = await import("node:path");
const { fileURLToPath } = await import("node:url");
const { GatehouseError } = await import("@/lib/errors");
const { errorResponse } = await import("@/lib/gateway/handle");
const { serveNode, writeResponse } = await import("@/lib/gateway/node-adapter");
const { resolveRequestId } = await import("@/lib/gateway/request-id");
const { healthResponse } = await import("@/lib/health/check");
const { log } = await import("@/lib/log");
const { closeProducerConnection, closeQueues } = await import("@/lib/queues");
const { startRecorder, stopRecorder } = await import("@/lib/gateway/record");
const { onShutdownSignal, within } = await import("@/lib/shutdown");
const { disconnectDb } = await import("@/lib/db");
const { disconnectRedis } = await import("@/lib/redis");
const { drainSettles } = await import("@/lib/gateway/limits");

type IncomingMessage = import("node:http").IncomingMessage;
type ServerResponse = import("node:http").ServerResponse;
type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const role = env.GATEHOUSE_ROLE;
const dev = env.NODE_ENV !== "production";
let shuttingDown = false;
/** Responses whose headers are not written yet: told to close their connection when we start draining. */
const pending = new Set<ServerResponse>();
let nextApp: { close(): Promise<void> } | undefined;
let nextHandler: RequestHandler | undefined;

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q === -1 ? u : u.slice(0, q);
}

/** `/v1/*` and the OpenFeature flag evaluation `/ofrep/*` (lib/gateway/endpoints/ofrep.ts). */
function isDataPlane(p: string): boolean {
  return p === "/v1" || p.startsWith("/v1/") || p === "/ofrep" || p.startsWith("/ofrep/");
}

async function notServed(req: IncomingMessage, res: ServerResponse, message: string): Promise<void> {
  const err = new GatehouseError("not_found", message, { type: "invalid_request_error" });
  await writeResponse(res, errorResponse(err, resolveRequestId(flatHeader(req.headers["x-request-id"]))));
}

function flatHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // While draining, every answer closes its connection so clients move to another instance.
  if (shuttingDown) res.setHeader("connection", "close");
  else {
    pending.add(res);
    res.once("close", () => pending.delete(res));
    res.once("finish", () => pending.delete(res));
  }
  const p = pathOf(req.url);

  if (p === "/api/health") {
    await writeResponse(res, await healthResponse());
    return;
  }
  if (isDataPlane(p)) {
    if (role === "web") return notServed(req, res, "The data plane is not served by this instance (GATEHOUSE_ROLE=web)");
    await serveNode(req, res);
    return;
  }
  if (role === "web" && (p === "/api/v1" || p.startsWith("/api/v1/"))) {
    return notServed(req, res, "The data plane is not served by this instance (GATEHOUSE_ROLE=web)");
  }
  if (nextHandler) {
    await nextHandler(req, res);
    return;
  }
  return notServed(req, res, `Unknown path: ${req.method ?? "GET"} ${p} (this instance serves /v1/* only: GATEHOUSE_ROLE=gateway)`);
}

const server = createServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    log("error", "server.unhandled", { err, path: pathOf(req.url) });
    if (!res.headersSent) {
      void writeResponse(res, errorResponse(err, resolveRequestId(flatHeader(req.headers["x-request-id"]))));
    } else {
      res.destroy();
    }
  });
});

// Keep idle connections open longer than a load balancer does (an ALB's idle
// timeout is 60 s), or the LB reuses a socket we are closing and the client gets a 502.
server.keepAliveTimeout = env.GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS;
server.headersTimeout = env.GATEHOUSE_KEEP_ALIVE_TIMEOUT_MS + 1_000;
// Time to receive a whole request (not to answer it: streams may run longer).
server.requestTimeout = Math.max(300_000, server.headersTimeout + 1_000);

if (role !== "gateway") {
  const { default: next } = await import("next");
  // The repository root: this file's directory, or its parent when run as the bundle (dist/server.mjs).
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dir = path.basename(here) === "dist" ? path.dirname(here) : here;
  const app = next({ dev, dir, hostname: env.HOST, port: env.PORT, httpServer: server });
  await app.prepare();
  nextApp = app;
  nextHandler = app.getRequestHandler();
}

// The data plane's configuration snapshot, loaded before we listen so the first request never reaches Postgres.
const { startConfigSync, stopConfigSync } = await import("@/lib/gateway/config");
if (role !== "web") await startConfigSync();
// The tokenizers' rank tables (1-4 s to load) are loaded in the background with every config snapshot,
// only those its models use (lib/gateway/config/snapshot.ts -> warmEncodingsFor).

await new Promise<void>((resolve, reject) => {
  server.once("error", reject);
  server.listen(env.PORT, env.HOST, () => {
    server.off("error", reject);
    resolve();
  });
});

// The request log: replay what an earlier process left in the spool now, not at the first request.
if (role !== "web") startRecorder();

const address = server.address();
const port = typeof address === "object" && address ? address.port : env.PORT;
const shownHost = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
// A cluster worker leaves the line to its primary, which prints it once every worker listens.
if (!cluster.isWorker) process.stdout.write(`Gatehouse listening on http://${shownHost}:${port} (role: ${role}${dev ? ", dev" : ""})\n`);
log("info", "server.listening", { port, role, dev, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) });

onShutdownSignal(async () => {
  shuttingDown = true;
  for (const res of pending) if (!res.headersSent) res.setHeader("connection", "close");
  // Stop accepting; close idle keep-alive sockets now and as in-flight requests finish.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const clean = (await within(closed, env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS)) === "done";
  clearInterval(sweep);
  if (!clean) {
    log("warn", "server.shutdown_timeout", { timeoutMs: env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS });
    server.closeAllConnections();
  }
  await nextApp?.close().catch(() => undefined);
  // Every request is answered: flush the request log (queue, else spool) before the queue connection goes.
  await stopRecorder(Date.now() + Math.min(5_000, env.GATEHOUSE_SHUTDOWN_TIMEOUT_MS));
  // Budget settles still in flight (one Redis round trip each) before the connection goes.
  await within(drainSettles(), 2_000);
  await stopConfigSync();
  await closeQueues();
  await closeProducerConnection();
  await disconnectRedis();
  await disconnectDb();
  log("info", "server.stopped", { clean });
  return clean ? 0 : 1;
});
