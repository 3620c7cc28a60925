/**
 * Compatible servers answer in OpenAI's shape with gaps the OpenAI map already
 * fills: no `id`/`created`/`usage` (ids and the time are made up, usage counts
 * as zero), tool calls without ids or with object arguments, `reasoning`
 * instead of `reasoning_content`, `finish_reason: "stop"` after a tool call
 * (becomes `tool_calls`), unknown finish reasons (become `stop`).
 */
export { normaliseOpenAICompletion as normaliseCompatibleCompletion, normaliseOpenAIEmbeddings as normaliseCompatibleEmbeddings } from "../openai/response";
