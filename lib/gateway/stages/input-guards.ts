import { BadRequestError, ForbiddenError, GatehouseError } from "@/lib/errors";
import { snapshotReady } from "@/lib/gateway/config";
import { classifyInjection } from "@/lib/gateway/guards/classifier";
import { addVerdict, newGuardRun, noteGuards, piiTypes, type GuardRun, type Redactor } from "@/lib/gateway/guards/run";
import type { ChatCompletionRequest, ChatMessage, EmbeddingsRequest } from "@/lib/gateway/openai/schema";
import { noteLog } from "@/lib/gateway/record";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { contextMessageText } from "@/lib/gateway/stages/context";
import { callStateOf, type CallState } from "@/lib/gateway/stages/state";
import type { GatewayContext, Stage } from "@/lib/gateway/types";
import type { GuardSpan, GuardVerdict, Verdict } from "@/lib/guards/policy";
import { scoreInjection } from "@/lib/guards/injection";
import { detectPii } from "@/lib/guards/pii";
import { createRedactor } from "@/lib/guards/redact";
import type { ContextDoc } from "@/lib/queues/request-log";

/**
 * Stage 5, input guards (issue 6), after the prompt and the context documents
 * are in the messages (stages/context.ts) and before anything leaves:
 *
 * 1. PII, over every text of every message (strings, text parts, tool-call
 *    arguments) and the context documents: mode `redact` replaces each value
 *    with a stable placeholder (`[EMAIL_1]`) in what is sent upstream and keeps
 *    the redactor on the call state for re-identifying the answer; `log`
 *    sends the request as is but records a redacted copy; `block` refuses
 *    with 400 `pii_detected`. In every mode the request log holds only the
 *    redacted request (the `request` field is set here, before stage 6 can
 *    refuse the request) plus kinds, counts and places.
 * 2. Prompt injection, over user turns, tool results and context documents
 *    (the policy's `scan`): score >= threshold is `block` (400
 *    `prompt_injection_detected`) in block mode, `flag` otherwise; the grey
 *    zone [greyLow, threshold) goes to the optional classifier route.
 *
 * The token limit is the cost stage's (stage 6), not repeated here.
 */

const END_USER_ROLE_HEADER = "x-gatehouse-end-user-role";
/** The key scope that lets a key set the end-user's role. */
export const END_USER_ROLE_SCOPE = "end-user-role";
const MAX_ROLE = 64;

/** The end-user's role: `x-gatehouse-end-user-role`, honoured only for keys holding the `end-user-role` scope (else 403). */
export function endUserRoleOf(ctx: GatewayContext): string | null {
  const raw = ctx.req.headers[END_USER_ROLE_HEADER]?.trim();
  if (!raw) return null;
  const scopes = requireAuth(ctx).scopes;
  if (!scopes.includes(END_USER_ROLE_SCOPE) && !scopes.includes("*")) {
    throw new ForbiddenError(`This API key may not set ${END_USER_ROLE_HEADER} (it needs the '${END_USER_ROLE_SCOPE}' scope)`);
  }
  if (raw.length > MAX_ROLE) throw new BadRequestError(`${END_USER_ROLE_HEADER} must be at most ${MAX_ROLE} characters`, END_USER_ROLE_HEADER);
  return raw;
}

/** A text of the request the guards look at, and how to write it back. */
interface TextSlot {
  where: string;
  kind: "user" | "tool" | "context" | "other";
  get(): string;
  set(text: string): void;
}

/** Every text of the messages, in order (the context message, when present, is kind `context`). */
function textSlots(messages: ChatMessage[], contextText: string | null): TextSlot[] {
  const slots: TextSlot[] = [];
  messages.forEach((m, i) => {
    const where = `messages[${i}]`;
    const content = (m as { content?: unknown }).content;
    const kind: TextSlot["kind"] =
      m.role === "user" ? (contextText !== null && content === contextText ? "context" : "user") : m.role === "tool" || m.role === "function" ? "tool" : "other";
    const holder = m as unknown as Record<string, unknown>;
    if (typeof content === "string") {
      slots.push({ where, kind, get: () => holder.content as string, set: (t) => (holder.content = t) });
    } else if (Array.isArray(content)) {
      content.forEach((part: unknown, j) => {
        if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
          const p = part as { text: string };
          slots.push({ where: `${where}.content[${j}]`, kind, get: () => p.text, set: (t) => (p.text = t) });
        }
        if (part && typeof part === "object" && typeof (part as { refusal?: unknown }).refusal === "string") {
          const p = part as { refusal: string };
          slots.push({ where: `${where}.content[${j}]`, kind: "other", get: () => p.refusal, set: (t) => (p.refusal = t) });
        }
      });
    }
    const calls = (m as { tool_calls?: unknown }).tool_calls;
    if (Array.isArray(calls)) {
      calls.forEach((c: unknown, j) => {
        const fn = c && typeof c === "object" ? (c as { function?: { arguments?: unknown } }).function : undefined;
        if (fn && typeof fn.arguments === "string") {
          const f = fn as { arguments: string };
          slots.push({ where: `${where}.tool_calls[${j}]`, kind: "other", get: () => f.arguments, set: (t) => (f.arguments = t) });
        }
      });
    }
  });
  return slots;
}

