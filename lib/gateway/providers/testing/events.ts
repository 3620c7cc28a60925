import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk } from "@/lib/gateway/openai/schema";
import type { StreamState } from "../stream";

/** For tests: SSE messages from JSON payloads (strings as is), as the reader would yield them. */
export async function* sseOf(...items: Array<unknown>): AsyncGenerator<EventSourceMessage> {
  for (const item of items) {
    if (typeof item === "string") yield { data: item, event: undefined, id: undefined };
    else if (typeof item === "object" && item !== null && "__event" in item) {
      const { __event, ...rest } = item as { __event: string };
      yield { data: JSON.stringify(rest), event: __event, id: undefined };
    } else yield { data: JSON.stringify(item), event: undefined, id: undefined };
  }
}

/** Runs a translator to the end: its chunks, the state, and the error it ended with (if any). */
export async function drain(
  run: (state: StreamState) => AsyncGenerator<ChatCompletionChunk, void, undefined>,
): Promise<{ chunks: ChatCompletionChunk[]; state: StreamState; error: unknown }> {
  const state: StreamState = { usage: null };
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const c of run(state)) chunks.push(c);
  } catch (error) {
    return { chunks, state, error };
  }
  return { chunks, state, error: undefined };
}
