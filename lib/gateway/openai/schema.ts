import { z } from "zod";

/**
 * The OpenAI wire format as Gatehouse speaks it: chat completion request,
 * response and stream chunk, embeddings request and response, and the error
 * body. This is the internal shape too: every provider adapter translates to
 * and from it.
 *
 * Objects are loose (`z.looseObject`): a field the caller sends that is not
 * listed here is kept and reaches OpenAI-kind upstreams unchanged, so nothing
 * is silently dropped. Bounds follow the official OpenAPI description
 * (`../shared/specs/openai-openapi.yaml`) where they guard the request itself
 * (temperature, penalties, n, top_logprobs); limits that belong to one
 * upstream (stop <= 4 sequences, tool-name charset) are left to that upstream.
 *
 * Two non-standard fields are understood because they are the common
 * convention across gateways and OpenAI-compatible servers:
 * - `cache_control` on content parts, messages and tools (Anthropic prompt
 *   caching breakpoints, passed through to Anthropic);
 * - `reasoning_content` on assistant messages and deltas (the model's visible
 *   reasoning, from Anthropic thinking blocks or vLLM/DeepSeek servers).
 */

// ---------------------------------------------------------------- request

/** Anthropic prompt-cache breakpoint, accepted on parts, messages and tools. */
export const CacheControl = z.looseObject({ type: z.literal("ephemeral"), ttl: z.string().optional() });
export type CacheControl = z.infer<typeof CacheControl>;

/** OpenAI's explicit prompt-cache breakpoint on a content part (gpt-5.6+); mapped to `cache_control` for Anthropic. */
export const PromptCacheBreakpoint = z.looseObject({ mode: z.literal("explicit") });
export type PromptCacheBreakpoint = z.infer<typeof PromptCacheBreakpoint>;
const PartCache = { cache_control: CacheControl.nullish(), prompt_cache_breakpoint: PromptCacheBreakpoint.nullish() };

export const TextPart = z.looseObject({
  type: z.literal("text"),
  text: z.string(),
  ...PartCache,
});
export type TextPart = z.infer<typeof TextPart>;

export const ImagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
  ...PartCache,
});
export type ImagePart = z.infer<typeof ImagePart>;

export const AudioPart = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: z.string(), format: z.string() }),
});
export type AudioPart = z.infer<typeof AudioPart>;

export const FilePart = z.looseObject({
  type: z.literal("file"),
  file: z.looseObject({ filename: z.string().optional(), file_data: z.string().optional(), file_id: z.string().optional() }),
  ...PartCache,
});
export type FilePart = z.infer<typeof FilePart>;

export const RefusalPart = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
export type RefusalPart = z.infer<typeof RefusalPart>;

const KNOWN_USER_PARTS = new Set(["text", "image_url", "input_audio", "file"]);
/**
 * A content part of a type this version does not know (OpenAI adds them):
 * kept for OpenAI-kind upstreams; other adapters reject it with a clear error.
 */
export const OtherPart = z.looseObject({
  type: z.string().refine((t) => !KNOWN_USER_PARTS.has(t), { message: "invalid content part" }),
});
export type OtherPart = z.infer<typeof OtherPart>;

export const UserContentPart = z.union([z.discriminatedUnion("type", [TextPart, ImagePart, AudioPart, FilePart]), OtherPart]);
export type UserContentPart = z.infer<typeof UserContentPart>;

const TextContent = z.union([z.string(), z.array(TextPart).min(1)]);

export const FunctionToolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
export type FunctionToolCall = z.infer<typeof FunctionToolCall>;

export const CustomToolCall = z.looseObject({
  id: z.string(),
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string(), input: z.string() }),
});
export type CustomToolCall = z.infer<typeof CustomToolCall>;

export const ToolCall = z.discriminatedUnion("type", [FunctionToolCall, CustomToolCall]);
export type ToolCall = z.infer<typeof ToolCall>;

const MessageCache = { cache_control: CacheControl.nullish() };

