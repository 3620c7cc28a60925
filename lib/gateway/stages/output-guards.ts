import { GatehouseError } from "@/lib/errors";
import { snapshotReady } from "@/lib/gateway/config";
import { checkJson } from "@/lib/gateway/guards/json-schema";
import { addVerdict, redactForLog, type GuardRun } from "@/lib/gateway/guards/run";
import { decideTool, toolCallName, toolSurface, type ToolDecision, type ToolSurface } from "@/lib/gateway/guards/tools";
import { completionToChunks } from "@/lib/gateway/openai/chunks";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChunkChoice, ToolCallDelta } from "@/lib/gateway/openai/schema";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { noteLog } from "@/lib/gateway/record";
import { ChunkAccumulator } from "@/lib/gateway/respond/accumulate";
import { runChain } from "@/lib/gateway/route/engine";
import type { PlannedTarget, RoutePlan } from "@/lib/gateway/route/plan";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { callStateOf, type CallState } from "@/lib/gateway/stages/state";
import type { GatewayContext } from "@/lib/gateway/types";
import { upstreamClient } from "@/lib/gateway/upstream/client";
import { createHoldBack } from "@/lib/guards/holdback";
import { moderateText } from "@/lib/guards/moderation";
import type { GuardVerdict } from "@/lib/guards/policy";
import { log } from "@/lib/log";
import { ASYNC_MODERATION_MARK } from "@/lib/queues/moderation";

/**
 * Stage 10, output guards (issue 6), on every answer before the caller sees it.
 * Whole answers (outputGuards), in this order:
 *
 * 1. tools: calls to undeclared tools, or tools the end-user's role may not
 *    call, are removed (block) or flagged (log); irreversible ones are
 *    returned with `requires_confirmation: true` (guards/tools.ts);
 * 2. structured output: with a JSON schema (`response_format` json_schema, else
 *    the prompt version's outputSchema; `json_object`: any object) the answer
 *    is parsed and validated (Ajv); on failure, in block mode: one repair
 *    attempt on the same target with the validation error fed back, then the
 *    next targets of the route, then a safe default (content null, a
 *    `refusal`, finish_reason `content_filter`): invalid JSON is never
 *    returned as if valid. Counts land on the log row (`metadata.structuredOutput`);
 * 3. moderation, in line: block replaces the answer with a refusal
 *    (finish_reason `content_filter`), log flags it;
 * 4. the request log gets the answer as the provider saw the conversation
 *    (PII placeholders, never the raw values); then the caller's copy is
 *    re-identified when the policy allows.
 *
 * Streams (guardStream): the same per chunk, with moderation's hold-back
 * window: text is released only once the first sentence is complete and then
 * N tokens behind, so a violation stops the stream before the offending text
 * is sent; the stream then ends with a terminal error event, code
 * `content_filtered`. Placeholders split across chunks are re-identified
 * whole. Tool-call deltas are held to the end of their choice and checked
 * like whole answers. Structured-output validation applies to whole answers
 * only (a stream cannot be repaired after it was sent).
 */

export const MODERATION_REFUSAL = "I can't help with that. The answer was withheld by the content policy.";
export const SCHEMA_REFUSAL = "The model could not produce an answer that matches the required JSON schema.";
const CONFIRM_HEADER = "x-gatehouse-requires-confirmation";

export interface OutputGuardOptions {
  /** The target that answered (repair retries go to it first); null for a static answer. */
  target?: PlannedTarget | null;
}

function guardRunOf(ctx: GatewayContext): { state: CallState; run: GuardRun } | null {
  const state = callStateOf(ctx);
  return state?.guards ? { state, run: state.guards } : null;
}

// ---------------------------------------------------------------- tools

async function surfaceOf(ctx: GatewayContext, state: CallState, run: GuardRun): Promise<ToolSurface | null> {
  if (run.policy.config.tools.mode === "off") return null;
  const snapshot = await snapshotReady();
  return toolSurface(snapshot.toolsFor(requireAuth(ctx).tenantId, state.featureId), run.endUserRole);
}

interface ToolFindings {
  removed: { name: string; reason: ToolDecision }[];
  confirm: string[];
  allowed: number;
}

