import type {
  AssistantMessage,
  ChatCompletionRequest,
  ChatMessage,
  FunctionTool,
  TextPart,
  ToolChoice,
  UserContentPart,
} from "@/lib/gateway/openai/schema";
import { unsupportedError } from "../classify";
import { parseDataUrl, parseToolArguments } from "../content";
import { joinUrl } from "../http";
import type { ProviderTarget } from "../types";

/**
 * OpenAI chat request -> Anthropic Messages request.
 *
 * - system and developer messages -> `system` text blocks (wherever they stand);
 * - user parts: text, image_url (data: URL -> base64 source, else url source),
 *   file (PDF / plain text data: URL -> document); input_audio and file ids
 *   are refused (Anthropic has no equivalent);
 * - assistant text + tool_calls -> text + tool_use blocks (arguments parsed);
 *   tool messages -> tool_result blocks in the next user turn;
 * - `cache_control` on parts, messages (-> their last block) and tools passed through;
 *   OpenAI's `prompt_cache_breakpoint` on a part becomes an ephemeral `cache_control`;
 *   `prompt_cache_key` / `prompt_cache_retention` / `prompt_cache_options` are OpenAI's: not sent;
 * - tools -> `input_schema`, tool_choice auto/required/none/function ->
 *   auto/any/none/tool, `parallel_tool_calls: false` -> disable_parallel_tool_use;
 * - max_completion_tokens ?? max_tokens ?? config.defaultMaxTokens ?? 4096 -> max_tokens;
 *   stop -> stop_sequences; temperature, top_p, `top_k` as sent; user -> metadata.user_id;
 * - reasoning_effort (or an Anthropic `thinking` object sent as is) -> thinking budget;
 * - response_format json_object / json_schema -> a forced tool whose input is
 *   the JSON (`structuredOutput: "tool"`, default), or `output_config.format`
 *   (`"native"`, and always when thinking is on: a forced tool is not allowed then);
 * - `n > 1`, custom tools, legacy `functions` are refused; seed, penalties,
 *   logit_bias and logprobs have no Anthropic equivalent and are not sent.
 */

export const ANTHROPIC_VERSION = "2023-06-01";
export const DEFAULT_MAX_TOKENS = 4096;
/** The forced tool that carries structured output (response_format) when `structuredOutput` is `tool`. */
export const JSON_TOOL_NAME = "gatehouse_json_output";

type Block = Record<string, unknown> & { type: string };
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

export interface AnthropicRequestPlan {
  body: Record<string, unknown>;
  /** The structured output comes back as the JSON tool's input. */
  jsonTool: boolean;
}

const EFFORT_BUDGET: Readonly<Record<string, number>> = { low: 1024, medium: 4096, high: 16384, xhigh: 32000, max: 32000 };
const MIN_THINKING_BUDGET = 1024;

/** A part's cache breakpoint: Anthropic's `cache_control`, or OpenAI's `prompt_cache_breakpoint` as an ephemeral one. */
function cacheOf(p: { cache_control?: unknown; prompt_cache_breakpoint?: unknown }): unknown {
  return p.cache_control ?? (p.prompt_cache_breakpoint ? { type: "ephemeral" } : undefined);
}

function textBlock(p: TextPart | { text: string; cache_control?: unknown }): Block {
  const cache = cacheOf(p);
  return cache ? { type: "text", text: p.text, cache_control: cache } : { type: "text", text: p.text };
}

function textBlocks(content: string | TextPart[]): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return content.filter((p) => p.text !== "").map(textBlock);
}

function imageBlock(url: string, cacheControl: unknown): Block {
  const data = parseDataUrl(url);
  const source = data ? { type: "base64", media_type: data.mediaType, data: data.data } : { type: "url", url };
  return cacheControl ? { type: "image", source, cache_control: cacheControl } : { type: "image", source };
}

