import type { ChatCompletionChunk } from "@/lib/gateway/openai/schema";
import type { StreamAnswer } from "./http";
import type { ChatStream, NormalisedUsage } from "./types";

/** What a provider's stream translator learns as it goes. */
export interface StreamState {
  /** Usage known so far (Anthropic reports input tokens first, output at the end). */
  usage: NormalisedUsage | null;
}

/**
 * Wraps a provider's chunk translator into a ChatStream: the upstream body is
 * released when iteration stops early, and `usage` settles when the chunks are
 * done, whichever way.
 */
export function toChatStream(answer: StreamAnswer, run: (state: StreamState) => AsyncGenerator<ChatCompletionChunk, void, undefined>): ChatStream {
  const state: StreamState = { usage: null };
  let settle: (u: NormalisedUsage | null) => void = () => undefined;
  const usage = new Promise<NormalisedUsage | null>((resolve) => {
    settle = resolve;
  });
  let settled = false;
  const finish = (clean: boolean) => {
    if (settled) return;
    settled = true;
    if (!clean) answer.body.cancel();
    settle(state.usage);
  };
  return {
    upstreamStatus: answer.status,
    headersLatencyMs: answer.headersLatencyMs,
    chunks: observed(() => run(state), finish),
    usage,
    cancel: () => finish(false),
  };
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * `async function* () { try { yield* start(); clean = true } finally { onEnd(clean) } }`,
 * written out as an iterator: an async generator layer costs a few promises
 * and microtask hops per chunk, and a streamed answer passes every chunk
 * through several layers. Same behaviour: `start` runs at the first next();
 * `onEnd(true)` at the end, `onEnd(false)` on a failure or a return() after
 * the start (the source's own return() first); a return() before the first
 * next() ends it without calling either, like a generator that never ran.
 */
function observed<T>(start: () => AsyncIterator<T>, onEnd: (clean: boolean) => void): AsyncIterableIterator<T> {
  let source: AsyncIterator<T> | null = null;
  let over = false;
  const it: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => it,
    next() {
      if (over) return Promise.resolve(DONE);
      source ??= start();
      return source.next().then(
        (r) => {
          if (r.done) {
            over = true;
            onEnd(true);
            return DONE;
          }
          return r;
        },
        (e: unknown) => {
          over = true;
          onEnd(false);
          throw e;
        },
      );
    },
    async return() {
      if (over || !source) {
        over = true;
        return DONE;
      }
      over = true;
      try {
        await source.return?.();
      } finally {
        onEnd(false);
      }
      return DONE;
    },
  };
  return it;
}

/** A chunk that carries output (text, tool call, reasoning, refusal), a finish reason or usage. */
export function chunkHasOutput(c: ChatCompletionChunk): boolean {
  if (c.usage) return true;
  for (const choice of c.choices) {
    if (choice.finish_reason) return true;
    const d = choice.delta;
    if (d.content || d.reasoning_content || d.refusal || (d.tool_calls && d.tool_calls.length > 0) || d.function_call) return true;
  }
  return false;
}

/**
 * Pulls chunks until the first one with output, so a failure that strikes
 * before any output (an in-stream error right after the headers, a cut before
 * the first token) rejects here, while the caller can still fall back. The
 * returned stream replays what was pulled. Rejects with the stream's
 * ProviderError (and releases the upstream) when it fails first.
 */
export async function primeChatStream(stream: ChatStream): Promise<ChatStream> {
  const it = stream.chunks[Symbol.asyncIterator]();
  const buffered: ChatCompletionChunk[] = [];
  let ended = false;
  for (;;) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    buffered.push(r.value);
    if (chunkHasOutput(r.value)) break;
  }
  return { ...stream, chunks: replay(buffered, ended ? null : it) };
}

/**
 * `buffered`, then the rest of `rest` (null: nothing more), as the generator
 * `yield* buffered; for (;;) { yield (await rest.next()).value ... }` with
 * `rest.return()` in its finally when it did not end cleanly; written out for
 * the same reason as observed() above.
 */
function replay<T>(buffered: readonly T[], rest: AsyncIterator<T> | null): AsyncIterableIterator<T> {
  let i = 0;
  let started = false;
  let over = false;
  const it: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => it,
    next() {
      if (over) return Promise.resolve(DONE);
      started = true;
      if (i < buffered.length) return Promise.resolve({ done: false, value: buffered[i++] as T });
      if (!rest) {
        over = true;
        return Promise.resolve(DONE);
      }
      return rest.next().then(
        (r) => {
          if (!r.done) return r;
          over = true;
          return DONE;
        },
        async (e: unknown) => {
          over = true;
          await rest.return?.();
          throw e;
        },
      );
    },
    async return() {
      const wasLive = started && !over;
      over = true;
      if (wasLive) await rest?.return?.();
      return DONE;
    },
  };
  return it;
}
