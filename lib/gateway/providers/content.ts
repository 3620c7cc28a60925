import { unsupportedError } from "./classify";

/** Helpers the request maps of several providers share. */

/** `data:<mime>;base64,<data>` without a regex; null for anything else. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  if (!url.startsWith("data:")) return null;
  const comma = url.indexOf(",");
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(";base64")) return null;
  return { mediaType: meta.slice(0, -7) || "application/octet-stream", data: url.slice(comma + 1) };
}

/** OpenAI tool-call arguments (a JSON string) as the object Anthropic and Gemini want; "" is {}. */
export function parseToolArguments(args: string, provider: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    throw unsupportedError(`${provider}: tool call arguments must be JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw unsupportedError(`${provider}: tool call arguments must be a JSON object`);
  return value as Record<string, unknown>;
}
