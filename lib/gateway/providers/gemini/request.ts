import type { AssistantMessage, ChatCompletionRequest, ChatMessage, EmbeddingsRequest, ToolChoice, UserContentPart } from "@/lib/gateway/openai/schema";
import { unsupportedError } from "../classify";
import { parseDataUrl, parseToolArguments } from "../content";
import { joinUrl } from "../http";
import type { ProviderTarget } from "../types";
import { toGeminiSchema } from "./schema-convert";

/**
 * OpenAI chat request -> Gemini generateContent request.
 *
 * - system and developer messages -> `systemInstruction.parts`;
 * - user -> `{ role: "user", parts }`: text, image_url (data: URL -> inlineData,
 *   else fileData with the MIME type from the extension), input_audio and file
 *   data: URLs -> inlineData; file ids are refused;
 * - assistant -> `{ role: "model" }` with text and `functionCall { id, name, args }`;
 *   tool -> `functionResponse { id, name, response }` in a user turn (the name
 *   looked up from the assistant's tool call; a JSON-object result is sent as
 *   is, anything else as `{ content }`);
 * - tools -> `functionDeclarations` (parameters converted to Gemini's schema
 *   subset, or sent whole as parametersJsonSchema); tool_choice none/auto/
 *   required/function -> functionCallingConfig NONE/AUTO/ANY/ANY+allowed name;
 * - generationConfig: temperature, topP, `top_k`, maxOutputTokens, stopSequences,
 *   candidateCount (n), seed, presence/frequencyPenalty; response_format
 *   json_object/json_schema -> responseMimeType application/json + responseSchema
 *   (or responseJsonSchema when the schema does not convert); reasoning_effort
 *   -> thinkingConfig.thinkingBudget;
 * - logit_bias, logprobs, parallel_tool_calls, user have no Gemini equivalent and are not sent.
 */

export const GEMINI_DEFAULT_API_VERSION = "v1beta";

const EFFORT_BUDGET: Readonly<Record<string, number>> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576, xhigh: 32768 };

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

function mimeFromUrl(url: string): string {
  const path = url.split("?")[0] ?? url;
  const dot = path.lastIndexOf(".");
  return (dot >= 0 ? MIME_BY_EXT[path.slice(dot + 1).toLowerCase()] : undefined) ?? "image/jpeg";
}

type Part = Record<string, unknown>;
interface Content {
  role: "user" | "model";
  parts: Part[];
}

function userParts(content: string | UserContentPart[]): Part[] {
  if (typeof content === "string") return [{ text: content }];
  return content.map((part): Part => {
    switch (part.type) {
      case "text":
        return { text: (part as Extract<UserContentPart, { type: "text" }>).text };
      case "image_url": {
        const url = (part as Extract<UserContentPart, { type: "image_url" }>).image_url.url;
        const data = parseDataUrl(url);
        return data ? { inlineData: { mimeType: data.mediaType, data: data.data } } : { fileData: { mimeType: mimeFromUrl(url), fileUri: url } };
      }
      case "input_audio": {
        const a = (part as Extract<UserContentPart, { type: "input_audio" }>).input_audio;
        return { inlineData: { mimeType: `audio/${a.format}`, data: a.data } };
      }
      case "file": {
        const f = (part as Extract<UserContentPart, { type: "file" }>).file;
        const data = f.file_data ? parseDataUrl(f.file_data) : null;
        if (!data) throw unsupportedError("gemini: file parts need `file_data` as a base64 data: URL (file ids cannot be sent)");
        return { inlineData: { mimeType: data.mediaType, data: data.data } };
      }
      default:
        throw unsupportedError(`gemini: content part type '${part.type}' is not supported`);
    }
  });
}

function textOf(content: string | Array<{ text: string }>): string {
  return typeof content === "string" ? content : content.map((p) => p.text).join("");
}

function modelParts(m: AssistantMessage, names: Map<string, string>): Part[] {
  if (m.function_call) throw unsupportedError("gemini: legacy `function_call` messages are not supported; use tool_calls");
  const parts: Part[] = [];
  const text = typeof m.content === "string" ? m.content : m.content ? m.content.map((p) => (p.type === "text" ? p.text : p.refusal)).join("") : "";
  if (text !== "") parts.push({ text });
  for (const call of m.tool_calls ?? []) {
    if (call.type !== "function") throw unsupportedError("gemini: custom tool calls are not supported");
    names.set(call.id, call.function.name);
    parts.push({ functionCall: { id: call.id, name: call.function.name, args: parseToolArguments(call.function.arguments, "gemini") } });
  }
  return parts;
}

function toolResponse(text: string): Record<string, unknown> {
  const t = text.trimStart();
  if (t.startsWith("{")) {
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not JSON: sent as text below
    }
  }
  return { content: text };
}

function convertMessages(messages: readonly ChatMessage[]): { system: Part[]; contents: Content[] } {
  const system: Part[] = [];
  const contents: Content[] = [];
  const names = new Map<string, string>();
  const push = (role: Content["role"], parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of messages) {
    switch (m.role) {
      case "system":
      case "developer":
        system.push({ text: textOf(m.content) });
        break;
      case "user":
        push("user", userParts(m.content));
        break;
      case "assistant":
        push("model", modelParts(m, names));
        break;
      case "tool": {
        const name = names.get(m.tool_call_id);
        if (name === undefined) throw unsupportedError(`gemini: tool message '${m.tool_call_id}' answers no earlier assistant tool call`);
        push("user", [{ functionResponse: { id: m.tool_call_id, name, response: toolResponse(textOf(m.content)) } }]);
        break;
      }
      case "function":
        push("user", [{ functionResponse: { name: m.name, response: toolResponse(m.content ?? "") } }]);
        break;
    }
  }
  return { system, contents };
}

