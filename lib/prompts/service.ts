import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, validationError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { roleCan } from "@/lib/authz/permissions";
import type { TenantCtx } from "@/lib/authz/context";
import { writeAudit, type Tx } from "@/lib/audit/write";
import { publishConfigChange } from "@/lib/config-events";
import { asRecord } from "@/lib/http/json";
import { diffPromptVersions } from "@/lib/prompts/diff";
import { validatePromptVersionContent } from "@/lib/prompts/render";
import {
  CreatePromptVersionInput,
  MovePromptLabelInput,
  PlaygroundInput,
  PromptLabelName,
  PROTECTED_LABELS,
  type CreatePromptInput,
  type PlaygroundResult,
  type Prompt,
  type PromptDiffQuery,
  type PromptLabel,
  type PromptStats,
  type PromptVersion,
  type PromptVersionDiff,
} from "@/lib/prompts/schema";

/**
 * Prompts, versions and labels: the control plane's reads and writes.
 *
 * - Versions are immutable and numbered (max + 1 under a row lock on the
 *   prompt), with author, commit message, template, declared variables,
 *   default parameters and an optional output schema; the template is
 *   checked when saved (validatePromptVersionContent: every variable used is
 *   declared, context variables stay out of system messages).
 * - A label points at a version; moving it is the release and the rollback.
 *   A protected label (`production`) moves only with `prompts:promote`. A
 *   label may split its traffic with a canary version by percentage (sticky
 *   per end-user in the gateway).
 * Every write: role checked, audit row in the same transaction, announced
 * after the commit so every gateway reloads within a second.
 */

const include = {
  versions: { orderBy: { version: "desc" } },
  labels: { orderBy: { name: "asc" }, include: { version: { select: { version: true } } } },
} as const satisfies Prisma.PromptInclude;

type PromptRow = Prisma.PromptGetPayload<{ include: typeof include }>;
type VersionRow = Prisma.PromptVersionGetPayload<object>;
type LabelRow = Prisma.PromptLabelGetPayload<{ include: { version: { select: { version: true } } } }>;

function toVersion(v: VersionRow, authors: ReadonlyMap<string, string>): PromptVersion {
  return {
    id: v.id,
    version: v.version,
    template: v.template,
    variables: asRecord(v.variables),
    params: asRecord(v.params),
    outputSchema: v.outputSchema ?? null,
    commitMessage: v.commitMessage,
    authorId: v.authorId,
    author: v.authorId ? (authors.get(v.authorId) ?? null) : null,
    createdAt: v.createdAt.toISOString(),
  };
}

function toLabel(l: LabelRow): PromptLabel {
  return {
    id: l.id,
    name: l.name,
    versionId: l.versionId,
    version: l.version.version,
    canaryVersionId: l.canaryVersionId,
    canaryPercent: l.canaryPercent,
    protected: l.protected,
    updatedAt: l.updatedAt.toISOString(),
  };
}

export function toPrompt(r: PromptRow, authors: ReadonlyMap<string, string> = new Map()): Prompt {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    featureId: r.featureId,
    versions: r.versions.map((v) => toVersion(v, authors)),
    labels: r.labels.map(toLabel),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** Authors of versions: a user's email, or an admin token's name. */
async function authorLabels(rows: readonly PromptRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => r.versions.map((v) => v.authorId)).filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return new Map();
  const [users, tokens] = await Promise.all([
    db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } }),
    db.adminToken.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  ]);
  return new Map([...users.map((u): [string, string] => [u.id, u.email]), ...tokens.map((t): [string, string] => [t.id, t.name])]);
}

export async function listPrompts(ctx: TenantCtx): Promise<Prompt[]> {
  const rows = await db.prompt.findMany({ where: { tenantId: ctx.tenantId }, include, orderBy: { name: "asc" } });
  const authors = await authorLabels(rows);
  return rows.map((r) => toPrompt(r, authors));
}

/** A prompt with its versions (newest first) and labels. */
export async function getPromptOrThrow(ctx: TenantCtx, id: string): Promise<Prompt> {
  const row = await db.prompt.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
  if (!row) throw new NotFoundError("prompt", id);
  return toPrompt(row, await authorLabels([row]));
}

/** Locks the prompt row for the rest of the transaction (version numbering, label moves); 404 when not the tenant's. */
async function lockPrompt(tx: Tx, ctx: TenantCtx, id: string): Promise<{ id: string; name: string; featureId: string | null }> {
  await tx.$queryRaw`SELECT id FROM prompts WHERE id = ${id} AND tenant_id = ${ctx.tenantId} FOR UPDATE`;
  const prompt = await tx.prompt.findFirst({ where: { id, tenantId: ctx.tenantId }, select: { id: true, name: true, featureId: true } });
  if (!prompt) throw new NotFoundError("prompt", id);
  return prompt;
}