export const SystemMessage = z.looseObject({ role: z.literal("system"), content: TextContent, name: z.string().optional(), ...MessageCache });
export const DeveloperMessage = z.looseObject({ role: z.literal("developer"), content: TextContent, name: z.string().optional(), ...MessageCache });
export const UserMessage = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(UserContentPart).min(1)]),
  name: z.string().optional(),
  ...MessageCache,
});
export const AssistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [TextPart, RefusalPart])).min(1)]).nullish(),
  refusal: z.string().nullish(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCall).nullish(),
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
  audio: z.looseObject({ id: z.string() }).nullish(),
  reasoning_content: z.string().nullish(),
  ...MessageCache,
});
export const ToolMessage = z.looseObject({ role: z.literal("tool"), content: TextContent, tool_call_id: z.string(), ...MessageCache });
/** Deprecated by OpenAI (functions API); accepted for OpenAI-kind upstreams only. */
export const FunctionMessage = z.looseObject({ role: z.literal("function"), content: z.string().nullable(), name: z.string() });

export const ChatMessage = z.discriminatedUnion("role", [SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage, FunctionMessage]);
export type ChatMessage = z.infer<typeof ChatMessage>;
export type SystemMessage = z.infer<typeof SystemMessage>;
export type DeveloperMessage = z.infer<typeof DeveloperMessage>;
export type UserMessage = z.infer<typeof UserMessage>;
export type AssistantMessage = z.infer<typeof AssistantMessage>;
export type ToolMessage = z.infer<typeof ToolMessage>;

export const FunctionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
  cache_control: CacheControl.nullish(),
});
export type FunctionTool = z.infer<typeof FunctionTool>;

export const CustomTool = z.looseObject({
  type: z.literal("custom"),
  custom: z.looseObject({ name: z.string().min(1), description: z.string().optional(), format: z.looseObject({ type: z.string() }).optional() }),
});
export type CustomTool = z.infer<typeof CustomTool>;

export const Tool = z.discriminatedUnion("type", [FunctionTool, CustomTool]);
export type Tool = z.infer<typeof Tool>;

export const ToolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({ type: z.literal("custom"), custom: z.looseObject({ name: z.string() }) }),
  z.looseObject({
    type: z.literal("allowed_tools"),
    allowed_tools: z.looseObject({ mode: z.enum(["auto", "required"]), tools: z.array(z.looseObject({ type: z.string() })) }),
  }),
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

export const JsonSchemaFormat = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
});
export type JsonSchemaFormat = z.infer<typeof JsonSchemaFormat>;

export const ResponseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({ type: z.literal("json_schema"), json_schema: JsonSchemaFormat }),
]);
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/** A retrieved document the application sends in `metadata.gatehouse.context` (placed in the prompt as untrusted data). */
export const GatehouseContextDocument = z.looseObject({
  id: z.string().min(1),
  source: z.string().optional(),
  text: z.string(),
  score: z.number().optional(),
});
export type GatehouseContextDocument = z.infer<typeof GatehouseContextDocument>;

/** `metadata`: OpenAI's string map, plus Gatehouse's own `gatehouse` key (never forwarded upstream). */
export const RequestMetadata = z.looseObject({
  gatehouse: z.looseObject({ context: z.array(GatehouseContextDocument).optional() }).optional(),
});
export type RequestMetadata = z.infer<typeof RequestMetadata>;

const Penalty = z.number().min(-2).max(2).nullish();

