/**
 * Shared pieces of the data-plane integration tests: the simulator in this
 * process (port 0), the gateway as a real child process (server.ts, role
 * gateway), the official SDKs pointed at it, and a worker for the request log.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { createSimulator, type Simulator, type SimulatorOptions } from "@/lib/simulator/server";
import { childEnv, eventually, spawnEntry, startServer, type Child } from "@/lib/testing/spawn";

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
  url: string;
}

/** server.ts in the gateway role; logs at info level (the tests read `gateway.*` events). */
export async function startGateway(overrides: Record<string, string | undefined> = {}): Promise<GatewayHandle> {
  return startServer({ LOG_LEVEL: "info", ...overrides });
}

/** The request-log worker (workers/index.ts), ready once it printed its banner. */
export async function startWorker(): Promise<Child> {
  const child = spawnEntry("workers/index.ts", childEnv({ GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS: "20" }));
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
