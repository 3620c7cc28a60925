import { z } from "zod";
import { IsoDateTime, Micros } from "@/lib/http/schema";
import { percentSchema } from "@/lib/flags/rules";

export const PromptVersion = z.object({
  id: z.string(),
  version: z.number().int(),
  /** [{ role, content }] with {{variables}}. */
  template: z.unknown(),
  variables: z.record(z.string(), z.unknown()),
  params: z.record(z.string(), z.unknown()),
  outputSchema: z.unknown().nullable(),
  commitMessage: z.string(),
  authorId: z.string().nullable(),
  /** The author's email (a user) or name (an admin token); null when unknown. */
  author: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type PromptVersion = z.infer<typeof PromptVersion>;

export const PromptLabel = z.object({
  id: z.string(),
  name: z.string(),
  versionId: z.string(),
  /** The version number the label points at. */
  version: z.number().int(),
  canaryVersionId: z.string().nullable(),
  canaryPercent: z.number().int(),
  protected: z.boolean(),
  updatedAt: IsoDateTime,
});
export type PromptLabel = z.infer<typeof PromptLabel>;

export const Prompt = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  featureId: z.string().nullable(),
  /** Newest first. */
  versions: z.array(PromptVersion),
  labels: z.array(PromptLabel),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Prompt = z.infer<typeof Prompt>;

// ---------------------------------------------------------------- version content (issue 4)
// What a version holds, validated when it is saved (lib/prompts/variables.ts,
// render.ts) and rendered per request; the diff the dashboard shows (diff.ts).

export const PromptRole = z.enum(["system", "developer", "user", "assistant"]);
export type PromptRole = z.infer<typeof PromptRole>;

/** Roles whose parts are instructions: retrieved context never goes there. */
export const INSTRUCTION_ROLES: ReadonlySet<PromptRole> = new Set<PromptRole>(["system", "developer"]);

export const PromptTextPart = z.strictObject({
  type: z.literal("text"),
  text: z.string().max(100_000, { error: "a template part is at most 100,000 characters" }),
});
export type PromptTextPart = z.infer<typeof PromptTextPart>;

/** One message of a template: `content` is a `{{mustache}}` template (or a list of text parts, each one). */
export const PromptTemplateMessage = z.strictObject({
  role: PromptRole,
  name: z.string().min(1).max(64).optional(),
  content: z.union([
    z.string().max(100_000, { error: "a template part is at most 100,000 characters" }),
    z.array(PromptTextPart).min(1, { error: "content parts cannot be an empty list" }).max(50),
  ]),
});
export type PromptTemplateMessage = z.infer<typeof PromptTemplateMessage>;

export const PromptTemplate = z
  .array(PromptTemplateMessage)
  .min(1, { error: "a template has at least one message" })
  .max(100, { error: "a template has at most 100 messages" });
export type PromptTemplate = z.infer<typeof PromptTemplate>;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const VARIABLE_NAME_ERROR = "a variable name is 1-64 letters, digits or '_', not starting with a digit";
export const PromptVariableName = z.string().regex(VARIABLE_NAME, { error: VARIABLE_NAME_ERROR });

export const PromptVariableType = z.enum(["string", "number", "boolean"]);
export type PromptVariableType = z.infer<typeof PromptVariableType>;

export const PromptVariableSpec = z.strictObject({
  type: PromptVariableType,
  required: z.boolean().default(true),
  description: z.string().max(500).optional(),
  /** Retrieved content (documents, search results): untrusted, so never allowed in system or developer messages. */
  context: z.boolean().default(false),
});
export type PromptVariableSpec = z.infer<typeof PromptVariableSpec>;

/** `{ name: { type, required, description?, context? } }`. */
export const PromptVariables = z.record(z.string(), PromptVariableSpec).superRefine((v, ctx) => {
  const names = Object.keys(v);
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: `${VARIABLE_NAME_ERROR} (got '${name.slice(0, 70)}')` });
  }
  if (names.length > 100) ctx.addIssue({ code: "custom", path: [], message: "a prompt declares at most 100 variables" });
});
export type PromptVariables = z.infer<typeof PromptVariables>;

export const PromptDiffSegment = z.object({ text: z.string(), kind: z.enum(["same", "added", "removed"]) });
export type PromptDiffSegment = z.infer<typeof PromptDiffSegment>;

export const PromptDiffCell = z.object({
  /** 1-based line number on its side. */
  line: z.number().int(),
  text: z.string(),
  /** Word-level changes within a changed line (absent on unchanged, added or removed rows). */
  segments: z.array(PromptDiffSegment).optional(),
});
export type PromptDiffCell = z.infer<typeof PromptDiffCell>;

/** One side-by-side row: `changed` pairs a removed line (left) with the added line that replaces it (right). */
export const PromptDiffRow = z.object({
  kind: z.enum(["same", "added", "removed", "changed"]),
  left: PromptDiffCell.nullable(),
  right: PromptDiffCell.nullable(),
});
export type PromptDiffRow = z.infer<typeof PromptDiffRow>;

/** A unified-diff hunk (`@@ -oldStart,oldLines +newStart,newLines @@`); lines start with ' ', '-' or '+'. */
export const PromptDiffHunk = z.object({
  oldStart: z.number().int(),
  oldLines: z.number().int(),
  newStart: z.number().int(),
  newLines: z.number().int(),
  lines: z.array(z.string()),
});
export type PromptDiffHunk = z.infer<typeof PromptDiffHunk>;

export const PromptDiffField = z.enum(["template", "variables", "params", "outputSchema"]);
export type PromptDiffField = z.infer<typeof PromptDiffField>;

