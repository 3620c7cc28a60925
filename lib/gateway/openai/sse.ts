import type { ChatCompletionChunk } from "./schema";
import { errorToOpenAIBody } from "./errors";

/**
 * Normalised chunks -> the SSE text OpenAI sends: `data: {chunk}\n\n` per
 * chunk, then `data: [DONE]\n\n`. When the chunks fail after the first event
 * was produced, the stream ends with `data: {"error": {...}}\n\n` and no
 * `[DONE]`: the official SDKs raise that as an APIError, so a cut answer never
 * looks complete. A failure before the first event is rethrown (nothing was
 * sent yet: the caller can still fall back or answer with an HTTP error).
 */
export async function* encodeOpenAISse(
  chunks: AsyncIterable<ChatCompletionChunk>,
  opts: { onError?: (e: unknown) => void } = {},
): AsyncGenerator<string, void, undefined> {
  let sent = false;
  try {
    for await (const chunk of chunks) {
      sent = true;
      yield `data: ${JSON.stringify(chunk)}\n\n`;
    }
  } catch (e) {
    if (!sent) throw e;
    opts.onError?.(e);
    yield `data: ${JSON.stringify(errorToOpenAIBody(e))}\n\n`;
    return;
  }
  yield "data: [DONE]\n\n";
}
