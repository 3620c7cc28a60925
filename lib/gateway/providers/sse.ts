import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { UpstreamBody } from "@/lib/gateway/upstream/client";
import { streamCutError } from "./classify";
import { ProviderError } from "./types";

/**
 * Server-Sent Events from an upstream body, parsed by `eventsource-parser`
 * (LF and CRLF framing, `event:` names, multi-line data). A connection that
 * dies mid-stream surfaces as `stream_cut`; deadlines and client aborts keep
 * their own class (`timeout`, `cancelled`). Whether the stream ended cleanly
 * is for the caller to judge from the provider's end-of-stream marker.
 */
export async function* readSse(body: UpstreamBody): AsyncGenerator<EventSourceMessage, void, undefined> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => queue.push(m) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (queue.length > 0) {
        for (let i = 0; i < queue.length; i++) yield queue[i] as EventSourceMessage;
        queue.length = 0;
      }
    }
  } catch (e) {
    if (e instanceof ProviderError && (e.errorClass === "reset" || e.errorClass === "connect")) {
      throw streamCutError(`upstream connection closed mid-stream: ${e.providerMessage}`, e);
    }
    throw e;
  }
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  // A last event without its blank line is still an event (some servers end that way).
  parser.reset({ consume: true });
  for (const m of queue) yield m;
}