function toolVerdict(ctx: GatewayContext, run: GuardRun, f: ToolFindings, t0: number): void {
  if (f.removed.length === 0 && f.confirm.length === 0 && f.allowed === 0) return;
  const block = run.policy.config.tools.mode === "block";
  const verdict: GuardVerdict["verdict"] = f.removed.length > 0 ? (block ? "block" : "flag") : f.confirm.length > 0 ? "flag" : "pass";
  addVerdict(
    ctx,
    run,
    { guard: "tools", verdict, score: f.removed.length > 0 ? 1 : 0, spans: [], latencyMs: performance.now() - t0, detail: { removed: f.removed, requiresConfirmation: f.confirm, allowed: f.allowed } },
    "output",
  );
  if (f.removed.length > 0) log("warn", "guards.tool_call_blocked", { tools: f.removed.map((r) => `${r.name.slice(0, 64)}:${r.reason}`), mode: run.policy.config.tools.mode });
  if (f.confirm.length > 0) ctx.responseHeaders[CONFIRM_HEADER] = [...new Set(f.confirm)].join(",").slice(0, 1000);
}

function checkToolCalls(ctx: GatewayContext, run: GuardRun, surface: ToolSurface, completion: ChatCompletion): void {
  const t0 = performance.now();
  const f: ToolFindings = { removed: [], confirm: [], allowed: 0 };
  const block = run.policy.config.tools.mode === "block";
  for (const choice of completion.choices) {
    const calls = choice.message.tool_calls;
    if (!calls || calls.length === 0) continue;
    const kept: typeof calls = [];
    for (const call of calls) {
      const name = toolCallName(call);
      const d = decideTool(surface, name);
      if (d === "undeclared" || d === "role") {
        f.removed.push({ name, reason: d });
        if (!block) kept.push(call);
        continue;
      }
      if (d === "confirm") {
        f.confirm.push(name);
        kept.push({ ...call, requires_confirmation: true });
      } else {
        f.allowed++;
        kept.push(call);
      }
    }
    if (kept.length > 0) choice.message.tool_calls = kept;
    else {
      delete choice.message.tool_calls;
      if (choice.message.content === null) choice.message.content = "";
      if (choice.finish_reason === "tool_calls") choice.finish_reason = "stop";
    }
  }
  toolVerdict(ctx, run, f, t0);
}

// ---------------------------------------------------------------- structured output

/** The schema the answer must match: response_format json_schema (or json_object: any object), else the prompt version's. */
export function outputSchemaOf(state: CallState): { schema: unknown } | null {
  const rf = state.chat?.response_format;
  if (rf?.type === "json_schema") return { schema: rf.json_schema.schema ?? null };
  if (rf?.type === "json_object") return { schema: null };
  if (state.outputSchema !== undefined && state.outputSchema !== null) return { schema: state.outputSchema };
  return null;
}

interface SchemaOutcome {
  valid: boolean;
  repairs: number;
  fallbacks: number;
  outcome: "valid" | "repaired" | "fallback" | "default" | "invalid";
  errors: string[];
}

async function callTargets(ctx: GatewayContext, state: CallState, plan: RoutePlan, targets: readonly PlannedTarget[], chat: ChatCompletionRequest): Promise<ChatCompletion | null> {
  if (targets.length === 0) return null;
  const result = await runChain({ plan: { ...plan, targets, staticAnswer: null }, clientSignal: ctx.req.signal, callerTimeoutMs: state.callerTimeoutMs }, (t, signal) =>
    getProviderAdapter(t.providerKind).chat(t.target, { ...chat, model: t.modelName }, { signal, client: upstreamClient }),
  );
  return result.ok ? result.value.response : null;
}

