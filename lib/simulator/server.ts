import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { anthropic } from "./anthropic";
import { PromptCache } from "./content";
import {
  faultStatus,
  KnobHeaderError,
  knobsFromHeaders,
  SimConfigInput,
  SimConfigStore,
  SimKnobs,
  type ConfigSnapshot,
  type Fault,
} from "./faults";
import { gemini } from "./gemini";
import { end, formatSse, readBody, resetConnection, sendJson, SimHttpError, sleep, untilAborted, write, type Plan, type StreamPlan } from "./http";
import { azure, openai } from "./openai";
import { RequestRecorder, redactHeaders, redactQuery, type RecordedRequest, type RecordedResponse } from "./recorder";
import type { Route, SimRequest, WireFormat } from "./types";

/**
 * The provider simulator: a plain node:http server that speaks the OpenAI,
 * Azure OpenAI, Anthropic and Gemini wire formats with deterministic content,
 * latency and fault injection, and records what it received.
 *
 *   const sim = createSimulator();
 *   const { url } = await sim.listen(0);
 *   ...
 *   await sim.close();
 */

export const DEFAULT_MODELS = [
  "sim-gpt",
  "sim-primary",
  "sim-fallback",
  "gpt-4o-mini",
  "gpt-4o",
  "o4-mini",
  "text-embedding-3-small",
  "text-embedding-3-large",
  "claude-sonnet-4-5",
  "claude-haiku-4-5",
  "gemini-2.5-flash",
  "gemini-2.5-pro",
  "gemini-embedding-001",
] as const;

export interface SimulatorOptions {
  /** Server-wide knobs at start (and after `DELETE /_sim/config`). */
  config?: SimKnobs;
  /** Seed of the PRNG used for latency jitter and faultRate. Default 42. */
  seed?: number;
  /** When set, requests must carry exactly this key; otherwise any non-empty key is accepted. */
  apiKey?: string;
  /** Models listed by the models endpoints. Any model name is accepted in requests. */
  models?: readonly string[];
  /** How many requests `GET /_sim/requests` keeps. Default 200. */
  maxRecorded?: number;
  /** Largest request body. Default 32 MiB. */
  bodyLimitBytes?: number;
  /**
   * Benchmarks only (`npm run simulator -- --fixed-answers`; bench/run.ts):
   * a request identical to an earlier one (method, path, body; no `x-sim-*`
   * knob headers) gets the earlier answer again, the same bytes (same ids),
   * without generating it anew, and requests are not recorded
   * (`GET /_sim/requests` stays empty). Authentication, latency, faults and
   * streaming timing apply as usual. So the simulator takes less of a shared
   * machine's CPU, the same for every client (direct or via the gateway).
   */
  fixedAnswers?: boolean;
}

export interface Simulator {
  server: http.Server;
  /** Listens (port 0 = any free port; host default 127.0.0.1) and resolves with the base URL. */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Closes the server and destroys open connections (hung requests included). */
  close(): Promise<void>;
  /** Same as `POST /_sim/config`. */
  configure(input: SimConfigInput): ConfigSnapshot;
  /** Same as `GET /_sim/config`. */
  config(): ConfigSnapshot;
  /** Same as `GET /_sim/requests`. */
  requests(filter?: { model?: string; pathPrefix?: string; limit?: number }): RecordedRequest[];
  /** Config back to the start options, recorded requests and the prompt cache cleared. */
  reset(): void;
}

const WIRE_FORMATS: readonly WireFormat[] = [anthropic, openai, azure, gemini];

function findRoute(method: string, path: string, headers: IncomingMessage["headers"]): { wire: WireFormat; route: Route; params: Record<string, string> } | null {
  for (const wire of WIRE_FORMATS) {
    for (const route of wire.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.when && !route.when({ headers })) continue;
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = decodeURIComponent(v);
      return { wire, route, params };
    }
  }
  return null;
}

