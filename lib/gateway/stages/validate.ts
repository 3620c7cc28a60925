import { validationError } from "@/lib/errors";
import { MessagesRequest, MessagesRequestWithPrompt } from "@/lib/gateway/anthropic/schema";
import { anthropicToOpenAI } from "@/lib/gateway/anthropic/translate";
import { plainChatRequest } from "@/lib/gateway/openai/plain-request";
import { ChatCompletionRequest, EmbeddingsRequest, RequestMetadata } from "@/lib/gateway/openai/schema";
import { parseCallerTimeoutMs } from "@/lib/gateway/reliability/deadline";
import { ChatRequestWithPrompt, referencesPrompt } from "@/lib/gateway/stages/prompt";
import { initCallState } from "@/lib/gateway/stages/state";
import type { Stage } from "@/lib/gateway/types";

/**
 * Stage 1, parse (per endpoint): the JSON body against the endpoint's zod
 * schema (permissive: unknown fields are kept and forwarded), 400 naming the
 * first bad field; `x-gatehouse-timeout-ms` (400 naming the header). The
 * request is kept in the internal OpenAI shape for the stages after.
 */

function callerTimeout(headers: Record<string, string | undefined>): number | null {
  return parseCallerTimeoutMs(headers["x-gatehouse-timeout-ms"]);
}

export const validateChat: Stage = (ctx) => {
  // A request that names a stored prompt may send no messages of its own (stages/prompt.ts).
  const prompt = referencesPrompt(ctx);
  // The common request without zod's pass (openai/plain-request.ts: the same result, or null).
  let chat = prompt ? null : plainChatRequest(ctx.body);
  if (!chat) {
    const parsed = (prompt ? ChatRequestWithPrompt : ChatCompletionRequest).safeParse(ctx.body);
    if (!parsed.success) throw validationError(parsed.error.issues);
    chat = parsed.data;
  }
  initCallState(ctx, { format: "openai", model: chat.model, chat, callerTimeoutMs: callerTimeout(ctx.req.headers) });
};

/**
 * `/v1/messages`: the Anthropic request, translated into the internal OpenAI
 * request (lib/gateway/anthropic/translate.ts). `metadata.gatehouse` (retrieved
 * context) is understood here too and carried over.
 */
export const validateMessages: Stage = (ctx) => {
  // A request that names a stored prompt may send no messages (nor max_tokens) of its own (stages/prompt.ts).
  const parsed = (referencesPrompt(ctx) ? MessagesRequestWithPrompt : MessagesRequest).safeParse(ctx.body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const req = parsed.data;
  const chat = anthropicToOpenAI(req);
  const gatehouse = (req.metadata as Record<string, unknown> | undefined)?.gatehouse;
  if (gatehouse !== undefined) {
    const meta = RequestMetadata.safeParse({ gatehouse });
    if (!meta.success) throw validationError(meta.error.issues.map((i) => ({ ...i, path: ["metadata", ...i.path] })));
    chat.metadata = meta.data;
  }
  initCallState(ctx, { format: "anthropic", model: req.model, chat, callerTimeoutMs: callerTimeout(ctx.req.headers) });
};

export const validateEmbeddings: Stage = (ctx) => {
  const parsed = EmbeddingsRequest.safeParse(ctx.body);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const embeddings = parsed.data;
  initCallState(ctx, { format: "openai", model: embeddings.model, embeddings, callerTimeoutMs: callerTimeout(ctx.req.headers) });
};
