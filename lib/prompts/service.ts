import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { NotFoundError } from "@/lib/errors";
import type { TenantCtx } from "@/lib/authz/context";
import { asRecord } from "@/lib/http/json";
import type { Prompt } from "@/lib/prompts/schema";

const include = {
  versions: { orderBy: { version: "desc" } },
  labels: { orderBy: { name: "asc" }, include: { version: { select: { version: true } } } },
} as const satisfies Prisma.PromptInclude;

type PromptRow = Prisma.PromptGetPayload<{ include: typeof include }>;

export function toPrompt(r: PromptRow): Prompt {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    featureId: r.featureId,
    versions: r.versions.map((v) => ({
      id: v.id,
      version: v.version,
      template: v.template,
      variables: asRecord(v.variables),
      params: asRecord(v.params),
      outputSchema: v.outputSchema ?? null,
      commitMessage: v.commitMessage,
      authorId: v.authorId,
      createdAt: v.createdAt.toISOString(),
    })),
    labels: r.labels.map((l) => ({
      id: l.id,
      name: l.name,
      versionId: l.versionId,
      version: l.version.version,
      canaryVersionId: l.canaryVersionId,
      canaryPercent: l.canaryPercent,
      protected: l.protected,
      updatedAt: l.updatedAt.toISOString(),
    })),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listPrompts(ctx: TenantCtx): Promise<Prompt[]> {
  const rows = await db.prompt.findMany({ where: { tenantId: ctx.tenantId }, include, orderBy: { name: "asc" } });
  return rows.map(toPrompt);
}

export async function getPromptOrThrow(ctx: TenantCtx, id: string): Promise<Prompt> {
  const row = await db.prompt.findFirst({ where: { id, tenantId: ctx.tenantId }, include });
  if (!row) throw new NotFoundError("prompt", id);
  return toPrompt(row);
}
