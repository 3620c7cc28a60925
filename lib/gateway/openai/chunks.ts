import type { ChatCompletion, ChatCompletionChunk, ChunkChoice, ChunkDelta } from "./schema";

/**
 * A whole chat completion as the stream of chunks OpenAI would have sent for
 * it: per choice a delta with role and content (and reasoning, tool calls),
 * then its finish reason; then, when asked, the usage chunk. For answers that
 * were not streamed upstream (a cache hit, a static fallback, a server that
 * ignored `stream: true`) but must be streamed to the caller.
 */
export function completionToChunks(c: ChatCompletion, opts: { includeUsage: boolean }): ChatCompletionChunk[] {
  const base = { id: c.id, object: "chat.completion.chunk" as const, created: c.created, model: c.model, ...(opts.includeUsage ? { usage: null } : {}) };
  const out: ChatCompletionChunk[] = [];
  for (const choice of c.choices) {
    const m = choice.message;
    const delta: ChunkDelta = { role: "assistant", content: m.content ?? (m.tool_calls ? null : "") };
    if (m.refusal) delta.refusal = m.refusal;
    if (m.reasoning_content) delta.reasoning_content = m.reasoning_content;
    if (m.tool_calls) {
      delta.tool_calls = m.tool_calls.flatMap((t, index) =>
        t.type === "function" ? [{ index, id: t.id, type: "function" as const, function: { name: t.function.name, arguments: t.function.arguments } }] : [],
      );
    }
    const first: ChunkChoice = { index: choice.index, delta, finish_reason: null, logprobs: null };
    out.push({ ...base, choices: [first] });
    out.push({ ...base, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason, logprobs: null }] });
  }
  if (opts.includeUsage && c.usage) out.push({ ...base, choices: [], usage: c.usage });
  return out;
}
