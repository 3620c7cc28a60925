import { z } from "zod";
import type { ChatCompletion, ChatCompletionChoice, EmbeddingsResponse, FinishReason, FunctionToolCall } from "@/lib/gateway/openai/schema";
import { newToolCallId } from "../openai/response";
import { approxTokens, usageToOpenAI, ZERO_USAGE } from "../usage";
import type { NormalisedUsage } from "../types";

/**
 * Gemini GenerateContentResponse -> OpenAI chat completion: one choice per
 * candidate; text parts -> content, `thought` parts -> reasoning_content,
 * functionCall parts -> tool_calls (Gemini's id, or a new one); finishReason
 * STOP/MAX_TOKENS -> stop/length, the safety family -> content_filter, STOP
 * with a function call -> tool_calls; a prompt blocked before any candidate
 * (`promptFeedback.blockReason`) -> one empty choice with content_filter.
 * usageMetadata: prompt (+ tool-use prompt) tokens, candidates + thoughts as
 * completion tokens, cachedContentTokenCount, thoughtsTokenCount.
 */

export const GeminiPart = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  functionCall: z.looseObject({ id: z.string().nullish(), name: z.string(), args: z.record(z.string(), z.unknown()).nullish() }).optional(),
});
export type GeminiPart = z.infer<typeof GeminiPart>;

export const GeminiCandidate = z.looseObject({
  content: z.looseObject({ parts: z.array(GeminiPart).nullish(), role: z.string().nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().int().nullish(),
});

export const GeminiUsage = z.looseObject({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
});

export const GenerateContentResponse = z.looseObject({
  candidates: z.array(GeminiCandidate).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: GeminiUsage.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
export type GenerateContentResponse = z.infer<typeof GenerateContentResponse>;

export const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  LANGUAGE: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  IMAGE_PROHIBITED_CONTENT: "content_filter",
  IMAGE_RECITATION: "content_filter",
  MALFORMED_FUNCTION_CALL: "stop",
  UNEXPECTED_TOOL_CALL: "stop",
  TOO_MANY_TOOL_CALLS: "stop",
  OTHER: "stop",
  FINISH_REASON_UNSPECIFIED: "stop",
};

export function finishFromGemini(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const f = (reason ? FINISH_REASONS[reason] : undefined) ?? "stop";
  return hasToolCalls && f === "stop" ? "tool_calls" : f;
}

const n = (v: number | null | undefined): number => (typeof v === "number" && v > 0 ? v : 0);

export function geminiUsage(u: z.infer<typeof GeminiUsage> | null | undefined): NormalisedUsage {
  if (!u) return { ...ZERO_USAGE };
  const thoughts = n(u.thoughtsTokenCount);
  return {
    promptTokens: n(u.promptTokenCount) + n(u.toolUsePromptTokenCount),
    completionTokens: n(u.candidatesTokenCount) + thoughts,
    cachedTokens: n(u.cachedContentTokenCount),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

export function toolCallFromGemini(fc: NonNullable<GeminiPart["functionCall"]>): FunctionToolCall {
  return { id: fc.id || newToolCallId(), type: "function", function: { name: fc.name, arguments: JSON.stringify(fc.args ?? {}) } };
}

export interface GeminiResponseContext {
  model: string;
  created: number;
  id: string;
}

export function geminiToOpenAICompletion(raw: GenerateContentResponse, ctx: GeminiResponseContext): { response: ChatCompletion; usage: NormalisedUsage } {
  const usage = geminiUsage(raw.usageMetadata);
  const candidates = raw.candidates ?? [];
  let choices: ChatCompletionChoice[];
  if (candidates.length === 0 && raw.promptFeedback?.blockReason) {
    choices = [{ index: 0, message: { role: "assistant", content: null, refusal: null }, finish_reason: "content_filter", logprobs: null }];
  } else {
    choices = candidates.map((c, i) => {
      let text = "";
      let hasText = false;
      let reasoning = "";
      const toolCalls: FunctionToolCall[] = [];
      for (const p of c.content?.parts ?? []) {
        if (p.functionCall) toolCalls.push(toolCallFromGemini(p.functionCall));
        else if (p.text !== undefined && p.thought) reasoning += p.text;
        else if (p.text !== undefined) {
          text += p.text;
          hasText = true;
        }
      }
      const message: ChatCompletionChoice["message"] = { role: "assistant", content: hasText ? text : toolCalls.length > 0 ? null : "", refusal: null };
      if (toolCalls.length > 0) message.tool_calls = toolCalls;
      if (reasoning) message.reasoning_content = reasoning;
      return { index: c.index ?? i, message, finish_reason: finishFromGemini(c.finishReason, toolCalls.length > 0), logprobs: null };
    });
  }
  return {
    response: {
      id: raw.responseId || ctx.id,
      object: "chat.completion",
      created: ctx.created,
      model: raw.modelVersion || ctx.model,
      choices,
      usage: usageToOpenAI(usage),
    },
    usage,
  };
}

// ---------------------------------------------------------------- embeddings

const Values = z.looseObject({
  values: z.custom<number[]>((v) => Array.isArray(v) && (v.length === 0 || typeof v[0] === "number"), { message: "expected an array of numbers" }),
});
export const EmbedContentResponse = z.looseObject({ embedding: Values });
export const BatchEmbedContentsResponse = z.looseObject({ embeddings: z.array(Values) });

function toBase64(values: readonly number[]): string {
  const f = new Float32Array(values);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString("base64");
}

/**
 * Gemini reports no token count for embeddings: prompt tokens are estimated
 * as ceil(characters / 4) of the inputs (stated in the README).
 */
export function geminiToOpenAIEmbeddings(vectors: ReadonlyArray<readonly number[]>, texts: readonly string[], model: string, base64: boolean): { response: EmbeddingsResponse; usage: NormalisedUsage } {
  const tokens = texts.reduce((s, t) => s + approxTokens(t), 0);
  return {
    response: {
      object: "list",
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? toBase64(v) : [...v] })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    usage: { ...ZERO_USAGE, promptTokens: tokens },
  };
}
