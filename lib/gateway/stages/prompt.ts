import { z } from "zod";
import { BadRequestError, GatehouseError, validationError } from "@/lib/errors";
import { isInRollout } from "@/lib/flags/bucket";
import { snapshotReady } from "@/lib/gateway/config";
import type { PromptEntry, PromptVersionEntry } from "@/lib/gateway/config/types";
import { ChatCompletionRequest, ChatMessage } from "@/lib/gateway/openai/schema";
import { noteLog } from "@/lib/gateway/record";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { requireCallState } from "@/lib/gateway/stages/state";
import type { GatewayContext, Stage } from "@/lib/gateway/types";
import { renderPrompt } from "@/lib/prompts/render";

/**
 * Stage 4, prompt: a request that names a stored prompt instead of (or as
 * well as) writing its own messages.
 *
 *   body:    "prompt": { "name": "support-reply", "label": "production", "variables": { "customer_name": "Ada" } }
 *            "prompt": { "name": "support-reply", "version": 3, "variables": {...} }
 *            "prompt": "support-reply@production"            (no variables)
 *   header:  x-gatehouse-prompt: support-reply@production   (or @3, or no @: the `production` label)
 *            x-gatehouse-prompt-variables: {"customer_name":"Ada"}   (JSON, with the header form)
 *
 * Resolution is a Map lookup in the in-process snapshot (it keeps serving the
 * last known versions while Postgres is down): unknown prompt, label or
 * version -> 404 naming it. Neither label nor version -> the `production`
 * label. A label with a canary sends `canaryPercent`% of end-users (sticky:
 * bucket of end-user id, salted with the canary version; without an end-user
 * each request draws on its own) to the canary version.
 *
 * The version's variables are validated (missing, wrongly typed or
 * undeclared: 400 naming `prompt.variables.<name>`), its template rendered,
 * and the messages merged by one rule: the rendered messages first, then the
 * caller's own `messages` (a request may send only the prompt, on
 * `/v1/chat/completions` and `/v1/messages` alike; on `/v1/messages` the
 * caller's `system` counts as the first of its own messages). The version's
 * default parameters (temperature, max_tokens, ...) fill what the caller did
 * not set (the caller's `model` always wins: it chose the route); its output
 * schema becomes `response_format` when the caller set none. The version used
 * is recorded with the request (request_logs.prompt_version_id, and
 * metadata.prompt = { name, version, label, canary }) and answered in the
 * `x-gatehouse-prompt-version` header. `prompt` is never forwarded upstream.
 */

export const PROMPT_HEADER = "x-gatehouse-prompt";
export const PROMPT_VARIABLES_HEADER = "x-gatehouse-prompt-variables";
export const DEFAULT_PROMPT_LABEL = "production";

/** Whether the request names a stored prompt (then `messages` may be absent: validateChat uses ChatRequestWithPrompt). */
export function referencesPrompt(ctx: GatewayContext): boolean {
  if (ctx.req.headers[PROMPT_HEADER] !== undefined) return true;
  const body = ctx.body;
  return typeof body === "object" && body !== null && !Array.isArray(body) && (body as Record<string, unknown>).prompt !== undefined;
}

/** The chat request of a call that uses a stored prompt: its own messages are optional. */
export const ChatRequestWithPrompt = ChatCompletionRequest.extend({ messages: z.array(ChatMessage).default([]) });

const PromptRefObject = z
  .strictObject({
    name: z.string().min(1).max(100),
    label: z.string().min(1).max(64).optional(),
    version: z.number().int().min(1).optional(),
    variables: z.unknown().optional(),
  })
  .refine((r) => r.label === undefined || r.version === undefined, { path: ["label"], message: "give either label or version, not both" });

interface PromptRef {
  name: string;
  label: string | null;
  version: number | null;
  variables: unknown;
  /** Where it came from, for error params: `prompt` (body) or the header name. */
  param: string;
}

/** `name`, `name@label` or `name@3`. */
function parseRefString(raw: string, param: string): Omit<PromptRef, "variables"> {
  const s = raw.trim();
  const at = s.lastIndexOf("@");
  const name = at < 0 ? s : s.slice(0, at);
  const suffix = at < 0 ? null : s.slice(at + 1);
  if (!name || name.length > 100 || suffix === "" || (suffix !== null && suffix.length > 64)) {
    throw new BadRequestError(`${param} must be 'name', 'name@label' or 'name@<version number>' (got '${s.slice(0, 120)}')`, param);
  }
  if (suffix !== null && /^\d+$/.test(suffix)) {
    const version = Number(suffix);
    if (!Number.isSafeInteger(version) || version < 1) throw new BadRequestError(`${param}: a version number starts at 1`, param);
    return { name, label: null, version, param };
  }
  return { name, label: suffix, version: null, param };
}