function fileBlock(part: Extract<UserContentPart, { type: "file" }>): Block {
  const fileData = part.file.file_data;
  const data = fileData ? parseDataUrl(fileData) : null;
  if (!data) throw unsupportedError("anthropic: file parts need `file_data` as a base64 data: URL (file ids cannot be sent)");
  const source =
    data.mediaType === "text/plain"
      ? { type: "text", media_type: "text/plain", data: Buffer.from(data.data, "base64").toString("utf8") }
      : { type: "base64", media_type: data.mediaType, data: data.data };
  const block: Block = { type: "document", source };
  if (part.file.filename) block.title = part.file.filename;
  const cache = cacheOf(part);
  if (cache) block.cache_control = cache;
  return block;
}

function userBlocks(content: string | UserContentPart[]): Block[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  const out: Block[] = [];
  for (const part of content) {
    switch (part.type) {
      case "text":
        if ((part as TextPart).text !== "") out.push(textBlock(part as TextPart));
        break;
      case "image_url": {
        const p = part as Extract<UserContentPart, { type: "image_url" }>;
        out.push(imageBlock(p.image_url.url, cacheOf(p)));
        break;
      }
      case "file":
        out.push(fileBlock(part as Extract<UserContentPart, { type: "file" }>));
        break;
      default:
        throw unsupportedError(`anthropic: content part type '${part.type}' is not supported`);
    }
  }
  return out;
}

function assistantBlocks(m: AssistantMessage): Block[] {
  if (m.function_call) throw unsupportedError("anthropic: legacy `function_call` messages are not supported; use tool_calls");
  const out: Block[] = [];
  if (typeof m.content === "string") {
    if (m.content !== "") out.push({ type: "text", text: m.content });
  } else if (m.content) {
    for (const p of m.content) {
      const text = p.type === "text" ? p.text : p.refusal;
      if (text !== "") out.push(p.type === "text" ? textBlock(p) : { type: "text", text });
    }
  }
  for (const call of m.tool_calls ?? []) {
    if (call.type !== "function") throw unsupportedError("anthropic: custom tool calls are not supported");
    out.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, "anthropic") });
  }
  return out;
}

function markLast(blocks: Block[], cacheControl: unknown): void {
  const last = blocks[blocks.length - 1];
  if (cacheControl && last) last.cache_control = cacheControl;
}

function convertMessages(messages: readonly ChatMessage[]): { system: Block[]; turns: Turn[] } {
  const system: Block[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn["role"], blocks: Block[]) => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case "system":
      case "developer": {
        const blocks = textBlocks(m.content);
        markLast(blocks, m.cache_control);
        system.push(...blocks);
        break;
      }
      case "user": {
        const blocks = userBlocks(m.content);
        markLast(blocks, m.cache_control);
        push("user", blocks);
        break;
      }
      case "assistant": {
        const blocks = assistantBlocks(m);
        markLast(blocks, m.cache_control);
        push("assistant", blocks);
        break;
      }
      case "tool": {
        const content = typeof m.content === "string" ? m.content : m.content.map(textBlock);
        const block: Block = { type: "tool_result", tool_use_id: m.tool_call_id, content };
        if (m.cache_control) block.cache_control = m.cache_control;
        push("user", [block]);
        break;
      }
      case "function":
        throw unsupportedError("anthropic: legacy `function` messages are not supported; use tool messages");
    }
  }
  return { system, turns };
}

function convertTool(t: FunctionTool): Record<string, unknown> {
  const tool: Record<string, unknown> = { name: t.function.name, input_schema: t.function.parameters ?? { type: "object", properties: {} } };
  if (t.function.description) tool.description = t.function.description;
  if (t.cache_control) tool.cache_control = t.cache_control;
  return tool;
}

function convertToolChoice(choice: ToolChoice | null | undefined): Block | "none" | undefined {
  if (choice === null || choice === undefined || choice === "auto") return undefined;
  if (choice === "none") return "none";
  if (choice === "required") return { type: "any" };
  if (choice.type === "function") return { type: "tool", name: choice.function.name };
  if (choice.type === "allowed_tools") return choice.allowed_tools.mode === "required" ? { type: "any" } : undefined;
  throw unsupportedError("anthropic: custom tool choice is not supported");
}

