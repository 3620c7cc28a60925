import { parseOpenAIError } from "../openai/errors";
import type { HeaderBag } from "../retry-after";
import type { ProviderError } from "../types";

/**
 * vLLM answers `{ object: "error", message, type, code }`, Ollama
 * `{ error: "..." }` or OpenAI's shape, llama.cpp OpenAI's shape with a
 * numeric `code`; all are read by the OpenAI error parser, and the HTTP status
 * decides the class.
 */
export function parseCompatibleError(status: number, text: string, headers: HeaderBag): ProviderError {
  return parseOpenAIError(status, text, headers);
}