export async function createPrompt(ctx: TenantCtx, input: CreatePromptInput): Promise<Prompt> {
  const prompt = await db.$transaction(async (tx) => {
    if (input.featureId) {
      const f = await tx.feature.findFirst({ where: { id: input.featureId, tenantId: ctx.tenantId }, select: { id: true } });
      if (!f) throw new BadRequestError(`featureId: no feature '${input.featureId}' in this tenant`, "featureId", "validation_failed");
    }
    if (await tx.prompt.findFirst({ where: { tenantId: ctx.tenantId, name: input.name }, select: { id: true } })) {
      throw new ConflictError(`A prompt named '${input.name}' already exists in this tenant`, "name");
    }
    const row = await tx.prompt.create({
      data: { id: newId("prompt"), tenantId: ctx.tenantId, name: input.name, featureId: input.featureId ?? null, description: input.description ?? "" },
      include,
    });
    const dto = toPrompt(row);
    await writeAudit(tx, ctx, {
      action: "prompt:create",
      resourceType: "prompt",
      resourceId: dto.id,
      after: { id: dto.id, name: dto.name, featureId: dto.featureId, description: dto.description },
    });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "prompt", id: prompt.id });
  return prompt;
}

/**
 * Saves a new immutable version, numbered max + 1. The template is checked
 * first (400 naming the undeclared variable or the bad field); nothing is
 * written unless the whole version is valid.
 */
export async function createPromptVersion(ctx: TenantCtx, promptId: string, input: CreatePromptVersionInput): Promise<PromptVersion> {
  const parsed = CreatePromptVersionInput.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const { template, variables } = validatePromptVersionContent({ template: parsed.data.template, variables: parsed.data.variables });
  const params = parsed.data.params ?? {};
  const outputSchema = parsed.data.outputSchema ?? null;

  const version = await db.$transaction(async (tx) => {
    const prompt = await lockPrompt(tx, ctx, promptId);
    const last = await tx.promptVersion.aggregate({ where: { tenantId: ctx.tenantId, promptId }, _max: { version: true } });
    const row = await tx.promptVersion.create({
      data: {
        id: newId("promptVersion"),
        tenantId: ctx.tenantId,
        promptId,
        version: (last._max.version ?? 0) + 1,
        template: template as Prisma.InputJsonValue,
        variables: variables as Prisma.InputJsonValue,
        params: params as Prisma.InputJsonValue,
        ...(outputSchema ? { outputSchema: outputSchema as Prisma.InputJsonValue } : {}),
        commitMessage: parsed.data.commitMessage,
        authorId: ctx.actor.id,
      },
    });
    await tx.prompt.update({ where: { id: promptId }, data: { updatedAt: new Date() } });
    const dto = toVersion(row, new Map([[ctx.actor.id, ctx.actor.label]]));
    await writeAudit(tx, ctx, {
      action: "prompt_version:create",
      resourceType: "prompt_version",
      resourceId: dto.id,
      after: { prompt: prompt.name, promptId, ...dto },
    });
    return dto;
  });
  await publishConfigChange({ tenantId: ctx.tenantId, kind: "prompt", id: promptId });
  return version;
}

/** The side-by-side and unified diff of two versions of this prompt (404 naming a version that is not one of its). */
export async function diffPromptVersionsOf(ctx: TenantCtx, promptId: string, query: PromptDiffQuery): Promise<PromptVersionDiff> {
  const prompt = await db.prompt.findFirst({ where: { id: promptId, tenantId: ctx.tenantId }, select: { id: true } });
  if (!prompt) throw new NotFoundError("prompt", promptId);
  const rows = await db.promptVersion.findMany({ where: { tenantId: ctx.tenantId, promptId, id: { in: [query.from, query.to] } } });
  const from = rows.find((r) => r.id === query.from);
  if (!from) throw new NotFoundError("prompt_version", query.from);
  const to = rows.find((r) => r.id === query.to);
  if (!to) throw new NotFoundError("prompt_version", query.to);
  return diffPromptVersions(from, to, { context: query.context });
}

async function versionOfPrompt(tx: Tx, ctx: TenantCtx, prompt: { id: string; name: string }, id: string, field: string) {
  const v = await tx.promptVersion.findFirst({ where: { id, tenantId: ctx.tenantId }, select: { id: true, promptId: true, version: true } });
  if (!v || v.promptId !== prompt.id) {
    throw new BadRequestError(`${field}: '${id}' is not a version of prompt '${prompt.name}'`, field, "validation_failed");
  }
  return v;
}

