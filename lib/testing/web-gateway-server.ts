// Test entry point (never deployed): the data plane as server.ts runs it in the
// gateway role (config snapshot, request log, shutdown), but every request goes
// through the Web Request/Response adapter (lib/gateway/web-adapter.ts) at
// `/api/v1/*` and `/api/ofrep/*`, converted as Next converts for a route handler
// (lib/testing/web-bridge.ts). `/v1/*` is NOT served here, so a test that meant
// the Web adapter cannot silently hit the node:http fast path.
// Prints `Gatehouse listening on http://host:port/api` so `${url}/v1/...` is `/api/v1/...`.
import { config as loadDotenv } from "dotenv";

loadDotenv({ path: process.env.DOTENV_CONFIG_PATH ?? ".env", quiet: true });

const { getEnvOrExit } = await import("@/lib/env");
const env = getEnvOrExit();

const { createServer } = await import("node:http");
const { GatehouseError } = await import("@/lib/errors");
const { errorResponse } = await import("@/lib/gateway/handle");
const { writeResponse } = await import("@/lib/gateway/node-adapter");
const { serveWeb } = await import("@/lib/gateway/web-adapter");
const { viaWebAdapter } = await import("@/lib/testing/web-bridge");
const { startConfigSync, stopConfigSync } = await import("@/lib/gateway/config");
const { startRecorder, stopRecorder } = await import("@/lib/gateway/record");
const { log } = await import("@/lib/log");
const { closeProducerConnection, closeQueues } = await import("@/lib/queues");
const { onShutdownSignal } = await import("@/lib/shutdown");
const { disconnectDb } = await import("@/lib/db");
const { disconnectRedis } = await import("@/lib/redis");

const served = (p: string): boolean => p === "/api/v1" || p.startsWith("/api/v1/") || p === "/api/ofrep" || p.startsWith("/api/ofrep/");

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  const p = url.split("?")[0] ?? "/";
  const work = served(p)
    ? viaWebAdapter(req, res, serveWeb)
    : writeResponse(res, errorResponse(new GatehouseError("not_found", `Not served by the Web adapter test server: ${p}`, { type: "invalid_request_error" }), "req_none"));
  work.catch((err: unknown) => {
    log("error", "server.unhandled", { err, path: p });
    res.destroy();
  });
});

await startConfigSync();
await new Promise<void>((resolve) => server.listen(env.PORT, env.HOST, resolve));
startRecorder();
const address = server.address();
const port = typeof address === "object" && address ? address.port : env.PORT;
process.stdout.write(`Gatehouse listening on http://${env.HOST}:${port}/api (role: gateway, Web adapter)\n`);
log("info", "server.listening", { port, role: "gateway", adapter: "web" });

onShutdownSignal(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await stopRecorder(Date.now() + 5_000);
  await stopConfigSync();
  await closeQueues();
  await closeProducerConnection();
  await disconnectRedis();
  await disconnectDb();
  return 0;
});