function thinkingFor(req: ChatCompletionRequest, maxTokens: number): Record<string, unknown> | undefined {
  const vendor = (req as { thinking?: unknown }).thinking;
  if (typeof vendor === "object" && vendor !== null && typeof (vendor as { type?: unknown }).type === "string") return vendor as Record<string, unknown>;
  const effort = req.reasoning_effort;
  const budget = effort ? EFFORT_BUDGET[effort] : undefined;
  if (budget === undefined) return undefined;
  // Thinking counts against max_tokens and needs at least 1024 of its own.
  const fitted = Math.min(budget, maxTokens - 1);
  return fitted >= MIN_THINKING_BUDGET ? { type: "enabled", budget_tokens: fitted } : undefined;
}

export function anthropicRequest(target: ProviderTarget, req: ChatCompletionRequest, stream: boolean): AnthropicRequestPlan {
  if ((req.n ?? 1) > 1) throw unsupportedError("anthropic: n > 1 is not supported (one choice per request)");
  if (req.functions) throw unsupportedError("anthropic: legacy `functions` are not supported; use tools");
  const { system, turns } = convertMessages(req.messages);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? target.config.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = { model: target.model, max_tokens: maxTokens, messages: turns };
  if (system.length > 0) body.system = system;
  if (stream) body.stream = true;
  if (req.stop !== null && req.stop !== undefined) body.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (req.temperature !== null && req.temperature !== undefined) body.temperature = req.temperature;
  if (req.top_p !== null && req.top_p !== undefined) body.top_p = req.top_p;
  const topK = (req as { top_k?: unknown }).top_k;
  if (typeof topK === "number") body.top_k = topK;
  const user = req.user ?? req.safety_identifier;
  if (user) body.metadata = { user_id: user };
  const thinking = thinkingFor(req, maxTokens);
  if (thinking) body.thinking = thinking;
  const thinkingOn = thinking !== undefined && thinking.type !== "disabled";

  const tools: Array<Record<string, unknown>> = [];
  for (const t of req.tools ?? []) {
    if (t.type !== "function") throw unsupportedError("anthropic: custom tools are not supported");
    tools.push(convertTool(t));
  }
  let toolChoice = convertToolChoice(req.tool_choice);

  let jsonTool = false;
  const format = req.response_format;
  if (format && format.type !== "text") {
    const schema = format.type === "json_schema" ? (format.json_schema.schema ?? { type: "object" }) : { type: "object" };
    if ((target.config.structuredOutput ?? "tool") === "native" || thinkingOn) {
      body.output_config = { format: { type: "json_schema", schema } };
    } else {
      jsonTool = true;
      const description = format.type === "json_schema" && format.json_schema.description ? format.json_schema.description : "Respond with the final answer as this tool's input.";
      tools.push({ name: JSON_TOOL_NAME, description, input_schema: schema });
      // The caller's own tool choice wins when it names a tool; otherwise answer through a tool.
      if (toolChoice === undefined || toolChoice === "none" || (typeof toolChoice === "object" && toolChoice.type === "any")) {
        toolChoice = tools.length > 1 && toolChoice !== "none" ? { type: "any" } : { type: "tool", name: JSON_TOOL_NAME };
      }
    }
  }

  if (tools.length > 0) body.tools = tools;
  if (toolChoice === "none") {
    if (tools.length > 0) body.tool_choice = { type: "none" };
  } else if (toolChoice) {
    body.tool_choice = req.parallel_tool_calls === false ? { ...toolChoice, disable_parallel_tool_use: true } : toolChoice;
  } else if (req.parallel_tool_calls === false && tools.length > 0) {
    body.tool_choice = { type: "auto", disable_parallel_tool_use: true };
  }
  return { body, jsonTool };
}

export const anthropicMessagesUrl = (t: ProviderTarget): string => joinUrl(t.baseUrl, "/v1/messages");

export function anthropicHeaders(target: ProviderTarget, stream: boolean): Record<string, string> {
  return {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
    ...(target.apiKey ? { "x-api-key": target.apiKey } : {}),
    ...target.config.headers,
  };
}