export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }).nullish(),
  tools: z.array(Tool).nullish(),
  tool_choice: ToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: ResponseFormat.nullish(),
  max_tokens: z.number().int().min(0).nullish(),
  max_completion_tokens: z.number().int().min(0).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop: z.union([z.string(), z.array(z.string()).min(1)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: Penalty,
  frequency_penalty: Penalty,
  logit_bias: z.record(z.string(), z.number()).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  user: z.string().optional(),
  safety_identifier: z.string().nullish(),
  /** OpenAI prompt caching (passed through to OpenAI-kind upstreams; other adapters drop them). */
  prompt_cache_key: z.string().nullish(),
  /** Deprecated by OpenAI in favour of `prompt_cache_options.ttl`; still accepted. */
  prompt_cache_retention: z.enum(["in_memory", "24h"]).nullish(),
  prompt_cache_options: z.looseObject({ ttl: z.string().optional(), mode: z.enum(["implicit", "explicit"]).optional() }).nullish(),
  metadata: RequestMetadata.nullish(),
  store: z.boolean().nullish(),
  reasoning_effort: z.string().nullish(),
  service_tier: z.string().nullish(),
  modalities: z.array(z.string()).nullish(),
  /** Deprecated functions API; OpenAI-kind upstreams only. */
  functions: z.array(z.looseObject({ name: z.string() })).optional(),
  function_call: z.union([z.string(), z.looseObject({ name: z.string() })]).optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

// ---------------------------------------------------------------- response

/** OpenAI's finish reasons; every adapter maps its provider's reasons onto these. */
export const FinishReason = z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"]);
export type FinishReason = z.infer<typeof FinishReason>;

export const CompletionUsage = z.looseObject({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
  prompt_tokens_details: z
    .looseObject({
      cached_tokens: z.number().int().min(0).optional(),
      cache_write_tokens: z.number().int().min(0).optional(),
      audio_tokens: z.number().int().min(0).optional(),
    })
    .nullish(),
  completion_tokens_details: z
    .looseObject({
      reasoning_tokens: z.number().int().min(0).optional(),
      audio_tokens: z.number().int().min(0).optional(),
      accepted_prediction_tokens: z.number().int().min(0).optional(),
      rejected_prediction_tokens: z.number().int().min(0).optional(),
    })
    .nullish(),
});
export type CompletionUsage = z.infer<typeof CompletionUsage>;

export const ResponseMessage = z.looseObject({
  role: z.literal("assistant"),
  content: z.string().nullable(),
  refusal: z.string().nullable(),
  tool_calls: z.array(ToolCall).optional(),
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
  annotations: z.array(z.looseObject({ type: z.string() })).optional(),
  reasoning_content: z.string().optional(),
});
export type ResponseMessage = z.infer<typeof ResponseMessage>;

export const ChatCompletionChoice = z.looseObject({
  index: z.number().int().min(0),
  message: ResponseMessage,
  finish_reason: FinishReason,
  logprobs: z.looseObject({}).nullable(),
});
export type ChatCompletionChoice = z.infer<typeof ChatCompletionChoice>;

export const ChatCompletion = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int().min(0),
  model: z.string(),
  choices: z.array(ChatCompletionChoice),
  usage: CompletionUsage.optional(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

// ---------------------------------------------------------------- stream chunk

export const ToolCallDelta = z.looseObject({
  index: z.number().int().min(0),
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
});
export type ToolCallDelta = z.infer<typeof ToolCallDelta>;

export const ChunkDelta = z.looseObject({
  role: z.enum(["developer", "system", "user", "assistant", "tool"]).optional(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  tool_calls: z.array(ToolCallDelta).optional(),
  function_call: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
  reasoning_content: z.string().nullish(),
});
export type ChunkDelta = z.infer<typeof ChunkDelta>;

export const ChunkChoice = z.looseObject({
  index: z.number().int().min(0),
  delta: ChunkDelta,
  finish_reason: FinishReason.nullable(),
  logprobs: z.looseObject({}).nullish(),
});
export type ChunkChoice = z.infer<typeof ChunkChoice>;

export const ChatCompletionChunk = z.looseObject({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int().min(0),
  model: z.string(),
  choices: z.array(ChunkChoice),
  usage: CompletionUsage.nullish(),
  system_fingerprint: z.string().nullish(),
  service_tier: z.string().nullish(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

// ---------------------------------------------------------------- embeddings

export const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1).max(2048),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

export const Embedding = z.looseObject({
  object: z.literal("embedding"),
  index: z.number().int().min(0),
  /** Floats, or a base64 string of little-endian float32 when `encoding_format: "base64"`. */
  embedding: z.union([z.array(z.number()), z.string()]),
});
export type Embedding = z.infer<typeof Embedding>;

export const EmbeddingsResponse = z.looseObject({
  object: z.literal("list"),
  data: z.array(Embedding),
  model: z.string(),
  usage: z.looseObject({ prompt_tokens: z.number().int().min(0), total_tokens: z.number().int().min(0) }),
});
export type EmbeddingsResponse = z.infer<typeof EmbeddingsResponse>;

// ---------------------------------------------------------------- errors

export const ErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * An error body as upstreams really send them: OpenAI's shape, Azure's
 * `{ error: { code, message } }`, numeric codes, or a bare `{ message }`.
 */
export const LooseErrorBody = z.looseObject({
  error: z
    .union([
      z.looseObject({
        message: z.string().nullish(),
        type: z.string().nullish(),
        param: z.unknown().optional(),
        code: z.union([z.string(), z.number()]).nullish(),
      }),
      z.string(),
    ])
    .optional(),
  message: z.string().optional(),
  detail: z.unknown().optional(),
});
export type LooseErrorBody = z.infer<typeof LooseErrorBody>;