/** The request with copies of the messages (the caller's parsed body is never written). */
function copyChat(chat: ChatCompletionRequest): ChatCompletionRequest {
  return { ...chat, messages: structuredClone(chat.messages) };
}

function redactSlots(run: GuardRun, redactor: Redactor, slots: TextSlot[]): number {
  let found = 0;
  const types = piiTypes(run);
  for (const slot of slots) {
    const text = slot.get();
    const findings = detectPii(text, types);
    if (findings.length === 0) continue;
    found += findings.length;
    for (const f of findings) {
      let set = run.redactedWhere.get(f.type);
      if (!set) run.redactedWhere.set(f.type, (set = new Set()));
      if (set.size < 32) set.add(slot.where);
    }
    slot.set(redactor.redact(text, findings));
  }
  return found;
}

function redactDocs(run: GuardRun, redactor: Redactor, docs: ContextDoc[]): ContextDoc[] {
  return docs.map((d, i) => {
    const copy = { ...d };
    redactSlots(run, redactor, [{ where: `context[${i}]`, kind: "context", get: () => copy.text, set: (t) => (copy.text = t) }]);
    return copy;
  });
}

function piiGuard(ctx: GatewayContext, state: CallState, run: GuardRun, chat: ChatCompletionRequest, contextText: string | null): ChatCompletionRequest {
  const mode = run.policy.config.pii.mode;
  const t0 = performance.now();
  const redactor = createRedactor();
  // What is recorded: always a redacted copy. What is sent: redacted in redact mode.
  const logged = copyChat(chat);
  const found = redactSlots(run, redactor, textSlots(logged.messages, contextText));
  const docs = redactDocs(run, redactor, state.contextDocs);
  let sent = chat;
  if (mode === "redact") {
    run.redactor = redactor;
    sent = logged;
    state.chat = logged;
  } else {
    run.logRedactor = redactor;
  }
  run.loggedRequest = JSON.parse(JSON.stringify(logged));
  noteLog(ctx, { request: run.loggedRequest as Record<string, never>, contextDocs: docs });
  const verdict: Verdict = found === 0 ? "pass" : mode === "redact" ? "redact" : mode === "block" ? "block" : "flag";
  addVerdict(
    ctx,
    run,
    {
      guard: "pii",
      verdict,
      score: found > 0 ? 1 : 0,
      spans: [],
      latencyMs: performance.now() - t0,
      detail: { found, kinds: redactor.summary().map((s) => s.type), where: [...new Set([...run.redactedWhere.values()].flatMap((s) => [...s]))].slice(0, 32) },
    },
    "input",
  );
  if (verdict === "block") throw new GatehouseError("pii_detected", "The request contains personal data this feature may not send (PII guard in block mode)", { type: "invalid_request_error" });
  return sent;
}

async function injectionGuard(ctx: GatewayContext, state: CallState, run: GuardRun, chat: ChatCompletionRequest, contextText: string | null): Promise<void> {
  const p = run.policy.config.injection;
  const t0 = performance.now();
  const targets: { where: string; text: string }[] = [];
  for (const slot of textSlots(chat.messages, contextText)) {
    if ((slot.kind === "user" && p.scan.userTurns) || (slot.kind === "tool" && p.scan.toolResults)) targets.push({ where: slot.where, text: slot.get() });
  }
  if (p.scan.contextDocs) {
    // The documents as sent (redacted in redact mode): each on its own, so a span points into one document.
    const docs = run.redactor ? redactDocsForScan(run.redactor, state.contextDocs, run) : state.contextDocs;
    docs.forEach((d, i) => targets.push({ where: `context[${i}]`, text: d.text }));
  }
  let score = 0;
  const spans: GuardSpan[] = [];
  const rules = new Set<string>();
  const places: string[] = [];
  for (const t of targets) {
    const r = scoreInjection(t.text);
    if (r.score > 0 && places.length < 16) places.push(t.where);
    if (r.score > score) score = r.score;
    for (const s of r.spans) if (spans.length < 64) spans.push({ ...s, type: `${t.where}:${s.type}` });
    for (const rule of r.rules) rules.add(rule);
  }
  const over = score >= p.threshold;
  const verdict: Verdict = over ? (p.mode === "block" ? "block" : "flag") : "pass";
  addVerdict(ctx, run, { guard: "injection", verdict, score, spans, latencyMs: performance.now() - t0, detail: { where: places, rules: [...rules] } }, "input");
  if (verdict === "block") throw injectionDetected();
  if (!over && p.classifier && score >= p.classifier.greyLow) {
    const text = targets.map((t) => t.text).join("\n\n");
    const c = await classifyInjection(ctx, p.classifier, text);
    const cv: GuardVerdict = {
      guard: "classifier",
      verdict: c.unsafe ? (p.mode === "block" ? "block" : "flag") : c.error ? "flag" : "pass",
      score: c.unsafe ? 1 : 0,
      spans: [],
      latencyMs: c.latencyMs,
      detail: { route: p.classifier.route, ...(c.error ? { error: c.error, onError: p.classifier.onError } : {}), ...(c.label ? { label: c.label } : {}) },
    };
    if (c.error && p.classifier.onError === "closed" && p.mode === "block") cv.verdict = "block";
    addVerdict(ctx, run, cv, "input");
    if (cv.verdict === "block") throw injectionDetected();
  }
}

