import { z } from "zod";
import { approxTokens, CACHE_MIN_TOKENS, hashOf, planAnswer, splitJson, splitText, stableStringify, type Answer, type ToolChoice } from "./content";
import { SimHttpError, type Plan, type StreamEvent } from "./http";
import type { Route, SimRequest, WireFormat } from "./types";

/**
 * Anthropic Messages wire format: `POST /v1/messages` (JSON and SSE with named
 * events), `POST /v1/messages/count_tokens`, and `GET /v1/models` when the
 * `anthropic-version` header is sent. Explicit prompt caching is modelled:
 * the prefix up to the last `cache_control` breakpoint (1024+ tokens) is
 * written to the cache the first time and read from it afterwards.
 */

const CacheControl = z.looseObject({ type: z.literal("ephemeral"), ttl: z.enum(["5m", "1h"]).optional() });
const Block = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
  cache_control: CacheControl.nullish(),
});
type Block = z.infer<typeof Block>;
const Message = z.looseObject({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(Block)]) });
const Tool = z.looseObject({
  name: z.string().min(1),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  cache_control: CacheControl.nullish(),
});
const ToolChoiceParam = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("auto") }),
  z.looseObject({ type: z.literal("any") }),
  z.looseObject({ type: z.literal("none") }),
  z.looseObject({ type: z.literal("tool"), name: z.string() }),
]);

export const MessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(Message).min(1),
  system: z.union([z.string(), z.array(Block)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z.array(Tool).optional(),
  tool_choice: ToolChoiceParam.optional(),
  thinking: z.looseObject({ type: z.enum(["enabled", "disabled", "adaptive"]), budget_tokens: z.number().int().optional() }).optional(),
});
type MessagesRequest = z.infer<typeof MessagesRequest>;

const CountTokensRequest = MessagesRequest.omit({ max_tokens: true });

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join(".") || "body";
    const missing = issue?.code === "invalid_type" && issue.input === undefined;
    throw new SimHttpError(400, `${path}: ${missing ? "Field required" : (issue?.message ?? "invalid request")}`);
  }
  return result.data;
}

function blockText(b: Block): string {
  if (b.type === "text") return b.text ?? "";
  if (b.type === "tool_use") return `${b.name ?? ""}${stableStringify(b.input ?? {})}`;
  if (b.type === "tool_result") return typeof b.content === "string" ? b.content : (b.content ?? []).map((c) => c.text ?? "").join("");
  return "";
}

function blocksOf(content: string | Block[]): Block[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** The prompt as segments in cache order (tools, system, messages), each with its breakpoint flag. */
function segments(body: Pick<MessagesRequest, "tools" | "system" | "messages">): Array<{ tokens: number; breakpoint: boolean; key: string }> {
  const out: Array<{ tokens: number; breakpoint: boolean; key: string }> = [];
  const add = (text: string, breakpoint: boolean, key: unknown) => out.push({ tokens: approxTokens(text), breakpoint, key: stableStringify(key) });
  // Keys leave out cache_control: moving a breakpoint does not change the cached content.
  for (const t of body.tools ?? []) add(stableStringify({ ...t, cache_control: undefined }), Boolean(t.cache_control), { ...t, cache_control: undefined });
  if (body.system !== undefined) for (const b of blocksOf(body.system)) add(blockText(b), Boolean(b.cache_control), [b.type, blockText(b)]);
  for (const m of body.messages) {
    out.push({ tokens: 3, breakpoint: false, key: m.role });
    for (const b of blocksOf(m.content)) add(blockText(b), Boolean(b.cache_control), [b.type, blockText(b)]);
  }
  return out;
}

/** Input tokens: ceil(chars/4) of every text, tool input and tool JSON, plus 3 per message. */
export function countInputTokens(body: Pick<MessagesRequest, "tools" | "system" | "messages">): number {
  return segments(body).reduce((s, x) => s + x.tokens, 0);
}

interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  service_tier: "standard";
}

function stopReason(a: Answer): "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" {
  if (a.kind === "tool") return "tool_use";
  return a.finish === "length" ? "max_tokens" : a.finish === "stop_sequence" ? "stop_sequence" : "end_turn";
}

function toolChoiceOf(body: MessagesRequest): ToolChoice {
  const tc = body.tool_choice;
  if (!tc || tc.type === "auto") return { mode: "auto" };
  if (tc.type === "none") return { mode: "none" };
  if (tc.type === "any") return { mode: "required" };
  return { mode: "tool", name: tc.name };
}

