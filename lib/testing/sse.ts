import { createParser, type EventSourceMessage } from "eventsource-parser";

/**
 * Reads a Server-Sent Events response body into its events, for tests.
 * Uses `eventsource-parser`, so LF and CRLF framing, `event:` names and
 * multi-line data are handled as a browser would. Throws what the body stream
 * throws (e.g. when the connection is cut), after `onEvent` saw what arrived.
 */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

export async function readSseEvents(response: Response, onEvent?: (e: SseEvent) => void): Promise<SseEvent[]> {
  if (!response.body) throw new Error("response has no body");
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      const e = { event: message.event, data: message.data };
      events.push(e);
      onEvent?.(e);
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
  return events;
}

/** The `data:` payloads parsed as JSON, skipping OpenAI's `[DONE]` sentinel. */
export function sseJson<T = unknown>(events: readonly SseEvent[]): T[] {
  return events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data) as T);
}