/**
 * Creates or moves a label: the release and the rollback (PUT: the body is
 * the label's whole new state; no canary fields = no canary). A protected
 * label moves only with prompts:promote. Unchanged: no audit row, no announcement.
 */
export async function movePromptLabel(ctx: TenantCtx, promptId: string, labelName: string, input: MovePromptLabelInput): Promise<PromptLabel> {
  const name = PromptLabelName.safeParse(labelName);
  if (!name.success) throw new BadRequestError(`name: ${name.error.issues[0]?.message ?? "invalid label name"}`, "name", "validation_failed");
  const body = MovePromptLabelInput.safeParse(input);
  if (!body.success) throw validationError(body.error.issues);
  const { versionId } = body.data;
  const canaryVersionId = body.data.canaryVersionId ?? null;
  const canaryPercent = body.data.canaryPercent ?? 0;
  if (canaryVersionId === null && canaryPercent > 0) {
    throw new BadRequestError("canaryPercent: a canary needs canaryVersionId (the version to ramp up)", "canaryPercent", "validation_failed");
  }
  if (canaryVersionId !== null && body.data.canaryPercent === undefined) {
    throw new BadRequestError("canaryPercent: required with canaryVersionId (the share of traffic, 0-100)", "canaryPercent", "validation_failed");
  }
  if (canaryVersionId !== null && canaryVersionId === versionId) {
    throw new BadRequestError("canaryVersionId: must differ from versionId", "canaryVersionId", "validation_failed");
  }

  const result = await db.$transaction(async (tx) => {
    const prompt = await lockPrompt(tx, ctx, promptId);
    await versionOfPrompt(tx, ctx, prompt, versionId, "versionId");
    const canary = canaryVersionId ? await versionOfPrompt(tx, ctx, prompt, canaryVersionId, "canaryVersionId") : null;
    const existing = await tx.promptLabel.findUnique({
      where: { tenantId_promptId_name: { tenantId: ctx.tenantId, promptId, name: name.data } },
      include: { version: { select: { version: true } } },
    });
    const isProtected = existing?.protected ?? PROTECTED_LABELS.has(name.data);
    if (isProtected && !roleCan(ctx.role, "prompts:promote")) {
      throw new ForbiddenError(`Your role '${ctx.role}' does not allow prompts:promote (moving protected label '${name.data}')`);
    }
    if (existing && existing.versionId === versionId && existing.canaryVersionId === canaryVersionId && existing.canaryPercent === canaryPercent) {
      return { label: toLabel(existing), changed: false };
    }
    const data = { versionId, canaryVersionId, canaryPercent };
    const row = existing
      ? await tx.promptLabel.update({ where: { id: existing.id }, data, include: { version: { select: { version: true } } } })
      : await tx.promptLabel.create({
          data: { id: newId("promptLabel"), tenantId: ctx.tenantId, promptId, name: name.data, protected: isProtected, ...data },
          include: { version: { select: { version: true } } },
        });
    const after = toLabel(row);
    const shape = (l: PromptLabel | null, canaryVersion: number | null) =>
      l && { prompt: prompt.name, label: l.name, version: l.version, versionId: l.versionId, canaryVersion, canaryVersionId: l.canaryVersionId, canaryPercent: l.canaryPercent };
    let beforeCanary: number | null = null;
    if (existing?.canaryVersionId) {
      beforeCanary = (await tx.promptVersion.findUnique({ where: { id: existing.canaryVersionId }, select: { version: true } }))?.version ?? null;
    }
    await writeAudit(tx, ctx, {
      action: existing ? "prompt_label:move" : "prompt_label:create",
      resourceType: "prompt_label",
      resourceId: after.id,
      before: existing ? shape(toLabel(existing), beforeCanary) : undefined,
      after: shape(after, canary?.version ?? null),
    });
    return { label: after, changed: true };
  });
  if (result.changed) await publishConfigChange({ tenantId: ctx.tenantId, kind: "prompt", id: promptId });
  return result.label;
}

// ---------------------------------------------------------------- stats

export const PROMPT_STATS_WINDOW_DAYS = 7;

interface StatsRow {
  version_id: string;
  requests: number;
  errors: number;
  p50: number | null;
  cost: string | null;
  negative: number;
}

/**
 * Per version over the last 7 days, from request_logs.prompt_version_id:
 * requests, errors (status error), median latency, cost, and requests with
 * negative feedback. Versions without traffic are listed with zeros.
 */