function messagesPlan(req: SimRequest): Plan {
  const body = parse(MessagesRequest, req.body);
  const hash = hashOf(body.model, body.system ?? null, body.messages);
  const last = body.messages[body.messages.length - 1];
  const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
  const lastUserText = lastUser ? blocksOf(lastUser.content).filter((b) => b.type === "text").map(blockText).join(" ") : "";
  const thinking = body.thinking?.type === "enabled" ? `Simulated thinking ${hash.slice(0, 8)} about: ${lastUserText.split(/\s+/).slice(0, 6).join(" ")}` : null;
  const thinkingTokens = thinking === null ? 0 : (req.knobs.reasoningTokens ?? approxTokens(thinking));
  const answer = planAnswer({
    hash,
    lastUserText,
    lastTurnIsToolResult: last?.role === "user" && blocksOf(last.content).some((b) => b.type === "tool_result"),
    tools: (body.tools ?? []).filter((t) => t.type === undefined || t.type === "custom").map((t) => ({ name: t.name, schema: t.input_schema })),
    toolChoice: toolChoiceOf(body),
    json: null,
    maxTokens: Math.max(0, body.max_tokens - thinkingTokens),
    stops: body.stop_sequences ?? [],
    variant: 0,
    reply: req.knobs.reply,
    echo: req.knobs.echo,
    replyWords: req.knobs.replyWords,
  });

  const total = countInputTokens(body);
  let read = 0;
  let created = 0;
  if (req.knobs.cachedTokens !== undefined) read = Math.min(req.knobs.cachedTokens, total);
  else {
    // Explicit caching: the prefix up to the last breakpoint is written; a hit is looked up
    // at that breakpoint and up to 20 blocks before it, longest first (as the API does).
    const segs = segments(body);
    const lastBreak = segs.map((s) => s.breakpoint).lastIndexOf(true);
    if (lastBreak >= 0) {
      const prefixTokens = (end: number) => segs.slice(0, end + 1).reduce((s, x) => s + x.tokens, 0);
      const keyAt = (end: number) => hashOf("anthropic", body.model, segs.slice(0, end + 1).map((x) => x.key));
      for (let end = lastBreak; end >= Math.max(0, lastBreak - 20); end--) {
        if (req.promptCache.has(keyAt(end))) {
          read = prefixTokens(end);
          break;
        }
      }
      const prefix = prefixTokens(lastBreak);
      if (prefix >= CACHE_MIN_TOKENS) {
        created = prefix - read;
        req.promptCache.add(keyAt(lastBreak));
      }
    }
  }
  const usage: Usage = {
    input_tokens: total - read - created,
    cache_creation_input_tokens: created,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: created, ephemeral_1h_input_tokens: 0 },
    output_tokens: answer.tokens + thinkingTokens,
    service_tier: "standard",
  };
  const id = `msg_${hashOf(hash, req.seq).slice(0, 24)}`;
  const toolId = answer.kind === "tool" ? `toolu_${answer.idSeed}` : "";
  const signature = `sim-signature-${hash.slice(0, 16)}`;
  const stop_sequence = answer.kind === "text" ? answer.stopSequence : null;
  const headers = { "request-id": `req_${hashOf(id).slice(0, 24)}` };

  const content: unknown[] = [];
  if (thinking !== null) content.push({ type: "thinking", thinking, signature });
  content.push(answer.kind === "tool" ? { type: "tool_use", id: toolId, name: answer.name, input: answer.input } : { type: "text", text: answer.text });

  if (!body.stream) {
    return {
      type: "json",
      status: 200,
      headers,
      body: { id, type: "message", role: "assistant", model: body.model, content, stop_reason: stopReason(answer), stop_sequence, usage },
    };
  }

  const events: StreamEvent[] = [];
  const emit = (event: string, data: Record<string, unknown>) => events.push({ event, data: JSON.stringify({ type: event, ...data }) });
  emit("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model: body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  let index = 0;
  if (thinking !== null) {
    emit("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
    for (const piece of splitText(thinking)) emit("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } });
    emit("content_block_delta", { index, delta: { type: "signature_delta", signature } });
    emit("content_block_stop", { index });
    index++;
  }
  if (answer.kind === "tool") {
    emit("content_block_start", { index, content_block: { type: "tool_use", id: toolId, name: answer.name, input: {} } });
    if (index === 0) emit("ping", {});
    emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: "" } });
    for (const piece of splitJson(answer.arguments)) emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } });
  } else {
    emit("content_block_start", { index, content_block: { type: "text", text: "" } });
    if (index === 0) emit("ping", {});
    for (const piece of splitText(answer.text)) emit("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
  }
  emit("content_block_stop", { index });
  emit("message_delta", {
    delta: { stop_reason: stopReason(answer), stop_sequence },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
    },
  });
  emit("message_stop", {});
  return { type: "stream", framing: "sse", events, errorEvent: anthropic.streamErrorEvent(), headers };
}

const MODEL_CREATED = "2025-01-01T00:00:00Z";

const routes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/messages$/,
    model: (r) => (r.body as { model?: string } | undefined)?.model,
    stream: (r) => (r.body as { stream?: unknown } | undefined)?.stream === true,
    handle: messagesPlan,
  },
  {
    method: "POST",
    pattern: /^\/v1\/messages\/count_tokens$/,
    model: (r) => (r.body as { model?: string } | undefined)?.model,
    stream: () => false,
    handle: (r) => ({ type: "json", status: 200, body: { input_tokens: countInputTokens(parse(CountTokensRequest, r.body)) } }),
  },
  {
    method: "GET",
    pattern: /^\/v1\/models$/,
    when: (r) => typeof r.headers["anthropic-version"] === "string",
    model: () => undefined,
    stream: () => false,
    handle: (r) => ({
      type: "json",
      status: 200,
      body: {
        data: r.models.map((id) => ({ type: "model", id, display_name: id, created_at: MODEL_CREATED })),
        has_more: false,
        first_id: r.models[0] ?? null,
        last_id: r.models[r.models.length - 1] ?? null,
      },
    }),
  },
];

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

export function anthropicErrorBody(status: number, message: string): unknown {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return { type: "error", error: { type, message } };
}

export const anthropic: WireFormat = {
  provider: "anthropic",
  routes,
  authenticate(req, apiKey) {
    const header = req.headers["x-api-key"];
    const auth = req.headers.authorization;
    const key = typeof header === "string" ? header : typeof auth === "string" ? auth.replace(/^bearer\s+/i, "") : undefined;
    if (!key) throw new SimHttpError(401, "x-api-key header is required");
    if (apiKey !== undefined && key !== apiKey) throw new SimHttpError(401, "invalid x-api-key");
    if (typeof req.headers["anthropic-version"] !== "string") throw new SimHttpError(400, "anthropic-version: header is required");
  },
  errorBody: (status, message) => anthropicErrorBody(status, message),
  streamErrorEvent: () => ({ event: "error", data: JSON.stringify(anthropicErrorBody(529, "Overloaded")) }),
};
