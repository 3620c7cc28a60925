export * from "./types";
export { getProviderAdapter, PROVIDER_ADAPTERS } from "./registry";
export { classifyHttpError, classifyNetworkError, NETWORK_RULES, STATUS_RULES, CODE_RULES } from "./classify";
export { parseRetryAfterMs } from "./retry-after";
export { chunkHasOutput, primeChatStream } from "./stream";
export { usageFromOpenAI, usageToOpenAI, ZERO_USAGE } from "./usage";
