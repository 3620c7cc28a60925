import { z } from "zod";
import {
  approxTokens,
  cachedIncrement,
  hashOf,
  planAnswer,
  splitJson,
  splitText,
  stableStringify,
  unitVector,
  vectorToBase64,
  type Answer,
  type ToolChoice,
  type ToolSpec,
} from "./content";
import { SimHttpError, type Plan, type StreamEvent } from "./http";
import type { Route, SimRequest, WireFormat } from "./types";

/**
 * OpenAI wire format: chat completions (JSON and SSE), embeddings, models;
 * and the Azure OpenAI path shape (`/openai/deployments/{deployment}/...`,
 * `api-key` header, `api-version` query) with Azure's content-filter fields.
 */

const TextPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const ToolCall = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});
const ChatMessage = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
  tool_calls: z.array(ToolCall).nullish(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});
const FunctionTool = z.looseObject({
  type: z.string(),
  function: z.looseObject({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }).optional(),
});
const ToolChoiceParam = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
  z.looseObject({ type: z.literal("allowed_tools"), allowed_tools: z.looseObject({ mode: z.enum(["auto", "required"]) }) }),
]);
const ResponseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({ name: z.string().min(1), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() }),
  }),
]);

export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  tools: z.array(FunctionTool).nullish(),
  tool_choice: ToolChoiceParam.nullish(),
  response_format: ResponseFormat.nullish(),
  reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]).nullish(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const EmbeddingRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  dimensions: z.number().int().min(1).max(8192).optional(),
  encoding_format: z.enum(["float", "base64"]).optional(),
});

/** Reasoning tokens reported for `reasoning_effort` (included in completion_tokens, as OpenAI does). */
export const REASONING_TOKENS: Record<string, number> = { none: 0, minimal: 8, low: 32, medium: 64, high: 128, xhigh: 256 };

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue?.path.join(".") || null;
    throw new SimHttpError(400, `Invalid value for '${param ?? "body"}': ${issue?.message ?? "invalid request"}`, param ?? undefined);
  }
  return result.data;
}

function messageText(m: z.infer<typeof ChatMessage>): string {
  const content = typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text ?? "").join("");
  const calls = (m.tool_calls ?? []).map((c) => `${c.function?.name ?? ""}${c.function?.arguments ?? ""}`).join("");
  return content + calls;
}

/** Prompt tokens: per message ceil(chars/4) + 3, plus 3, plus ceil(chars/4) of the tools JSON. */
export function countPromptTokens(messages: ReadonlyArray<z.infer<typeof ChatMessage>>, tools: unknown): number {
  const perMessage = messages.reduce((sum, m) => sum + approxTokens(messageText(m)) + 3, 0);
  return perMessage + 3 + (tools ? approxTokens(stableStringify(tools)) : 0);
}

const AZURE_FILTER = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};

interface Completion {
  id: string;
  created: number;
  model: string;
  answers: Answer[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
    completion_tokens_details: { reasoning_tokens: number; audio_tokens: number; accepted_prediction_tokens: number; rejected_prediction_tokens: number };
  };
}

function toolChoiceOf(body: ChatCompletionRequest): ToolChoice {
  const tc = body.tool_choice;
  if (tc === undefined || tc === null || tc === "auto") return { mode: "auto" };
  if (tc === "none" || tc === "required") return { mode: tc };
  if (tc.type === "function") return { mode: "tool", name: tc.function.name };
  return { mode: tc.allowed_tools.mode };
}

function complete(req: SimRequest, body: ChatCompletionRequest, model: string): Completion {
  const hash = hashOf(model, body.messages);
  const last = body.messages[body.messages.length - 1];
  const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
  const tools: ToolSpec[] = (body.tools ?? [])
    .filter((t) => t.type === "function" && t.function)
    .map((t) => ({ name: t.function?.name ?? "", schema: t.function?.parameters }));
  const rf = body.response_format;
  const json = rf?.type === "json_schema" ? { schema: rf.json_schema.schema ?? null } : rf?.type === "json_object" ? { schema: null } : null;
  const reasoning = req.knobs.reasoningTokens ?? (body.reasoning_effort ? (REASONING_TOKENS[body.reasoning_effort] ?? 0) : 0);
  const limit = body.max_completion_tokens ?? body.max_tokens ?? null;
  const stops = typeof body.stop === "string" ? [body.stop] : (body.stop ?? []);
  const n = body.n ?? 1;
  const answers: Answer[] = [];
  for (let variant = 0; variant < n; variant++) {
    const answer = planAnswer({
      hash,
      lastUserText: lastUser ? messageText(lastUser) : "",
      lastTurnIsToolResult: last?.role === "tool" || last?.role === "function",
      tools,
      toolChoice: toolChoiceOf(body),
      json,
      maxTokens: limit === null ? null : Math.max(0, limit - reasoning),
      stops,
      variant,
      reply: req.knobs.reply,
      echo: req.knobs.echo,
      replyWords: req.knobs.replyWords,
    });
    answers.push(answer);
  }
  const promptTokens = countPromptTokens(body.messages, body.tools ?? null);
  const completionTokens = answers.reduce((sum, a) => sum + a.tokens + reasoning, 0);
  let cached = 0;
  if (req.knobs.cachedTokens !== undefined) cached = Math.min(req.knobs.cachedTokens, promptTokens);
  else {
    // Automatic prompt caching: a repeated prefix (all but the last message, with the tools) of 1024+ tokens,
    // routed by `prompt_cache_key` as OpenAI does (another key is another cache).
    const prefixTokens = last ? promptTokens - approxTokens(messageText(last)) - 3 : promptTokens;
    const cacheKey = typeof body.prompt_cache_key === "string" ? body.prompt_cache_key : null;
    const key = hashOf("openai", model, cacheKey, body.messages.slice(0, -1), body.tools ?? null);
    if (cachedIncrement(prefixTokens) > 0 && req.promptCache.hit(key)) cached = cachedIncrement(prefixTokens);
  }
  return {
    id: `chatcmpl-${hashOf(hash, req.seq).slice(0, 29)}`,
    created: Math.floor(Date.now() / 1000),
    model,
    answers,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reasoning * n, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
  };
}

