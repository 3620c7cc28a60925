import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

/**
 * What a wire-format module answers, before faults and timing are applied by
 * the server: a JSON body, or a list of stream events.
 */
export type Plan = JsonPlan | StreamPlan;

export interface JsonPlan {
  type: "json";
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface StreamEvent {
  /** SSE `event:` name (Anthropic); omitted for OpenAI and Gemini. */
  event?: string;
  /** The `data:` payload, already serialised. */
  data: string;
}

export interface StreamPlan {
  type: "stream";
  /** `sse`: text/event-stream. `json-array`: one JSON array written element by element (Gemini without alt=sse). */
  framing: "sse" | "json-array";
  /** Event separator for SSE: "\n\n" (OpenAI, Anthropic) or "\r\n\r\n" (Gemini). */
  separator?: string;
  events: StreamEvent[];
  /** The provider's in-stream error event, for the `stream-error` fault. */
  errorEvent: StreamEvent;
  headers?: Record<string, string>;
}

/** An error the wire-format module answers in its own error format. */
export class SimHttpError extends Error {
  override name = "SimHttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new SimHttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Resolves after `ms`, or early when the signal aborts (the client went away). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

/** Resolves when the signal aborts: the `hang` fault. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** Writes and waits until the chunk is handed to the socket (or the client is gone). */
export function write(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.write(chunk, () => resolve());
  });
}

export function end(res: ServerResponse, chunk?: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.end(chunk ?? "", () => resolve());
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  return end(res, text);
}

export function formatSse(event: StreamEvent, separator = "\n\n"): string {
  const eol = separator === "\r\n\r\n" ? "\r\n" : "\n";
  return `${event.event ? `event: ${event.event}${eol}` : ""}data: ${event.data}${separator}`;
}

/** Destroys the connection abruptly (TCP RST where the platform allows). */
export function resetConnection(req: IncomingMessage): void {
  const socket = req.socket;
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}
