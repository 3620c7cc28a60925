import { z } from "zod";
import { approxTokens, cachedIncrement, hashOf, planAnswer, splitText, stableStringify, unitVector, type Answer, type ToolChoice } from "./content";
import { SimHttpError, type Plan, type StreamEvent } from "./http";
import type { Route, SimRequest, WireFormat } from "./types";

/**
 * Google Gemini (Generative Language API) wire format:
 * `/v1beta/models/{model}:generateContent`, `:streamGenerateContent` (SSE with
 * `?alt=sse`, otherwise one JSON array), `:countTokens`, `:embedContent`,
 * `:batchEmbedContents`, and `GET /v1beta/models`. Key by `x-goog-api-key`
 * or `?key=`. Like the real API (proto3 JSON), zero counts such as
 * `cachedContentTokenCount` are left out of `usageMetadata`.
 */

const Part = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  functionCall: z.looseObject({ name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).optional(),
  functionResponse: z.looseObject({ name: z.string(), response: z.unknown().optional() }).optional(),
});
type Part = z.infer<typeof Part>;
const Content = z.looseObject({ role: z.string().optional(), parts: z.array(Part) });
const FunctionDeclaration = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  parametersJsonSchema: z.unknown().optional(),
});

export const GenerateContentRequest = z.looseObject({
  contents: z.array(Content).min(1),
  systemInstruction: Content.partial({ parts: true }).optional(),
  tools: z.array(z.looseObject({ functionDeclarations: z.array(FunctionDeclaration).optional() })).optional(),
  toolConfig: z
    .looseObject({
      functionCallingConfig: z
        .looseObject({
          mode: z.enum(["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"]).optional(),
          allowedFunctionNames: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
  generationConfig: z
    .looseObject({
      maxOutputTokens: z.number().int().min(1).optional(),
      stopSequences: z.array(z.string()).max(5).optional(),
      candidateCount: z.number().int().min(1).max(8).optional(),
      responseMimeType: z.string().optional(),
      responseSchema: z.record(z.string(), z.unknown()).optional(),
      responseJsonSchema: z.unknown().optional(),
      thinkingConfig: z
        .looseObject({
          thinkingBudget: z.number().int().optional(),
          thinkingLevel: z.string().optional(),
          includeThoughts: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  cachedContent: z.string().optional(),
});
type GenerateContentRequest = z.infer<typeof GenerateContentRequest>;

const EmbedContentRequest = z.looseObject({
  content: Content,
  outputDimensionality: z.number().int().min(1).max(8192).optional(),
});

const snake = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The REST API takes proto field names in snake_case too: camelCase the top two levels. */
function camelize(value: unknown, depth = 2): unknown {
  if (depth === 0 || typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), k === "generation_config" || k === "generationConfig" ? camelize(v, 1) : v]));
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(camelize(body));
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join(".") || "body";
    throw new SimHttpError(400, `Invalid JSON payload received. Invalid value at '${path}': ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

function partText(p: Part): string {
  if (p.text !== undefined) return p.text;
  if (p.functionCall) return `${p.functionCall.name}${stableStringify(p.functionCall.args ?? {})}`;
  if (p.functionResponse) return `${p.functionResponse.name}${stableStringify(p.functionResponse.response ?? {})}`;
  return "";
}

const contentText = (c: { parts?: Part[] | undefined }) => (c.parts ?? []).map(partText).join("");

/** Prompt tokens: ceil(chars/4) of every part, system instruction and tools JSON, plus 3 per content. */
export function countGeminiTokens(body: Pick<GenerateContentRequest, "contents" | "systemInstruction" | "tools">): number {
  const contents = body.contents.reduce((s, c) => s + approxTokens(contentText(c)) + 3, 0);
  const system = body.systemInstruction ? approxTokens(contentText(body.systemInstruction)) : 0;
  const tools = body.tools ? approxTokens(stableStringify(body.tools)) : 0;
  return contents + system + tools;
}

function toolChoiceOf(body: GenerateContentRequest): ToolChoice {
  const cfg = body.toolConfig?.functionCallingConfig;
  if (cfg?.mode === "NONE") return { mode: "none" };
  if (cfg?.mode === "ANY" || cfg?.mode === "VALIDATED") {
    const name = cfg.allowedFunctionNames?.[0];
    return name ? { mode: "tool", name } : { mode: "required" };
  }
  return { mode: "auto" };
}

function thoughtsFor(body: GenerateContentRequest, req: SimRequest): number {
  if (req.knobs.reasoningTokens !== undefined) return req.knobs.reasoningTokens;
  const cfg = body.generationConfig?.thinkingConfig;
  if (!cfg) return 0;
  if (cfg.thinkingLevel) return cfg.thinkingLevel.toLowerCase() === "low" ? 32 : 128;
  if (cfg.thinkingBudget === undefined || cfg.thinkingBudget === 0) return 0;
  return cfg.thinkingBudget < 0 ? 64 : Math.min(cfg.thinkingBudget, 64);
}

function finishReason(a: Answer): "STOP" | "MAX_TOKENS" {
  return a.kind === "text" && a.finish === "length" ? "MAX_TOKENS" : "STOP";
}

function generate(req: SimRequest, stream: boolean, sse: boolean): Plan {
  const body = parse(GenerateContentRequest, req.body);
  const model = req.params.model ?? "";
  const hash = hashOf(model, body.systemInstruction ?? null, body.contents);
  const last = body.contents[body.contents.length - 1];
  const lastUser = [...body.contents].reverse().find((c) => (c.role ?? "user") === "user" && c.parts.some((p) => p.text !== undefined));
  const cfg = body.generationConfig;
  const json = cfg?.responseMimeType === "application/json" ? { schema: cfg.responseJsonSchema ?? cfg.responseSchema ?? null } : null;
  const thoughts = thoughtsFor(body, req);
  const tools = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((f) => ({ name: f.name, schema: f.parametersJsonSchema ?? f.parameters }));
  const answers: Answer[] = [];
  for (let variant = 0; variant < (cfg?.candidateCount ?? 1); variant++) {
    answers.push(
      planAnswer({
        hash,
        lastUserText: lastUser ? lastUser.parts.map((p) => p.text ?? "").join(" ") : "",
        lastTurnIsToolResult: last?.parts.some((p) => p.functionResponse !== undefined) ?? false,
        tools,
        toolChoice: toolChoiceOf(body),
        json,
        maxTokens: cfg?.maxOutputTokens === undefined ? null : Math.max(0, cfg.maxOutputTokens - thoughts),
        stops: cfg?.stopSequences ?? [],
        variant,
        reply: req.knobs.reply,
        echo: req.knobs.echo,
        replyWords: req.knobs.replyWords,
      }),
    );
  }
  const prompt = countGeminiTokens(body);
  let cached = 0;
  if (req.knobs.cachedTokens !== undefined) cached = Math.min(req.knobs.cachedTokens, prompt);
  else {
    // Implicit caching: a repeated prefix (all contents but the last, with system and tools) of 1024+ tokens.
    const prefix = last ? prompt - approxTokens(contentText(last)) - 3 : prompt;
    const key = hashOf("gemini", model, body.systemInstruction ?? null, body.tools ?? null, body.contents.slice(0, -1));
    if (cachedIncrement(prefix) > 0 && req.promptCache.hit(key)) cached = prefix;
  }
  const candidatesTokens = answers.reduce((s, a) => s + a.tokens, 0);
  const usageMetadata = (candidates: number, final: boolean) => ({
    promptTokenCount: prompt,
    ...(candidates > 0 ? { candidatesTokenCount: candidates } : {}),
    totalTokenCount: prompt + candidates + (final ? thoughts : 0),
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    ...(final && thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    ...(cached > 0 ? { cacheTokensDetails: [{ modality: "TEXT", tokenCount: cached }] } : {}),
  });
  const responseId = hashOf(hash, req.seq).slice(0, 22);
  const partsOf = (a: Answer): Part[] => (a.kind === "tool" ? [{ functionCall: { name: a.name, args: a.input as Record<string, unknown> } }] : [{ text: a.text }]);

  if (!stream) {
    return {
      type: "json",
      status: 200,
      body: {
        candidates: answers.map((a, index) => ({ content: { parts: partsOf(a), role: "model" }, finishReason: finishReason(a), index })),
        usageMetadata: usageMetadata(candidatesTokens, true),
        modelVersion: model,
        responseId,
      },
    };
  }

  const items: unknown[] = [];
  let before = 0; // tokens of the candidates already streamed in full
  answers.forEach((a, index) => {
    const chunk = (parts: Part[], finish: string | null, sent: number, final: boolean) =>
      items.push({
        candidates: [{ content: { parts, role: "model" }, ...(finish ? { finishReason: finish } : {}), index }],
        usageMetadata: usageMetadata(before + sent, final),
        modelVersion: model,
        responseId,
      });
    const isLast = index === answers.length - 1;
    if (a.kind === "tool") {
      chunk(partsOf(a), finishReason(a), a.tokens, isLast);
    } else {
      // Gemini streams a few words per chunk; a last, empty chunk carries finishReason.
      const pieces = splitText(a.text);
      let sentText = "";
      for (let i = 0; i < pieces.length; i += 4) {
        const text = pieces.slice(i, i + 4).join("");
        sentText += text;
        chunk([{ text }], null, approxTokens(sentText), false);
      }
      chunk([{ text: "" }], finishReason(a), a.tokens, isLast);
    }
    before += a.tokens;
  });
  const events: StreamEvent[] = items.map((item) => ({ data: JSON.stringify(item) }));
  return sse
    ? { type: "stream", framing: "sse", separator: "\r\n\r\n", events, errorEvent: gemini.streamErrorEvent() }
    : { type: "stream", framing: "json-array", events, errorEvent: gemini.streamErrorEvent() };
}

function embedDimensions(model: string, requested: number | undefined): number {
  return requested ?? (model.includes("gemini-embedding") ? 3072 : 768);
}

const ACTION = /^\/(?<version>v1beta|v1alpha|v1)\/models\/(?<model>[^/:]+):(?<action>[A-Za-z]+)$/;

function actionRoute(action: string, handle: (req: SimRequest) => Plan, stream = false): Route {
  return {
    method: "POST",
    pattern: new RegExp(ACTION.source.replace("(?<action>[A-Za-z]+)", `(?<action>${action})`)),
    model: (r) => r.params.model,
    stream: () => stream,
    handle,
  };
}

function modelInfo(id: string) {
  return {
    name: `models/${id}`,
    version: "001",
    displayName: id,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens", "embedContent", "batchEmbedContents"],
  };
}

const routes: Route[] = [
  actionRoute("generateContent", (r) => generate(r, false, false)),
  actionRoute("streamGenerateContent", (r) => generate(r, true, r.url.searchParams.get("alt") === "sse"), true),
  actionRoute("countTokens", (r) => {
    const raw = r.body as { generateContentRequest?: unknown } | undefined;
    const body = parse(GenerateContentRequest.pick({ contents: true, systemInstruction: true, tools: true }), raw?.generateContentRequest ?? raw);
    return { type: "json", status: 200, body: { totalTokens: countGeminiTokens(body), promptTokensDetails: [{ modality: "TEXT", tokenCount: countGeminiTokens(body) }] } };
  }),
  actionRoute("embedContent", (r) => {
    const body = parse(EmbedContentRequest, r.body);
    const model = r.params.model ?? "";
    return { type: "json", status: 200, body: { embedding: { values: unitVector(contentText(body.content), embedDimensions(model, body.outputDimensionality), model) } } };
  }),
  actionRoute("batchEmbedContents", (r) => {
    const body = parse(z.looseObject({ requests: z.array(EmbedContentRequest).min(1) }), r.body);
    const model = r.params.model ?? "";
    return {
      type: "json",
      status: 200,
      body: { embeddings: body.requests.map((x) => ({ values: unitVector(contentText(x.content), embedDimensions(model, x.outputDimensionality), model) })) },
    };
  }),
  {
    method: "GET",
    // `GET /v1/models` is OpenAI's (or Anthropic's); Gemini's listing is answered on v1beta/v1alpha.
    pattern: /^\/(?:v1beta|v1alpha)\/models$/,
    model: () => undefined,
    stream: () => false,
    handle: (r) => ({ type: "json", status: 200, body: { models: r.models.map(modelInfo) } }),
  },
];

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export function geminiErrorBody(status: number, message: string, retryAfterSeconds?: number): unknown {
  const details =
    status === 429 && retryAfterSeconds !== undefined
      ? { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryAfterSeconds}s` }] }
      : {};
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"), ...details } };
}

export const gemini: WireFormat = {
  provider: "gemini",
  routes,
  authenticate(req, apiKey) {
    const header = req.headers["x-goog-api-key"];
    const key = typeof header === "string" ? header : (req.url.searchParams.get("key") ?? undefined);
    if (!key) {
      throw new SimHttpError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (apiKey !== undefined && key !== apiKey) throw new SimHttpError(400, "API key not valid. Please pass a valid API key.");
  },
  errorBody: (status, message, extra) => geminiErrorBody(status, message, extra?.retryAfterSeconds),
  streamErrorEvent: () => ({ data: JSON.stringify(geminiErrorBody(503, "The model is overloaded. Please try again later.")) }),
};