/** The wire format a path belongs to, for a 404 in the right error format. */
function wireForPath(path: string): WireFormat {
  if (path.startsWith("/v1/messages")) return anthropic;
  if (path.startsWith("/openai/")) return azure;
  if (/^\/v1(beta|alpha)\//.test(path) || /:[A-Za-z]+$/.test(path)) return gemini;
  return openai;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Bad request (simulated)",
  401: "Unauthorized (simulated)",
  403: "Forbidden (simulated)",
  404: "Not found (simulated)",
  408: "Request timeout (simulated)",
  409: "Conflict (simulated)",
  413: "Request too large (simulated)",
  422: "Unprocessable entity (simulated)",
  429: "Rate limit reached (simulated). Please retry after a short wait.",
  500: "The server had an error while processing your request (simulated).",
  502: "Bad gateway (simulated)",
  503: "The service is temporarily overloaded (simulated).",
  504: "Gateway timeout (simulated)",
  529: "Overloaded (simulated)",
};

const RequestsQuery = z.object({
  model: z.string().optional(),
  path: z.string().optional(),
  limit: z.coerce.number().int().min(1).optional(),
});

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const store = new SimConfigStore(SimKnobs.parse(options.config ?? {}), options.seed ?? 42);
  const recorder = new RequestRecorder(options.maxRecorded ?? 200);
  const promptCache = new PromptCache();
  const models = [...(options.models ?? DEFAULT_MODELS)];
  const bodyLimit = options.bodyLimitBytes ?? 32 * 1024 * 1024;
  const fixed = options.fixedAnswers === true ? new FixedAnswers() : null;
  let seq = 0;

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /_sim/health":
        return sendJson(res, 200, { ok: true, name: "gatehouse-simulator" });
      case "GET /_sim/config":
        return sendJson(res, 200, store.snapshot());
      case "DELETE /_sim/config":
        fixed?.clear(); // answers may depend on the server-wide knobs
        return sendJson(res, 200, store.reset());
      case "POST /_sim/config": {
        let json: unknown;
        try {
          json = JSON.parse((await readBody(req, bodyLimit)).toString("utf8") || "{}");
        } catch {
          return sendJson(res, 400, { error: { message: "body must be JSON" } });
        }
        const parsed = SimConfigInput.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return sendJson(res, 400, { error: { message: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}` } });
        }
        fixed?.clear();
        return sendJson(res, 200, store.set(parsed.data));
      }
      case "GET /_sim/requests": {
        const q = RequestsQuery.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) return sendJson(res, 400, { error: { message: "limit must be a positive integer" } });
        return sendJson(res, 200, { data: recorder.list({ model: q.data.model, pathPrefix: q.data.path, limit: q.data.limit }) });
      }
      case "DELETE /_sim/requests":
        return sendJson(res, 200, { cleared: recorder.clear() });
      case "POST /_sim/reset":
        reset();
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: { message: `unknown admin route ${route}` } });
    }
  }

  function reset(): void {
    fixed?.clear();
    store.reset();
    recorder.clear();
    promptCache.clear();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator.local");
    if (url.pathname.startsWith("/_sim/")) return admin(req, res, url);

    const aborts = new AbortController();
    res.on("close", () => aborts.abort());
    const signal = aborts.signal;
    const method = req.method ?? "GET";
    const found = findRoute(method, url.pathname, req.headers);
    const wire = found?.wire ?? wireForPath(url.pathname);
    const current = ++seq;
    const fail = (status: number, message: string, extra: { code?: string; retryAfterSeconds?: number } = {}, headers: Record<string, string> = {}) =>
      sendJson(res, status, wire.errorBody(status, message, extra), { "x-sim-request-seq": String(current), ...headers });

    let raw: Buffer;
    try {
      raw = await readBody(req, bodyLimit);
    } catch (e) {
      if (e instanceof SimHttpError) return fail(e.status, e.message);
      throw e;
    }
    const text = raw.toString("utf8");
    let body: unknown;
    let bodyError: string | null = null;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        bodyError = "We could not parse the JSON body of your request.";
      }
    }
    const facts = { params: found?.params ?? {}, body, url };
    const model = found ? (found.route.model(facts) ?? null) : null;
    const stream = found ? found.route.stream(facts) : false;
    // fixedAnswers: not recorded (no header redaction, no hashing of the key per request).
    const entry: RecordedRequest = fixed
      ? { seq: current, at: "", method, path: url.pathname, query: {}, provider: found?.wire.provider ?? null, model, stream, headers: {}, body: null, response: null }
      : recorder.add({
          seq: current,
          at: new Date().toISOString(),
          method,
          path: url.pathname,
          query: redactQuery(url.searchParams),
          provider: found?.wire.provider ?? null,
          model,
          stream,
          headers: redactHeaders(req.headers),
          body: bodyError === null ? (body ?? null) : text,
          response: null,
        });
    const finish = (response: RecordedResponse) => {
      entry.response = response;
    };
    res.on("close", () => {
      entry.response ??= { status: res.headersSent ? res.statusCode : null, fault: null, outcome: res.writableFinished ? "completed" : "aborted" };
    });

    if (!found) {
      finish({ status: 404, fault: null, outcome: "completed" });
      return fail(404, `Unknown request URL: ${method} ${url.pathname}.`, { code: "unknown_url" });
    }
    let plan: Plan;
    let knobs: SimKnobs;
    let fault: Fault | null;
    try {
      found.wire.authenticate({ headers: req.headers, url }, options.apiKey);
      if (bodyError !== null) throw new SimHttpError(400, bodyError);
      const headerKnobs = knobsFromHeadersOr400(req.headers);
      const requestFacts = { provider: found.wire.provider, path: url.pathname, model: entry.model ?? undefined };
      knobs = store.knobs(requestFacts, headerKnobs);
      const simReq: SimRequest = { seq: current, method, url, headers: req.headers, body, params: found.params, knobs, promptCache, models };
      const key = fixed && bodyError === null && !hasKnobHeaders(req.headers) ? `${method} ${url.pathname}${url.search}\n${text}` : null;
      plan = (key !== null ? fixed?.get(key) : undefined) ?? found.route.handle(simReq);
      if (key !== null) fixed?.set(key, plan);
      fault = store.fault(requestFacts, headerKnobs);
    } catch (e) {
      if (e instanceof SimHttpError) {
        finish({ status: e.status, fault: null, outcome: "completed" });
        return fail(e.status, e.message, e.code === undefined ? {} : { code: e.code });
      }
      throw e;
    }

    const jitter = knobs.latencyJitterMs ? Math.floor(store.next() * knobs.latencyJitterMs) : 0;
    const latency = (knobs.latencyMs ?? 0) + jitter + (plan.type === "json" ? (knobs.ttftMs ?? 0) : 0);
    if (fault === "hang") {
      await untilAborted(signal);
      return finish({ status: null, fault, outcome: "aborted" });
    }
    await sleep(latency, signal);
    if (signal.aborted) return finish({ status: null, fault, outcome: "aborted" });
    if (fault === "reset") {
      finish({ status: null, fault, outcome: "reset" });
      return resetConnection(req);
    }
    const status = faultStatus(fault) ?? (fault === "stream-error" && plan.type === "json" ? 500 : null);
    if (status !== null) {
      const retryAfter = status === 429 || status === 503 ? (knobs.retryAfterSeconds ?? 1) : undefined;
      finish({ status, fault, outcome: "completed" });
      return fail(
        status,
        DEFAULT_MESSAGES[status] ?? `Simulated error ${status}`,
        retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter },
        retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
      );
    }
    const headers = { ...plan.headers, "x-sim-request-seq": String(current) };
    if (plan.type === "json") return deliverJson(req, res, plan.status, plan.body, headers, fault, signal, finish, fixed);
    return deliverStream(req, res, plan, headers, knobs, fault, signal, finish);
  }

  function knobsFromHeadersOr400(headers: IncomingMessage["headers"]): SimKnobs {
    try {
      return knobsFromHeaders(headers);
    } catch (e) {
      if (e instanceof KnobHeaderError) throw new SimHttpError(400, e.message);
      throw e;
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the simulator: answer 500 in plain JSON rather than crash the test run.
      if (!res.headersSent) void sendJson(res, 500, { error: { message: `simulator error: ${error instanceof Error ? error.message : String(error)}` } });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  return {
    server,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve({ port: address.port, url: `http://${shownHost}:${address.port}` });
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
    configure: (input) => {
      fixed?.clear();
      return store.set(input);
    },
    config: () => store.snapshot(),
    requests: (filter) => recorder.list(filter),
    reset,
  };
}

async function deliverJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  fault: Fault | null,
  signal: AbortSignal,
  finish: (r: RecordedResponse) => void,
  fixed: FixedAnswers | null = null,
): Promise<void> {
  const text = fixed?.text(body) ?? JSON.stringify(body);
  if (fault === "malformed") {
    finish({ status: 200, fault, outcome: "completed" });
    return sendRaw(res, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))), headers);
  }
  if (fault === "cut" || fault === "stall") {
    // Promise the whole body, send half of it, then drop (cut) or go silent (stall).
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
    await write(res, text.slice(0, Math.floor(text.length / 2)));
    if (fault === "cut") {
      finish({ status, fault, outcome: "cut" });
      req.socket.destroy();
      return;
    }
    await untilAborted(signal);
    return finish({ status, fault, outcome: "aborted" });
  }
  finish({ status, fault, outcome: "completed" });
  return sendRaw(res, status, text, headers);
}

