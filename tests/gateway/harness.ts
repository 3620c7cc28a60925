/**
 * Shared pieces of the data-plane integration tests: the simulator in this
 * process (port 0), the gateway as a real child process (server.ts, role
 * gateway), the official SDKs pointed at it, and a worker for the request log.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createSimulator, type Simulator, type SimulatorOptions } from "@/lib/simulator/server";
import { childEnv, eventually, spawnEntry, type Child } from "@/lib/testing/spawn";

/**
 * The two ways the same pipeline is served (issue 3: "one test suite runs
 * against both"): `node`, server.ts's node:http fast path at `/v1/...`;
 * `web`, lib/gateway/web-adapter.ts (what the Next route handlers under
 * app/api/v1 call) at `/api/v1/...`. The suites run `describe.each(ADAPTERS)`.
 */
export const ADAPTERS = ["node", "web"] as const;
const STARTUP_TIMEOUT_MS = 45_000;
export type Adapter = (typeof ADAPTERS)[number];

export interface SimHandle {
  sim: Simulator;
  url: string;
}

export async function startSim(options: SimulatorOptions = {}): Promise<SimHandle> {
  const sim = createSimulator(options);
  const { url } = await sim.listen(0);
  return { sim, url };
}

export interface GatewayHandle {
  child: Child;
  /** The base the paths hang off: `${url}/v1/...` (`http://host:port` for node, `http://host:port/api` for web). */
  url: string;
  adapter: Adapter;
}

/**
 * The gateway as a child process, logging at info level (the tests read
 * `gateway.*` events): server.ts in the gateway role (`node`), or
 * lib/testing/web-gateway-server.ts, the same pipeline through the Web adapter
 * behind a Next-style node->Request->Response->node bridge (`web`).
 */
export async function startGateway(overrides: Record<string, string | undefined> = {}, adapter: Adapter = "node"): Promise<GatewayHandle> {
  const entry = adapter === "node" ? "server.ts" : "lib/testing/web-gateway-server.ts";
  const child = spawnEntry(entry, childEnv({ GATEHOUSE_ROLE: "gateway", LOG_LEVEL: "info", ...overrides }));
  try {
    // A bound, not a measurement: a cold start under a fully loaded 2-core machine took over 20 s.
    const m = await child.waitFor(/Gatehouse listening on (http:\/\/\S+)/, STARTUP_TIMEOUT_MS);
    return { child, url: m[1] ?? "", adapter };
  } catch (err) {
    child.kill();
    throw err;
  }
}

/** The request-log worker (workers/index.ts), ready once it printed its banner. */
export async function startWorker(): Promise<Child> {
  const child = spawnEntry("workers/index.ts", childEnv());
  try {
    await child.waitFor(/Gatehouse worker running/);
    return child;
  } catch (err) {
    child.kill();
    throw err;
  }
}

export function openai(baseUrl: string, key: string, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0, defaultHeaders: headers });
}

export function anthropic(baseUrl: string, key: string, headers: Record<string, string> = {}): Anthropic {
  return new Anthropic({ apiKey: key, baseURL: baseUrl, maxRetries: 0, defaultHeaders: headers });
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A raw JSON POST (bad-input tests: what the SDKs would never send). */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Polls until the log line of `event` for `requestId` shows up in the child's stdout (pino JSON). */
export async function logLine(child: Child, event: string, requestId: string): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      for (const line of child.stdout().split("\n")) {
        if (!line.includes(event) || !line.includes(requestId)) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.event === event) return parsed;
        } catch {
          // not a log line
        }
      }
      return undefined;
    },
    { what: `${event} for ${requestId}` },
  );
}

export { eventually };

/** Log lines of a child at error level, or about records the request log refused (both are bugs). */
export function problemLines(child: Child): string[] {
  return child
    .stdout()
    .split("\n")
    .filter((l) => l.includes('"level":50') || l.includes("record.invalid") || l.includes("route.attempt_failed_unexpectedly"));
}
