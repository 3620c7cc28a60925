import { parseOpenAIError } from "../openai/errors";
import type { HeaderBag } from "../retry-after";
import type { ProviderError } from "../types";

/**
 * Azure's own errors (auth, routing) are `{ error: { code: "401", message } }`;
 * model errors are OpenAI's. A prompt stopped by the content filter is a 400
 * with `code: "content_filter"` (innererror `ResponsibleAIPolicyViolation`),
 * classified `content_filter`, not retryable.
 */
export function parseAzureError(status: number, text: string, headers: HeaderBag): ProviderError {
  return parseOpenAIError(status, text, headers);
}