async function enforceSchema(ctx: GatewayContext, state: CallState, run: GuardRun, completion: ChatCompletion, target: PlannedTarget | null): Promise<ChatCompletion> {
  const want = outputSchemaOf(state);
  const mode = run.policy.config.schema.mode;
  if (!want || mode === "off" || completion.choices.length === 0) return completion;
  const t0 = performance.now();
  const first = completion.choices[0];
  // A tool call is not a structured answer: nothing to validate.
  if (!first || (first.message.tool_calls?.length ?? 0) > 0) return completion;
  const o: SchemaOutcome = { valid: false, repairs: 0, fallbacks: 0, outcome: "invalid", errors: [] };
  let answer = completion;
  let check = checkJson(first.message.content, want.schema);
  if (check.ok) o.outcome = "valid";
  else if (mode === "block") {
    o.errors.push(check.error);
    const plan = state.plan;
    const chat = state.chat;
    if (plan && chat && target && run.policy.config.schema.repair) {
      o.repairs++;
      const repairChat: ChatCompletionRequest = {
        ...chat,
        stream: false,
        messages: [
          ...chat.messages,
          { role: "assistant", content: first.message.content ?? "" },
          {
            role: "user",
            content: `Your previous answer is not valid for the required JSON schema: ${check.error}. Answer again with only the corrected JSON, nothing else.`,
          },
        ],
      };
      const repaired = await callTargets(ctx, state, plan, [target], repairChat);
      const c = repaired ? checkJson(repaired.choices[0]?.message.content, want.schema) : null;
      if (repaired && c?.ok) {
        answer = { ...repaired, id: completion.id };
        check = c;
        o.outcome = "repaired";
      } else if (c && !c.ok) o.errors.push(c.error);
    }
    if (!check.ok && plan && chat) {
      const at = target ? plan.targets.findIndex((t) => t.id === target.id) : -1;
      const rest = at >= 0 ? plan.targets.slice(at + 1) : [];
      if (rest.length > 0) {
        o.fallbacks++;
        const next = await callTargets(ctx, state, plan, rest, { ...chat, stream: false });
        const c = next ? checkJson(next.choices[0]?.message.content, want.schema) : null;
        if (next && c?.ok) {
          answer = next;
          check = c;
          o.outcome = "fallback";
        } else if (c && !c.ok) o.errors.push(c.error);
      }
    }
    if (!check.ok) {
      o.outcome = "default";
      answer = {
        ...completion,
        choices: [{ index: 0, message: { role: "assistant", content: null, refusal: SCHEMA_REFUSAL }, finish_reason: "content_filter", logprobs: null }],
      };
    }
  }
  o.valid = check.ok;
  noteLog(ctx, {
    metadata: {
      ...(ctx.log?.metadata ?? {}),
      structuredOutput: { parsed: o.outcome === "valid", valid: o.valid, repairs: o.repairs, fallbacks: o.fallbacks, outcome: o.outcome },
    },
  });
  const verdict: GuardVerdict["verdict"] = o.outcome === "valid" ? "pass" : o.outcome === "invalid" ? "flag" : "block";
  addVerdict(
    ctx,
    run,
    { guard: "schema", verdict, score: o.outcome === "valid" ? 0 : 1, spans: [], latencyMs: performance.now() - t0, detail: { outcome: o.outcome, repairs: o.repairs, fallbacks: o.fallbacks, errors: o.errors.slice(0, 3) } },
    "output",
  );
  if (o.outcome !== "valid") log("info", "guards.schema_invalid", { outcome: o.outcome, repairs: o.repairs });
  return answer;
}

// ---------------------------------------------------------------- moderation

function moderationOver(run: GuardRun, text: string): { over: boolean; score: number; result: ReturnType<typeof moderateText> } {
  const result = moderateText(text);
  return { over: result.score >= run.policy.config.moderation.threshold, score: result.score, result };
}

function moderate(ctx: GatewayContext, run: GuardRun, completion: ChatCompletion): void {
  const mode = run.policy.config.moderation.mode;
  if (mode === "off") return;
  const t0 = performance.now();
  let worst: ReturnType<typeof moderationOver> | null = null;
  let worstIndex = -1;
  for (const [i, choice] of completion.choices.entries()) {
    const text = choice.message.content;
    if (typeof text !== "string" || text === "") continue;
    const m = moderationOver(run, text);
    if (!worst || m.score > worst.score) {
      worst = m;
      worstIndex = i;
    }
    if (m.over && mode === "block") {
      choice.message.content = MODERATION_REFUSAL;
      choice.message.refusal = MODERATION_REFUSAL;
      delete choice.message.tool_calls;
      choice.finish_reason = "content_filter";
    }
  }
  if (!worst) return;
  addVerdict(
    ctx,
    run,
    {
      guard: "moderation",
      verdict: worst.over ? (mode === "block" ? "block" : "flag") : "pass",
      score: worst.score,
      spans: worst.result.spans.slice(0, 32),
      latencyMs: performance.now() - t0,
      detail: { where: `output.choices[${worstIndex}]`, categories: worst.result.categories },
    },
    "output",
  );
}

