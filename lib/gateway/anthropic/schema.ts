import { z } from "zod";

/**
 * Anthropic's Messages API wire format, both ways:
 * - inbound: the `POST /v1/messages` request callers send (Anthropic SDK), and
 *   the message / stream events we answer with;
 * - outbound: what the Anthropic provider adapter sends and reads back.
 * Objects are loose: fields this version does not know are kept.
 */

export const AnthropicCacheControl = z.looseObject({ type: z.literal("ephemeral"), ttl: z.string().optional() });

const cache = { cache_control: AnthropicCacheControl.nullish() };

export const TextBlockParam = z.looseObject({ type: z.literal("text"), text: z.string(), citations: z.unknown().optional(), ...cache });
export type TextBlockParam = z.infer<typeof TextBlockParam>;

export const ImageSource = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
  z.looseObject({ type: z.literal("url"), url: z.string() }),
  z.looseObject({ type: z.literal("file"), file_id: z.string() }),
]);
export type ImageSource = z.infer<typeof ImageSource>;

export const ImageBlockParam = z.looseObject({ type: z.literal("image"), source: ImageSource, ...cache });
export type ImageBlockParam = z.infer<typeof ImageBlockParam>;

export const DocumentBlockParam = z.looseObject({
  type: z.literal("document"),
  source: z.looseObject({ type: z.string(), media_type: z.string().optional(), data: z.unknown().optional(), url: z.string().optional() }),
  title: z.string().nullish(),
  context: z.string().nullish(),
  ...cache,
});
export type DocumentBlockParam = z.infer<typeof DocumentBlockParam>;

export const ToolUseBlockParam = z.looseObject({ type: z.literal("tool_use"), id: z.string(), name: z.string(), input: z.unknown(), ...cache });
export type ToolUseBlockParam = z.infer<typeof ToolUseBlockParam>;

const OtherBlock = z.looseObject({ type: z.string() });

export const ToolResultBlockParam = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.union([TextBlockParam, ImageBlockParam, DocumentBlockParam, OtherBlock]))]).optional(),
  is_error: z.boolean().optional(),
  ...cache,
});
export type ToolResultBlockParam = z.infer<typeof ToolResultBlockParam>;

export const ThinkingBlockParam = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() });
export const RedactedThinkingBlockParam = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });

const KNOWN_BLOCKS = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"]);
/** Server-tool blocks, search results, containers...: kept, and refused by the translator with a clear error. */
export const OtherBlockParam = z.looseObject({ type: z.string().refine((t) => !KNOWN_BLOCKS.has(t), { message: "invalid content block" }) });

export const ContentBlockParam = z.union([
  z.discriminatedUnion("type", [TextBlockParam, ImageBlockParam, DocumentBlockParam, ToolUseBlockParam, ToolResultBlockParam, ThinkingBlockParam, RedactedThinkingBlockParam]),
  OtherBlockParam,
]);
export type ContentBlockParam = z.infer<typeof ContentBlockParam>;

export const MessageParam = z.looseObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ContentBlockParam)]),
});
export type MessageParam = z.infer<typeof MessageParam>;

/** A client tool (`type` absent or `custom`) or a server tool (`web_search_20250305`, ...: refused by the translator). */
export const ToolParam = z.looseObject({
  name: z.string().min(1),
  type: z.string().nullish(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().optional(),
  ...cache,
});
export type ToolParam = z.infer<typeof ToolParam>;

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
export const ToolChoiceParam = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto"), ...parallel }),
  z.looseObject({ type: z.literal("any"), ...parallel }),
  z.looseObject({ type: z.literal("tool"), name: z.string(), ...parallel }),
  z.looseObject({ type: z.literal("none") }),
]);
export type ToolChoiceParam = z.infer<typeof ToolChoiceParam>;

export const ThinkingParam = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("enabled"), budget_tokens: z.number().int().min(1) }),
  z.looseObject({ type: z.literal("disabled") }),
  z.looseObject({ type: z.literal("adaptive") }),
]);
export type ThinkingParam = z.infer<typeof ThinkingParam>;

export const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(MessageParam).min(1),
  system: z.union([z.string(), z.array(TextBlockParam)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  tools: z.array(ToolParam).optional(),
  tool_choice: ToolChoiceParam.optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  thinking: ThinkingParam.optional(),
  output_config: z
    .looseObject({
      effort: z.string().nullish(),
      format: z.looseObject({ type: z.literal("json_schema"), schema: z.record(z.string(), z.unknown()) }).nullish(),
    })
    .optional(),
  service_tier: z.string().optional(),
});
export type MessagesRequest = z.infer<typeof MessagesRequest>;

/**
 * The Messages request of a call that names a stored prompt
 * (lib/gateway/stages/prompt.ts): its own messages are optional, and so is
 * `max_tokens` (the version's params may set it; else the provider's default).
 */
export const MessagesRequestWithPrompt = MessagesRequest.extend({
  max_tokens: z.number().int().min(1).optional(),
  messages: z.array(MessageParam).default([]),
});
export type MessagesRequestWithPrompt = z.infer<typeof MessagesRequestWithPrompt>;

// ---------------------------------------------------------------- responses (lenient: read from upstream)

export const AnthropicUsage = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

export const ResponseBlock = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});
export type ResponseBlock = z.infer<typeof ResponseBlock>;

export const AnthropicMessage = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  role: z.string().optional(),
  model: z.string().optional(),
  content: z.array(ResponseBlock),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: AnthropicUsage.nullish(),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

/** Stream event payloads by event name; events of other names are ignored (Anthropic adds new ones). */
export const StreamEventSchemas = {
  message_start: z.looseObject({ message: z.looseObject({ id: z.string(), model: z.string().optional(), usage: AnthropicUsage.nullish() }) }),
  content_block_start: z.looseObject({ index: z.number().int().min(0), content_block: ResponseBlock }),
  content_block_delta: z.looseObject({
    index: z.number().int().min(0),
    delta: z.looseObject({
      type: z.string(),
      text: z.string().optional(),
      partial_json: z.string().optional(),
      thinking: z.string().optional(),
      signature: z.string().optional(),
    }),
  }),
  content_block_stop: z.looseObject({ index: z.number().int().min(0) }),
  message_delta: z.looseObject({
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: AnthropicUsage.nullish(),
  }),
  message_stop: z.looseObject({}),
  error: z.looseObject({ error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional() }),
} as const;

export const AnthropicErrorBody = z.looseObject({
  type: z.string().optional(),
  error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional(),
});
export type AnthropicErrorBody = z.infer<typeof AnthropicErrorBody>;