function refOf(ctx: GatewayContext): PromptRef | null {
  const body = ctx.body as Record<string, unknown> | undefined;
  const inBody = body && typeof body === "object" ? body.prompt : undefined;
  const header = ctx.req.headers[PROMPT_HEADER];
  if (inBody !== undefined && header !== undefined) {
    throw new BadRequestError(`Name the prompt once: in the body's 'prompt' or in the ${PROMPT_HEADER} header, not both`, PROMPT_HEADER);
  }
  if (header !== undefined) {
    const ref = parseRefString(header, PROMPT_HEADER);
    const rawVars = ctx.req.headers[PROMPT_VARIABLES_HEADER];
    let variables: unknown = undefined;
    if (rawVars !== undefined) {
      try {
        variables = JSON.parse(rawVars);
      } catch {
        throw new BadRequestError(`${PROMPT_VARIABLES_HEADER} must be a JSON object of variable values`, PROMPT_VARIABLES_HEADER);
      }
    }
    return { ...ref, variables };
  }
  if (inBody === undefined || inBody === null) return null;
  if (typeof inBody === "string") return { ...parseRefString(inBody, "prompt"), variables: undefined };
  const parsed = PromptRefObject.safeParse(inBody);
  if (!parsed.success) throw validationError(parsed.error.issues.map((i) => ({ ...i, path: ["prompt", ...i.path] })));
  const p = parsed.data;
  return { name: p.name, label: p.label ?? null, version: p.version ?? null, variables: p.variables, param: "prompt" };
}

function notFound(message: string, param: string): GatehouseError {
  return new GatehouseError("not_found", message, { param });
}

interface Resolved {
  version: PromptVersionEntry;
  label: string | null;
  canary: boolean;
}

function resolveVersion(entry: PromptEntry, ref: PromptRef, unitKey: string): Resolved {
  const isBody = ref.param === "prompt";
  if (ref.version !== null) {
    const version = entry.versions.get(ref.version);
    if (!version) throw notFound(`Prompt '${entry.name}' has no version ${ref.version}`, isBody ? "prompt.version" : ref.param);
    return { version, label: null, canary: false };
  }
  const name = ref.label ?? DEFAULT_PROMPT_LABEL;
  const label = entry.labels.get(name);
  if (!label) {
    const known = [...entry.labels.keys()];
    throw notFound(
      `Prompt '${entry.name}' has no label '${name}' (${known.length ? `labels: ${known.join(", ")}` : "it has no labels yet"})`,
      isBody ? "prompt.label" : ref.param,
    );
  }
  if (label.canaryVersion && label.canaryPercent > 0 && isInRollout(entry.id, label.canaryVersion.id, unitKey, label.canaryPercent)) {
    return { version: label.canaryVersion, label: name, canary: true };
  }
  return { version: label.version, label: name, canary: false };
}

export const prompt: Stage = async (ctx) => {
  const state = requireCallState(ctx);
  const chat = state.chat;
  if (!chat) return;
  const ref = refOf(ctx);
  if (!ref) return;
  const auth = requireAuth(ctx);
  const snapshot = await snapshotReady();
  const entry = snapshot.prompt(auth.tenantId, ref.name);
  if (!entry) throw notFound(`Unknown prompt '${ref.name}'`, ref.param === "prompt" ? "prompt.name" : ref.param);
  const { version, label, canary } = resolveVersion(entry, ref, state.endUserId ?? ctx.requestId);

  const rendered = renderPrompt(version, ref.variables);
  chat.messages = [...(rendered.messages as ChatMessage[]), ...chat.messages];
  delete (chat as Record<string, unknown>).prompt;

  const target = chat as Record<string, unknown>;
  // max_tokens and max_completion_tokens are one limit: a caller who set either keeps it alone.
  const callerLimit = isSet(target.max_tokens) || isSet(target.max_completion_tokens);
  for (const [k, v] of Object.entries(version.params)) {
    if (k === "model") continue;
    if (callerLimit && (k === "max_tokens" || k === "max_completion_tokens")) continue;
    if (!isSet(target[k])) target[k] = v;
  }
  if (version.outputSchema && typeof version.outputSchema === "object" && (chat.response_format === undefined || chat.response_format === null)) {
    chat.response_format = { type: "json_schema", json_schema: { name: schemaName(entry.name), schema: version.outputSchema as Record<string, unknown> } };
  }

  ctx.responseHeaders["x-gatehouse-prompt-version"] = String(version.version);
  noteLog(ctx, {
    promptVersionId: version.id,
    metadata: { ...(ctx.log?.metadata ?? {}), prompt: { name: entry.name, version: version.version, label, canary } },
  });
};

const isSet = (v: unknown) => v !== undefined && v !== null;

/** OpenAI's json_schema name: letters, digits, `_` and `-`, at most 64. */
function schemaName(promptName: string): string {
  return promptName.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "output";
}