export async function getPromptStats(ctx: TenantCtx, promptId: string, now = new Date()): Promise<PromptStats> {
  const prompt = await db.prompt.findFirst({
    where: { id: promptId, tenantId: ctx.tenantId },
    select: { versions: { select: { id: true, version: true }, orderBy: { version: "desc" } } },
  });
  if (!prompt) throw new NotFoundError("prompt", promptId);
  const since = new Date(now.getTime() - PROMPT_STATS_WINDOW_DAYS * 86_400_000);
  const ids = prompt.versions.map((v) => v.id);
  const rows =
    ids.length === 0
      ? []
      : await db.$queryRaw<StatsRow[]>`
          SELECT r.prompt_version_id AS version_id,
                 count(*)::int AS requests,
                 (count(*) FILTER (WHERE r.status = 'error'))::int AS errors,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms)::float8 AS p50,
                 sum(r.cost_micros)::text AS cost,
                 (count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM feedback f WHERE f.tenant_id = r.tenant_id AND f.request_id = r.id AND f.score < 0
                 )))::int AS negative
            FROM request_logs r
           WHERE r.tenant_id = ${ctx.tenantId}
             AND r.created_at >= ${since}
             AND r.prompt_version_id = ANY(${ids}::text[])
           GROUP BY r.prompt_version_id`;
  const byId = new Map(rows.map((r) => [r.version_id, r]));
  return {
    windowDays: PROMPT_STATS_WINDOW_DAYS,
    since: since.toISOString(),
    versions: prompt.versions.map((v) => {
      const r = byId.get(v.id);
      const requests = r?.requests ?? 0;
      return {
        versionId: v.id,
        version: v.version,
        requests,
        errors: r?.errors ?? 0,
        errorRate: requests ? (r?.errors ?? 0) / requests : 0,
        p50LatencyMs: r?.p50 === null || r?.p50 === undefined ? null : Math.round(r.p50),
        costMicros: r?.cost ?? "0",
        negativeFeedback: r?.negative ?? 0,
        negativeFeedbackRate: requests ? (r?.negative ?? 0) / requests : 0,
      };
    }),
  };
}

// ---------------------------------------------------------------- playground

/** A chat completion request the playground asks the gateway to run for the tenant (domains never import the gateway: the route handler passes it in). */
export interface PlaygroundCall {
  tenantId: string;
  tenantSlug: string;
  featureId: string | null;
  promptName: string;
  version: number;
  body: Record<string, unknown>;
}

export type PlaygroundGateway = (call: PlaygroundCall) => Promise<{ status: number; headers: Record<string, string>; body: unknown }>;

/**
 * Runs one version through the real gateway pipeline (switches, prompt
 * rendering, guards, routing, the request log) with the caller's variables:
 * `{ model, prompt: { name, version, variables } }`. The gateway's answer is
 * returned as is, errors included (a 400 naming a missing variable is a result).
 */
export async function runPromptPlayground(
  ctx: TenantCtx,
  promptId: string,
  input: PlaygroundInput,
  gateway: PlaygroundGateway,
): Promise<PlaygroundResult> {
  const parsed = PlaygroundInput.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error.issues);
  const prompt = await db.prompt.findFirst({ where: { id: promptId, tenantId: ctx.tenantId }, select: { id: true, name: true, featureId: true } });
  if (!prompt) throw new NotFoundError("prompt", promptId);
  const version = await db.promptVersion.findFirst({ where: { id: parsed.data.versionId, tenantId: ctx.tenantId, promptId } });
  if (!version) throw new BadRequestError(`versionId: '${parsed.data.versionId}' is not a version of prompt '${prompt.name}'`, "versionId", "validation_failed");

  let model = parsed.data.model ?? null;
  const defaultModel = asRecord(version.params).model;
  if (!model && typeof defaultModel === "string" && defaultModel) model = defaultModel;
  if (!model && prompt.featureId) {
    const route = await db.route.findFirst({ where: { tenantId: ctx.tenantId, featureId: prompt.featureId }, orderBy: { createdAt: "asc" }, select: { alias: true } });
    model = route?.alias ?? null;
  }
  if (!model) {
    throw new BadRequestError("model: required (the version sets no default params.model and its feature has no route)", "model", "validation_failed");
  }
  const res = await gateway({
    tenantId: ctx.tenantId,
    tenantSlug: ctx.tenantSlug,
    featureId: prompt.featureId,
    promptName: prompt.name,
    version: version.version,
    body: { model, messages: [], stream: false, prompt: { name: prompt.name, version: version.version, variables: parsed.data.variables } },
  });
  return { status: res.status, headers: res.headers, body: res.body, model, promptVersionId: version.id };
}