function redactDocsForScan(redactor: Redactor, docs: ContextDoc[], run: GuardRun): ContextDoc[] {
  const types = piiTypes(run);
  return docs.map((d) => {
    const f = detectPii(d.text, types);
    return f.length ? { ...d, text: redactor.redact(d.text, f) } : d;
  });
}

function injectionDetected(): GatehouseError {
  return new GatehouseError("prompt_injection_detected", "The request was refused: it looks like a prompt-injection or jailbreak attempt", { type: "invalid_request_error" });
}

/** Embeddings: PII in the input texts (the provider would see them too); no injection scoring, nothing to re-identify. */
function embeddingsPii(ctx: GatewayContext, state: CallState, run: GuardRun, req: EmbeddingsRequest): void {
  const mode = run.policy.config.pii.mode;
  const t0 = performance.now();
  const redactor = createRedactor();
  const texts = typeof req.input === "string" ? [req.input] : req.input.every((x) => typeof x === "string") ? [...(req.input as string[])] : null;
  if (!texts) return;
  const slots: TextSlot[] = texts.map((_, i) => ({ where: `input[${i}]`, kind: "user", get: () => texts[i] ?? "", set: (t) => (texts[i] = t) }));
  const found = redactSlots(run, redactor, slots);
  const redacted: EmbeddingsRequest = { ...req, input: typeof req.input === "string" ? (texts[0] ?? "") : texts };
  if (mode === "redact") {
    run.redactor = redactor;
    state.embeddings = redacted;
  } else run.logRedactor = redactor;
  run.loggedRequest = JSON.parse(JSON.stringify(redacted));
  noteLog(ctx, { request: run.loggedRequest as Record<string, never> });
  const verdict: Verdict = found === 0 ? "pass" : mode === "redact" ? "redact" : mode === "block" ? "block" : "flag";
  addVerdict(ctx, run, { guard: "pii", verdict, score: found > 0 ? 1 : 0, spans: [], latencyMs: performance.now() - t0, detail: { found } }, "input");
  if (verdict === "block") throw new GatehouseError("pii_detected", "The request contains personal data this feature may not send (PII guard in block mode)", { type: "invalid_request_error" });
}

export const inputGuards: Stage = async (ctx) => {
  const state = callStateOf(ctx);
  if (state?.embeddings && !state.chat) {
    const snapshot = await snapshotReady();
    const run = newGuardRun(snapshot.guardPolicyFor(requireAuth(ctx).tenantId, state.featureId), null);
    state.guards = run;
    if (run.policy.config.pii.mode !== "off") embeddingsPii(ctx, state, run, state.embeddings);
    return;
  }
  const chat = state?.chat;
  if (!state || !chat) return;
  const auth = requireAuth(ctx);
  const snapshot = await snapshotReady();
  const run = newGuardRun(snapshot.guardPolicyFor(auth.tenantId, state.featureId), endUserRoleOf(ctx));
  state.guards = run;
  const contextText = state.contextDocs.length > 0 ? contextMessageText(state.contextDocs) : null;
  let sent = chat;
  if (run.policy.config.pii.mode !== "off") sent = piiGuard(ctx, state, run, chat, contextText);
  // The context message as sent (redacted in redact mode), to tell it from the user's own turns.
  const sentContext = contextText !== null && run.redactor ? redactedContextText(sent, contextText, chat) : contextText;
  if (run.policy.config.injection.mode !== "off") await injectionGuard(ctx, state, run, sent, sentContext);
  noteGuards(ctx, run);
};

/** The redacted text of the context message: the same message index as in the original request. */
function redactedContextText(sent: ChatCompletionRequest, contextText: string, original: ChatCompletionRequest): string {
  const i = original.messages.findIndex((m) => m.role === "user" && (m as { content?: unknown }).content === contextText);
  const c = i >= 0 ? (sent.messages[i] as { content?: unknown } | undefined)?.content : undefined;
  return typeof c === "string" ? c : contextText;
}