function toolConfig(choice: ToolChoice | null | undefined): Record<string, unknown> | undefined {
  if (choice === null || choice === undefined) return undefined;
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  if (choice.type === "function") return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
  if (choice.type === "allowed_tools") {
    const names = choice.allowed_tools.tools.flatMap((t) => {
      const fn = (t as { function?: { name?: unknown } }).function;
      return typeof fn?.name === "string" ? [fn.name] : [];
    });
    return { functionCallingConfig: { mode: choice.allowed_tools.mode === "required" ? "ANY" : "AUTO", ...(names.length ? { allowedFunctionNames: names } : {}) } };
  }
  throw unsupportedError("gemini: custom tool choice is not supported");
}

export function geminiRequest(req: ChatCompletionRequest): Record<string, unknown> {
  if (req.functions) throw unsupportedError("gemini: legacy `functions` are not supported; use tools");
  const { system, contents } = convertMessages(req.messages);
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };

  const declarations: Array<Record<string, unknown>> = [];
  for (const t of req.tools ?? []) {
    if (t.type !== "function") throw unsupportedError("gemini: custom tools are not supported");
    const decl: Record<string, unknown> = { name: t.function.name };
    if (t.function.description) decl.description = t.function.description;
    if (t.function.parameters) {
      const converted = toGeminiSchema(t.function.parameters);
      if (converted) decl.parameters = converted;
      else decl.parametersJsonSchema = t.function.parameters;
    }
    declarations.push(decl);
  }
  if (declarations.length > 0) body.tools = [{ functionDeclarations: declarations }];
  const tc = toolConfig(req.tool_choice);
  if (tc && declarations.length > 0) body.toolConfig = tc;

  const gen: Record<string, unknown> = {};
  if (req.temperature !== null && req.temperature !== undefined) gen.temperature = req.temperature;
  if (req.top_p !== null && req.top_p !== undefined) gen.topP = req.top_p;
  const topK = (req as { top_k?: unknown }).top_k;
  if (typeof topK === "number") gen.topK = topK;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== null && maxTokens !== undefined) gen.maxOutputTokens = maxTokens;
  if (req.stop !== null && req.stop !== undefined) gen.stopSequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.n !== null && req.n !== undefined && req.n !== 1) gen.candidateCount = req.n;
  if (req.seed !== null && req.seed !== undefined) gen.seed = req.seed;
  if (req.presence_penalty !== null && req.presence_penalty !== undefined) gen.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty !== null && req.frequency_penalty !== undefined) gen.frequencyPenalty = req.frequency_penalty;
  const format = req.response_format;
  if (format && format.type !== "text") {
    gen.responseMimeType = "application/json";
    const schema = format.type === "json_schema" ? format.json_schema.schema : undefined;
    if (schema) {
      const converted = toGeminiSchema(schema);
      if (converted) gen.responseSchema = converted;
      else gen.responseJsonSchema = schema;
    }
  }
  const budget = req.reasoning_effort ? EFFORT_BUDGET[req.reasoning_effort] : undefined;
  if (budget !== undefined) gen.thinkingConfig = { thinkingBudget: budget };
  if (Object.keys(gen).length > 0) body.generationConfig = gen;
  return body;
}

function modelBase(target: ProviderTarget): string {
  return joinUrl(target.baseUrl, `/${target.config.apiVersion ?? GEMINI_DEFAULT_API_VERSION}/models/${encodeURIComponent(target.model)}`);
}

export const geminiGenerateUrl = (t: ProviderTarget): string => `${modelBase(t)}:generateContent`;
export const geminiStreamUrl = (t: ProviderTarget): string => `${modelBase(t)}:streamGenerateContent?alt=sse`;
export const geminiEmbedUrl = (t: ProviderTarget): string => `${modelBase(t)}:embedContent`;
export const geminiBatchEmbedUrl = (t: ProviderTarget): string => `${modelBase(t)}:batchEmbedContents`;

export function geminiHeaders(target: ProviderTarget, stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...(target.apiKey ? { "x-goog-api-key": target.apiKey } : {}),
    ...target.config.headers,
  };
}

/** A single string -> embedContent; a list of strings -> batchEmbedContents. Token-id inputs cannot be sent. */
export function geminiEmbeddingsRequest(target: ProviderTarget, req: EmbeddingsRequest): { batch: boolean; texts: string[]; body: Record<string, unknown> } {
  const input = req.input;
  if (typeof input !== "string" && !input.every((x): x is string => typeof x === "string")) {
    throw unsupportedError("gemini: embeddings of token ids are not supported; send text");
  }
  const texts = typeof input === "string" ? [input] : input;
  const dims = req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {};
  if (typeof input === "string") return { batch: false, texts, body: { content: { parts: [{ text: input }] }, ...dims } };
  const model = `models/${target.model}`;
  return { batch: true, texts, body: { requests: texts.map((text) => ({ model, content: { parts: [{ text }] }, ...dims })) } };
}
