export * from "./schema";
export { anthropicToOpenAI, openAIToAnthropicResponse, anthropicUsageOut, STOP_REASON_FOR } from "./translate";
export type { AnthropicMessageOut, AnthropicContentBlock, AnthropicStopReason } from "./translate";
export { openAIChunksToAnthropicEvents, encodeAnthropicSse } from "./stream";
export type { AnthropicStreamEvent, AnthropicStreamOptions } from "./stream";
export { anthropicErrorType, errorToAnthropic, openAIErrorToAnthropic } from "./errors";
export type { AnthropicErrorOut } from "./errors";
