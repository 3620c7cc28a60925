/**
 * Azure OpenAI answers in OpenAI's shape plus content-filter annotations
 * (`prompt_filter_results`, per-choice `content_filter_results`), which are
 * kept as they are; a choice stopped by the filter already says
 * `finish_reason: "content_filter"`.
 */
export { normaliseOpenAICompletion as normaliseAzureCompletion, normaliseOpenAIEmbeddings as normaliseAzureEmbeddings } from "../openai/response";
