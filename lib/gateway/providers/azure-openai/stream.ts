/**
 * Azure streams OpenAI chunks, opening with one that has no choices, an empty
 * id and only `prompt_filter_results`; the OpenAI stream map drops such chunks.
 */
export { translateOpenAIStream as translateAzureStream } from "../openai/stream";