// ---------------------------------------------------------------- PII on the way back

/**
 * Keys of an OpenAI answer (and its chunks) whose string values are ids and
 * enums the provider sets, never text the model wrote: not scanned for PII
 * (a PII scan is ~10 µs per string, and a completion has eight of these).
 */
const METADATA_KEYS = new Set(["id", "object", "model", "role", "finish_reason", "system_fingerprint", "service_tier", "type"]);

/** A deep copy of a JSON value with every string redacted for the log (PII found in the answer too). */
function redactJson(run: GuardRun, value: unknown): unknown {
  if (typeof value === "string") return redactForLog(run, value);
  if (Array.isArray(value)) return value.map((v) => redactJson(run, v));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" && METADATA_KEYS.has(k) ? v : redactJson(run, v);
    return out;
  }
  return value;
}

function reidentifyCompletion(run: GuardRun, completion: ChatCompletion): void {
  const r = run.redactor;
  if (!r || !run.policy.config.pii.reidentify) return;
  for (const choice of completion.choices) {
    const m = choice.message;
    if (typeof m.content === "string") m.content = r.reidentify(m.content);
    for (const call of m.tool_calls ?? []) {
      const fn = (call as { function?: { arguments?: unknown } }).function;
      if (fn && typeof fn.arguments === "string") fn.arguments = r.reidentify(fn.arguments);
    }
  }
}

/** Marks the record for the worker's moderation queue when the policy enables the async check (lib/queues/moderation.ts). */
function markAsyncModeration(ctx: GatewayContext, run: GuardRun): void {
  const a = run.policy.config.moderation.async;
  if (!a.enabled || !a.route) return;
  noteLog(ctx, { metadata: { ...(ctx.log?.metadata ?? {}), [ASYNC_MODERATION_MARK]: "queued" } });
}

/**
 * Whether any output guard has work on this request: the answer is copied
 * (structuredClone) and walked only then. With every output guard off (a
 * policy that turns them off, or no schema asked for) the answer goes out as
 * the provider sent it, at no cost.
 */
function outputWorkFor(state: CallState, run: GuardRun): boolean {
  const c = run.policy.config;
  return (
    c.tools.mode !== "off" ||
    (c.schema.mode !== "off" && outputSchemaOf(state) !== null) ||
    c.moderation.mode !== "off" ||
    (c.moderation.async.enabled && c.moderation.async.route !== null) ||
    c.pii.mode !== "off"
  );
}

/** Whole answers (JSON responses, and the static answer of a stream). Returns the answer to send. */
export async function outputGuards(ctx: GatewayContext, completion: ChatCompletion, opts: OutputGuardOptions = {}): Promise<ChatCompletion> {
  const g = guardRunOf(ctx);
  if (!g || !outputWorkFor(g.state, g.run)) return completion;
  const { state, run } = g;
  let answer: ChatCompletion = structuredClone(completion);
  const surface = await surfaceOf(ctx, state, run);
  if (surface) checkToolCalls(ctx, run, surface, answer);
  answer = await enforceSchema(ctx, state, run, answer, opts.target ?? null);
  moderate(ctx, run, answer);
  markAsyncModeration(ctx, run);
  if (run.policy.config.pii.mode !== "off") {
    // The record keeps the answer in the provider's (redacted) form; PII the model produced is redacted too.
    noteLog(ctx, { response: redactJson(run, answer) as Record<string, never> });
    reidentifyCompletion(run, answer);
  }
  return answer;
}

// ---------------------------------------------------------------- streams

interface ChoiceState {
  text: string;
  hold: ReturnType<typeof createHoldBack> | null;
  reid: { push(chunk: string): string; flush(): string } | null;
  calls: Map<number, { id?: string; type?: "function"; name: string; args: string }>;
  finished: boolean;
  firstContentAt: number | null;
  firstReleaseAt: number | null;
}

function contentFiltered(): GatehouseError {
  return new GatehouseError("content_filtered", "The answer was stopped by the content policy before it was complete", { type: "invalid_request_error" });
}

/**
 * The served chunks with the output guards applied (chat-call.ts wraps
 * trackStream's output with it, so the request log's copy of the answer is
 * the provider's, redacted form). Throws `content_filtered` to end the
 * stream when moderation blocks.
 */