function finishReason(a: Answer): "stop" | "length" | "tool_calls" {
  if (a.kind === "tool") return "tool_calls";
  return a.finish === "length" ? "length" : "stop";
}

function toolCallId(a: Extract<Answer, { kind: "tool" }>): string {
  return `call_${a.idSeed}`;
}

function chatPlan(req: SimRequest, azure: boolean): Plan {
  const body = parse(ChatCompletionRequest, req.body);
  const c = complete(req, body, body.model);
  const headers = { "x-request-id": `req_${hashOf(c.id).slice(0, 32)}`, "openai-processing-ms": "1" };
  const azureChoice = azure ? { content_filter_results: AZURE_FILTER } : {};
  const promptFilter = azure ? { prompt_filter_results: [{ prompt_index: 0, content_filter_results: AZURE_FILTER }] } : {};

  if (!body.stream) {
    return {
      type: "json",
      status: 200,
      headers,
      body: {
        id: c.id,
        object: "chat.completion",
        created: c.created,
        model: c.model,
        choices: c.answers.map((a, index) => ({
          index,
          message:
            a.kind === "tool"
              ? {
                  role: "assistant",
                  content: null,
                  refusal: null,
                  annotations: [],
                  tool_calls: [{ id: toolCallId(a), type: "function", function: { name: a.name, arguments: a.arguments } }],
                }
              : { role: "assistant", content: a.text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finishReason(a),
          ...azureChoice,
        })),
        usage: c.usage,
        service_tier: "default",
        system_fingerprint: "fp_gatehouse_sim",
        ...promptFilter,
      },
    };
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const events: StreamEvent[] = [];
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    events.push({
      data: JSON.stringify({
        id: c.id,
        object: "chat.completion.chunk",
        created: c.created,
        model: c.model,
        service_tier: "default",
        system_fingerprint: "fp_gatehouse_sim",
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      }),
    });
  };
  if (azure) {
    // Azure opens every stream with a chunk that has no choices, only the prompt's filter results.
    events.push({ data: JSON.stringify({ choices: [], created: 0, id: "", model: "", object: "", ...promptFilter }) });
  }
  c.answers.forEach((a, index) => {
    const choice = (delta: unknown, finish: string | null = null) => ({ index, delta, logprobs: null, finish_reason: finish, ...(azure && delta ? azureChoice : {}) });
    if (a.kind === "tool") {
      chunk([choice({ role: "assistant", content: null, refusal: null, tool_calls: [{ index: 0, id: toolCallId(a), type: "function", function: { name: a.name, arguments: "" } }] })]);
      for (const piece of splitJson(a.arguments)) chunk([choice({ tool_calls: [{ index: 0, function: { arguments: piece } }] })]);
    } else {
      chunk([choice({ role: "assistant", content: "", refusal: null })]);
      for (const piece of splitText(a.text)) chunk([choice({ content: piece })]);
    }
    chunk([choice({}, finishReason(a))]);
  });
  if (includeUsage) chunk([], { usage: c.usage });
  events.push({ data: "[DONE]" });
  return { type: "stream", framing: "sse", events, errorEvent: openai.streamErrorEvent(), headers };
}

function defaultDimensions(model: string): number {
  if (model.includes("3-large")) return 3072;
  return 1536;
}

function embeddingsPlan(req: SimRequest): Plan {
  const body = parse(EmbeddingRequest, req.body);
  const model = body.model;
  if (body.dimensions !== undefined && model.includes("ada-002")) {
    throw new SimHttpError(400, "This model does not support specifying dimensions.", "dimensions");
  }
  const raw = body.input;
  const inputs: Array<{ text: string; tokens: number }> =
    typeof raw === "string"
      ? [{ text: raw, tokens: approxTokens(raw) }]
      : raw.every((x): x is number => typeof x === "number")
        ? [{ text: raw.join(" "), tokens: raw.length }]
        : (raw as Array<string | number[]>).map((x) => (typeof x === "string" ? { text: x, tokens: approxTokens(x) } : { text: x.join(" "), tokens: x.length }));
  const dims = body.dimensions ?? defaultDimensions(model);
  const tokens = inputs.reduce((s, x) => s + x.tokens, 0);
  return {
    type: "json",
    status: 200,
    headers: { "x-request-id": `req_${hashOf("emb", req.seq).slice(0, 32)}` },
    body: {
      object: "list",
      data: inputs.map((x, index) => {
        const vector = unitVector(x.text, dims, model);
        return { object: "embedding", index, embedding: body.encoding_format === "base64" ? vectorToBase64(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

const MODEL_CREATED = 1_735_689_600; // 2025-01-01

function modelObject(id: string) {
  return { id, object: "model", created: MODEL_CREATED, owned_by: "gatehouse-simulator" };
}

function bearer(headers: SimRequest["headers"]): string | undefined {
  const auth = headers.authorization;
  return typeof auth === "string" && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, "").trim() : undefined;
}

function requireApiVersion(req: SimRequest): void {
  if (!req.url.searchParams.get("api-version")) throw new SimHttpError(404, "Resource not found", "404");
}

const bodyModel = (r: Pick<SimRequest, "body">) => {
  const m = (r.body as { model?: unknown } | undefined)?.model;
  return typeof m === "string" ? m : undefined;
};
const bodyStream = (r: Pick<SimRequest, "body">) => (r.body as { stream?: unknown } | undefined)?.stream === true;

const openaiRoutes: Route[] = [
  { method: "POST", pattern: /^\/v1\/chat\/completions$/, model: bodyModel, stream: bodyStream, handle: (r) => chatPlan(r, false) },
  { method: "POST", pattern: /^\/v1\/embeddings$/, model: bodyModel, stream: () => false, handle: embeddingsPlan },
  {
    method: "GET",
    pattern: /^\/v1\/models$/,
    model: () => undefined,
    stream: () => false,
    handle: (r) => ({ type: "json", status: 200, body: { object: "list", data: r.models.map(modelObject) } }),
  },
  {
    method: "GET",
    pattern: /^\/v1\/models\/(?<model>[^/]+)$/,
    model: (r) => r.params.model,
    stream: () => false,
    handle: (r) => {
      const id = decodeURIComponent(r.params.model ?? "");
      if (!r.models.includes(id)) throw new SimHttpError(404, `The model '${id}' does not exist`, "model_not_found");
      return { type: "json", status: 200, body: modelObject(id) };
    },
  },
];

export const openai: WireFormat = {
  provider: "openai",
  routes: openaiRoutes,
  authenticate(req, apiKey) {
    const key = bearer(req.headers);
    if (!key) throw new SimHttpError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "missing_api_key");
    if (apiKey !== undefined && key !== apiKey) throw new SimHttpError(401, "Incorrect API key provided.", "invalid_api_key");
  },
  errorBody: (status, message, extra) => openaiErrorBody(status, message, extra?.code),
  streamErrorEvent: () => ({ data: JSON.stringify(openaiErrorBody(500, "The server had an error while processing your request. Sorry about that!")) }),
};

export function openaiErrorBody(status: number, message: string, code?: string): unknown {
  const type =
    status === 401 ? "invalid_request_error" : status === 403 ? "permission_error" : status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
  const defaultCode = status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null;
  const param = status === 400 && code ? code : null;
  return { error: { message, type, param, code: status === 400 ? null : (code ?? defaultCode) } };
}

const azureRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/openai\/deployments\/(?<deployment>[^/]+)\/chat\/completions$/,
    model: (r) => r.params.deployment,
    stream: bodyStream,
    handle: (r) => {
      requireApiVersion(r);
      // Azure routes by deployment and ignores any `model` in the body.
      return chatPlan({ ...r, body: { ...(r.body as object), model: r.params.deployment } }, true);
    },
  },
  {
    method: "POST",
    pattern: /^\/openai\/deployments\/(?<deployment>[^/]+)\/embeddings$/,
    model: (r) => r.params.deployment,
    stream: () => false,
    handle: (r) => {
      requireApiVersion(r);
      return embeddingsPlan({ ...r, body: { ...(r.body as object), model: r.params.deployment } });
    },
  },
];

export const azure: WireFormat = {
  provider: "azure",
  routes: azureRoutes,
  authenticate(req, apiKey) {
    const header = req.headers["api-key"];
    const key = typeof header === "string" ? header : bearer(req.headers);
    if (!key) throw new SimHttpError(401, "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.", "401");
    if (apiKey !== undefined && key !== apiKey) throw new SimHttpError(401, "Access denied due to invalid subscription key.", "401");
  },
  errorBody(status, message, extra) {
    // Azure's own errors (auth, routing) are `{ error: { code, message } }`; model errors are OpenAI's.
    if (status === 401 || status === 404) return { error: { code: extra?.code ?? String(status), message } };
    return openaiErrorBody(status, message, extra?.code);
  },
  streamErrorEvent: () => openai.streamErrorEvent(),
};