export const PromptDiffSection = z.object({
  field: PromptDiffField,
  changed: z.boolean(),
  added: z.number().int(),
  removed: z.number().int(),
  /** Every line of both sides, aligned. */
  rows: z.array(PromptDiffRow),
  /** Changes with `context` lines around them. */
  hunks: z.array(PromptDiffHunk),
  /** The same as a unified patch text (copy, download). */
  unified: z.string(),
});
export type PromptDiffSection = z.infer<typeof PromptDiffSection>;

export const PromptVersionDiff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  identical: z.boolean(),
  sections: z.array(PromptDiffSection),
});
export type PromptVersionDiff = z.infer<typeof PromptVersionDiff>;

// ---------------------------------------------------------------- write API (issue 4)

/** Letters, digits, `.`, `_`, `-` (it appears in `x-gatehouse-prompt: name@label`). */
export const PromptName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
  error: "a prompt name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit",
});

/** `production`, `staging`, any custom name (not all digits: `name@3` pins version 3). */
export const PromptLabelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: "a label name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit" })
  .refine((s) => !/^\d+$/.test(s), { error: "a label name cannot be all digits (name@3 means version 3)" });

/** The label that is protected when created: moving it needs `prompts:promote`. */
export const PROTECTED_LABELS: ReadonlySet<string> = new Set(["production"]);

/** `POST /api/admin/tenants/{t}/prompts` */
export const CreatePromptInput = z.strictObject({
  name: PromptName,
  featureId: z.string().min(1).max(64).nullable().optional(),
  description: z.string().max(2000).optional(),
});
export type CreatePromptInput = z.infer<typeof CreatePromptInput>;

/**
 * A version's default model parameters: applied to a request that uses the
 * prompt where the caller did not set them. `model` is what the playground
 * calls (a caller's request always names its own model).
 */
export const PromptParams = z
  .looseObject({
    model: z.string().min(1).max(200).optional(),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().min(1).optional(),
    max_completion_tokens: z.number().int().min(1).optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    seed: z.number().int().optional(),
    stop: z.union([z.string(), z.array(z.string()).min(1).max(4)]).optional(),
    reasoning_effort: z.string().optional(),
  })
  .superRefine((p, ctx) => {
    for (const k of ["messages", "prompt", "stream", "n", "user"]) {
      if (Object.hasOwn(p, k)) ctx.addIssue({ code: "custom", path: [k], message: `${k} cannot be a default parameter of a prompt version` });
    }
  });
export type PromptParams = z.infer<typeof PromptParams>;

/** `POST /api/admin/tenants/{t}/prompts/{id}/versions`: a new immutable version, numbered max + 1. */
export const CreatePromptVersionInput = z.strictObject({
  template: PromptTemplate,
  variables: PromptVariables,
  params: PromptParams.optional(),
  /** A JSON Schema the answer must follow (sent as `response_format` when the caller sets none). */
  outputSchema: z.record(z.string(), z.unknown()).nullable().optional(),
  commitMessage: z.string().trim().min(1, { error: "a commit message says what changed" }).max(1000),
});
export type CreatePromptVersionInput = z.input<typeof CreatePromptVersionInput>;

/**
 * `PUT /api/admin/tenants/{t}/prompts/{id}/labels/{name}`: creates or moves a
 * label (the release, and the rollback). `canaryVersionId` + `canaryPercent`
 * split the label's traffic (sticky per end-user); null / 0 ends the canary.
 */
export const MovePromptLabelInput = z.strictObject({
  versionId: z.string().min(1).max(64),
  canaryVersionId: z.string().min(1).max(64).nullable().optional(),
  canaryPercent: percentSchema("canaryPercent").optional(),
});
export type MovePromptLabelInput = z.infer<typeof MovePromptLabelInput>;

/** `GET .../prompts/{id}/diff?from=<versionId>&to=<versionId>&context=3` */
export const PromptDiffQuery = z.object({
  from: z.string().min(1).max(64),
  to: z.string().min(1).max(64),
  context: z.coerce.number().int().min(0).max(1000).optional(),
});
export type PromptDiffQuery = z.infer<typeof PromptDiffQuery>;

/** One version's traffic over the stats window (request_logs.prompt_version_id). */
export const PromptVersionStats = z.object({
  versionId: z.string(),
  version: z.number().int(),
  requests: z.number().int(),
  /** Requests that ended in an error (5xx, cut streams). */
  errors: z.number().int(),
  /** errors / requests (0 without requests). */
  errorRate: z.number(),
  /** Median latency; null without requests. */
  p50LatencyMs: z.number().nullable(),
  costMicros: Micros,
  /** Requests with at least one negative feedback (score < 0). */
  negativeFeedback: z.number().int(),
  negativeFeedbackRate: z.number(),
});
export type PromptVersionStats = z.infer<typeof PromptVersionStats>;

/** `GET .../prompts/{id}/stats`: every version (newest first), over the last `windowDays` days. */
export const PromptStats = z.object({
  windowDays: z.number().int(),
  since: IsoDateTime,
  versions: z.array(PromptVersionStats),
});
export type PromptStats = z.infer<typeof PromptStats>;

/** `POST .../prompts/{id}/playground`: one real gateway call with this version. */
export const PlaygroundInput = z.strictObject({
  versionId: z.string().min(1).max(64),
  variables: z.record(z.string(), z.unknown()).default({}),
  /** Route alias or model; default: the version's `params.model`, else the route of the prompt's feature. */
  model: z.string().min(1).max(200).optional(),
});
export type PlaygroundInput = z.input<typeof PlaygroundInput>;

/** What the gateway answered, as is (an error is a result too: its status and OpenAI-style body). */
export const PlaygroundResult = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.unknown(),
  model: z.string(),
  promptVersionId: z.string(),
});
export type PlaygroundResult = z.infer<typeof PlaygroundResult>;