export function guardStream(ctx: GatewayContext, chunks: AsyncIterable<ChatCompletionChunk>, opts: OutputGuardOptions = {}): AsyncIterable<ChatCompletionChunk> {
  const g = guardRunOf(ctx);
  if (!g || !outputWorkFor(g.state, g.run)) return chunks;
  const { state, run } = g;
  if (outputSchemaOf(state) && run.policy.config.schema.mode === "block") return schemaCheckedStream(ctx, state, chunks, opts);
  const mod = run.policy.config.moderation;
  const holding = mod.mode === "block";
  const reidentify = run.redactor !== null && run.policy.config.pii.reidentify;

  async function* guarded(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const surface = await surfaceOf(ctx, state, run);
    const toolsT0 = performance.now();
    const findings: ToolFindings = { removed: [], confirm: [], allowed: 0 };
    const choices = new Map<number, ChoiceState>();
    let blockedScore = 0;
    const choiceOf = (index: number): ChoiceState => {
      let s = choices.get(index);
      if (!s) {
        s = {
          text: "",
          hold: holding
            ? createHoldBack(mod.holdBack, (textSoFar) => {
                const m = moderationOver(run, textSoFar);
                if (m.over) blockedScore = m.score;
                return { block: m.over };
              })
            : null,
          reid: reidentify && run.redactor ? run.redactor.reidentifyStream() : null,
          calls: new Map(),
          finished: false,
          firstContentAt: null,
          firstReleaseAt: null,
        };
        choices.set(index, s);
      }
      return s;
    };
    const blocked = (s: ChoiceState, index: number): never => {
      const m = moderateText(s.text);
      addVerdict(
        ctx,
        run,
        { guard: "moderation", verdict: "block", score: Math.max(blockedScore, m.score), spans: m.spans.slice(0, 32), latencyMs: 0, detail: { where: `output.choices[${index}]`, categories: m.categories, stream: true } },
        "output",
      );
      noteLog(ctx, {
        status: "blocked",
        errorCode: "content_filtered",
        response: redactJson(run, { choices: [{ index, message: { role: "assistant", content: s.text }, finish_reason: "content_filter" }] }) as Record<string, never>,
      });
      log("info", "guards.stream_cut", { choice: index });
      throw contentFiltered();
    };
    const release = (s: ChoiceState, text: string): string => {
      if (text && s.firstReleaseAt === null) s.firstReleaseAt = performance.now();
      return s.reid ? s.reid.push(text) : text;
    };

    for await (const chunk of chunks) {
      const out: ChunkChoice[] = [];
      for (const choice of chunk.choices) {
        const s = choiceOf(choice.index);
        const delta = { ...choice.delta };
        let content: string | undefined;
        if (typeof delta.content === "string" && delta.content !== "") {
          if (s.firstContentAt === null) s.firstContentAt = performance.now();
          s.text += delta.content;
          if (s.hold) {
            const r = s.hold.push(delta.content);
            if (r.blocked) blocked(s, choice.index);
            content = release(s, r.release);
          } else content = release(s, delta.content);
        }
        let finishReason = choice.finish_reason;
        if (finishReason) {
          s.finished = true;
          let tail = "";
          if (s.hold) {
            const r = s.hold.end();
            if (r.blocked) blocked(s, choice.index);
            tail = release(s, r.release);
          }
          if (s.reid) tail += s.reid.flush();
          if (tail) content = (content ?? "") + tail;
        }
        if (content !== undefined) delta.content = content;
        if (surface && delta.tool_calls) {
          for (const d of delta.tool_calls) {
            const c = s.calls.get(d.index) ?? { name: "", args: "" };
            if (d.id) c.id = d.id;
            if (d.type) c.type = d.type;
            if (d.function?.name) c.name += d.function.name;
            if (d.function?.arguments) c.args += d.function.arguments;
            s.calls.set(d.index, c);
          }
          delete delta.tool_calls;
        }
        if (surface && finishReason && s.calls.size > 0) {
          const kept: ToolCallDelta[] = [];
          const block = run.policy.config.tools.mode === "block";
          for (const c of [...s.calls.values()]) {
            const d = decideTool(surface, c.name);
            if ((d === "undeclared" || d === "role") && block) {
              findings.removed.push({ name: c.name, reason: d });
              continue;
            }
            if (d === "undeclared" || d === "role") findings.removed.push({ name: c.name, reason: d });
            else if (d === "confirm") findings.confirm.push(c.name);
            else findings.allowed++;
            const args = s.reid ? run.redactor?.reidentify(c.args) ?? c.args : c.args;
            kept.push({
              index: kept.length,
              ...(c.id ? { id: c.id } : {}),
              type: "function",
              function: { name: c.name, arguments: args },
              ...(d === "confirm" ? { requires_confirmation: true } : {}),
            });
          }
          if (kept.length > 0) delta.tool_calls = kept;
          else if (finishReason === "tool_calls") finishReason = "stop";
        }
        const empty = (delta.content === undefined || delta.content === "") && !delta.role && !delta.tool_calls && !delta.refusal && !finishReason;
        if (empty && typeof choice.delta.content === "string" && choice.delta.content !== "") continue; // held back
        out.push({ ...choice, delta, finish_reason: finishReason });
      }
      if (out.length > 0 || chunk.choices.length === 0) yield { ...chunk, choices: out };
    }
    // Ended without a finish_reason (some providers): release what is held, checked.
    for (const [index, s] of choices) {
      if (s.finished) continue;
      let tail = "";
      if (s.hold) {
        const r = s.hold.end();
        if (r.blocked) blocked(s, index);
        tail = release(s, r.release);
      }
      if (s.reid) tail += s.reid.flush();
      if (tail) yield { id: "", object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: state.model, choices: [{ index, delta: { content: tail }, finish_reason: null }] };
    }
    if (surface) toolVerdict(ctx, run, findings, toolsT0);
    if (mod.mode !== "off") {
      const t0 = performance.now();
      let worst = { score: 0, index: 0, result: null as ReturnType<typeof moderateText> | null };
      for (const [index, s] of choices) {
        if (!s.text) continue;
        const m = moderateText(s.text);
        if (!worst.result || m.score > worst.score) worst = { score: m.score, index, result: m };
      }
      if (worst.result) {
        const over = worst.score >= mod.threshold;
        const first = choices.get(worst.index);
        const holdBackMs = first?.firstContentAt != null && first.firstReleaseAt != null ? Math.round((first.firstReleaseAt - first.firstContentAt) * 1000) / 1000 : null;
        addVerdict(
          ctx,
          run,
          {
            guard: "moderation",
            verdict: over ? "flag" : "pass",
            score: worst.score,
            spans: worst.result.spans.slice(0, 32),
            latencyMs: performance.now() - t0,
            detail: { where: `output.choices[${worst.index}]`, categories: worst.result.categories, stream: true, ...(holding ? { holdBackMs } : {}) },
          },
          "output",
        );
      }
    }
    if (run.policy.config.pii.mode !== "off" && ctx.log?.response) noteLog(ctx, { response: redactJson(run, ctx.log.response) as Record<string, never> });
    markAsyncModeration(ctx, run);
  }
  return guarded();
}

/**
 * A streamed answer that must match a JSON schema (block mode): a stream
 * cannot be taken back, so the whole answer is held, checked, repaired or
 * replaced exactly as a JSON answer is (outputGuards: tools, schema with its
 * repair and fallbacks, moderation, re-identification), then sent as chunks.
 * Invalid JSON is never streamed as if it were valid; the price is that the
 * first byte waits for the whole answer.
 */
async function* schemaCheckedStream(
  ctx: GatewayContext,
  state: CallState,
  chunks: AsyncIterable<ChatCompletionChunk>,
  opts: OutputGuardOptions,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const acc = new ChunkAccumulator(Number.POSITIVE_INFINITY); // the answer itself, not a log excerpt: never cut
  let usage: ChatCompletionChunk["usage"] = null;
  for await (const chunk of chunks) {
    acc.add(chunk);
    if (chunk.usage) usage = chunk.usage;
  }
  const answer = acc.toAnswer();
  const completion = { ...answer, ...(usage ? { usage } : {}) } as unknown as ChatCompletion;
  const guarded = await outputGuards(ctx, completion, opts);
  yield* completionToChunks(guarded, { includeUsage: state.chat?.stream_options?.include_usage === true });
}