/** `fixedAnswers`: the plan of each distinct request, and the JSON text of each answer (bounded: a benchmark sends a few distinct bodies). */
class FixedAnswers {
  private readonly plans = new Map<string, Plan>();
  private readonly texts = new WeakMap<object, string>();

  get(key: string): Plan | undefined {
    return this.plans.get(key);
  }

  clear(): void {
    this.plans.clear();
  }

  set(key: string, plan: Plan): void {
    if (this.plans.size >= 1_000) this.plans.clear();
    this.plans.set(key, plan);
  }

  text(body: unknown): string {
    if (typeof body !== "object" || body === null) return JSON.stringify(body);
    let text = this.texts.get(body);
    if (text === undefined) {
      text = JSON.stringify(body);
      this.texts.set(body, text);
    }
    return text;
  }
}

function hasKnobHeaders(headers: IncomingMessage["headers"]): boolean {
  for (const name in headers) if (name.startsWith("x-sim-")) return true;
  return false;
}

function sendRaw(res: ServerResponse, status: number, text: string, headers: Record<string, string>): Promise<void> {
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  return end(res, text);
}

async function deliverStream(
  req: IncomingMessage,
  res: ServerResponse,
  plan: StreamPlan,
  headers: Record<string, string>,
  knobs: SimKnobs,
  fault: Fault | null,
  signal: AbortSignal,
  finish: (r: RecordedResponse) => void,
): Promise<void> {
  const sse = plan.framing === "sse";
  res.writeHead(200, {
    "content-type": sse ? "text/event-stream; charset=utf-8" : "application/json; charset=UTF-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...headers,
  });
  res.flushHeaders();
  await sleep(knobs.ttftMs ?? 0, signal);

  const events = plan.events.map((e) => ({ ...e }));
  const last = events.length - 1;
  // Faults strike before the stream's final event, so no [DONE] / message_stop ever arrives.
  const faultAt = Math.min(Math.max(0, knobs.cutAfterChunks ?? Math.floor(events.length / 2)), Math.max(0, last));
  if (fault === "malformed") {
    const target = events[faultAt];
    if (target) target.data = target.data.slice(0, Math.max(1, Math.floor(target.data.length / 2)));
  }
  const frame = (i: number, data: { event?: string; data: string }) =>
    sse ? formatSse(data, plan.separator) : `${i === 0 ? "[" : ",\r\n"}${data.data}`;

  for (let i = 0; i < events.length; i++) {
    if (signal.aborted) return finish({ status: 200, fault, outcome: "aborted" });
    if (i === faultAt && (fault === "cut" || fault === "stall" || fault === "stream-error")) {
      if (fault === "cut") {
        finish({ status: 200, fault, outcome: "cut" });
        req.socket.destroy();
        return;
      }
      if (fault === "stall") {
        await untilAborted(signal);
        return finish({ status: 200, fault, outcome: "aborted" });
      }
      await write(res, frame(i, plan.errorEvent));
      finish({ status: 200, fault, outcome: "completed" });
      return end(res, sse ? undefined : "]");
    }
    const event = events[i];
    if (event) await write(res, frame(i, event));
    if (i < last) await sleep(knobs.interChunkMs ?? 0, signal);
  }
  finish({ status: 200, fault, outcome: "completed" });
  return end(res, sse ? undefined : "]");
}
