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
  async function* chunks(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    let clean = false;
    try {
      yield* run(state);
      clean = true;
    } finally {
      finish(clean);
    }
  }
  return {
    upstreamStatus: answer.status,
    headersLatencyMs: answer.headersLatencyMs,
    chunks: chunks(),
    usage,
    cancel: () => finish(false),
  };
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
  async function* replay(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    let clean = false;
    try {
      yield* buffered;
      if (!ended) {
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          yield r.value;
        }
      }
      clean = true;
    } finally {
      if (!clean) await it.return?.();
    }
  }
  return { ...stream, chunks: replay() };
}
