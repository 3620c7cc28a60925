import { UnrecoverableError, type Job } from "bullmq";
import { z } from "zod";
import { decryptSecret } from "@/lib/crypto";
import type { Db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { effectiveGuardPolicy } from "@/lib/guards/effective";
import { openOrAppendIncident } from "@/lib/incidents/open";
import { log } from "@/lib/log";
import { ModerationJob } from "@/lib/queues/moderation";
import { GuardVerdict } from "@/lib/queues/request-log";
import type { JobProcessor } from "@/workers/runtime";

/**
 * The moderation queue (lib/queues/moderation.ts): the slower check of a
 * logged answer. Per job: re-parse the payload, read the record (tenant-
 * scoped) and the effective guard policy, send the answer's text (the
 * redacted form the log holds) to the policy's moderation route in OpenAI's
 * format (`POST {baseUrl}/moderations`), append an `async` moderation verdict
 * to the row, and over the threshold open (or add to) a `policy_violation`
 * incident for the feature. An upstream failure retries the job with backoff;
 * a bad payload or a missing route is unrecoverable.
 */

const ModerationResponse = z.object({
  results: z
    .array(z.object({ flagged: z.boolean(), categories: z.record(z.string(), z.boolean()).default({}), category_scores: z.record(z.string(), z.number()).default({}) }))
    .min(1),
});

const MAX_TEXT = 32_000;
const TIMEOUT_MS = 15_000;

/** The text of a logged answer (OpenAI chat completion or Anthropic message shape). */
export function answerText(response: unknown): string {
  const parts: string[] = [];
  const r = response as { choices?: Array<{ message?: { content?: unknown } }>; content?: Array<{ type?: string; text?: unknown }> } | null;
  for (const c of r?.choices ?? []) if (typeof c.message?.content === "string") parts.push(c.message.content);
  for (const b of Array.isArray(r?.content) ? r.content : []) if (typeof b.text === "string") parts.push(b.text);
  return parts.join("\n").slice(0, MAX_TEXT);
}

export interface ModerationProcessorDeps {
  db: Db;
  fetch?: typeof fetch;
}

/** The moderation route's first enabled target with its provider: where to POST. */
async function moderationEndpoint(db: Db, tenantId: string, alias: string): Promise<{ url: string; apiKey: string | null; model: string }> {
  const route = await db.route.findFirst({
    where: { tenantId, alias },
    select: {
      targets: {
        where: { enabled: true },
        orderBy: { position: "asc" },
        take: 1,
        select: { model: { select: { name: true, provider: { select: { baseUrl: true, secretCiphertext: true, enabled: true } } } } },
      },
    },
  });
  const target = route?.targets[0];
  if (!target || !target.model.provider.enabled) throw new UnrecoverableError(`moderation route '${alias.slice(0, 100)}' has no usable target`);
  const p = target.model.provider;
  return { url: `${p.baseUrl.replace(/\/+$/, "")}/moderations`, apiKey: p.secretCiphertext ? decryptSecret(p.secretCiphertext) : null, model: target.model.name };
}

export function createModerationProcessor(deps: ModerationProcessorDeps): JobProcessor {
  const doFetch = deps.fetch ?? fetch;
  return {
    async process(job: Job): Promise<unknown> {
      const parsed = ModerationJob.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid moderation payload (${parsed.error.issues[0]?.message ?? "invalid"})`);
      const { requestId, tenantId } = parsed.data;
      const row = await deps.db.requestLog.findFirst({
        where: { id: requestId, tenantId, createdAt: new Date(parsed.data.createdAt) },
        select: { featureId: true, response: true, guardVerdicts: true, metadata: true },
      });
      if (!row) throw new UnrecoverableError(`request log ${requestId} not found`);
      const policy = (await effectiveGuardPolicy(deps.db, tenantId, row.featureId)).config.moderation.async;
      if (!policy.enabled || !policy.route) return { skipped: "disabled" };
      const text = answerText(row.response);
      if (!text) return { skipped: "no text" };

      const endpoint = await moderationEndpoint(deps.db, tenantId, policy.route);
      const t0 = performance.now();
      const res = await doFetch(endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}) },
        body: JSON.stringify({ model: endpoint.model, input: text }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`moderation route answered ${res.status}`);
      const body = ModerationResponse.parse(await res.json());
      const result = body.results[0];
      if (!result) throw new Error("moderation route answered no result");
      let score = 0;
      const categories: Record<string, number> = {};
      for (const [name, s] of Object.entries(result.category_scores)) {
        if (s > score) score = s;
        if (s >= 0.01) categories[name] = Math.round(s * 1000) / 1000;
      }
      score = Math.min(1, Math.max(0, score));
      const flagged = score >= policy.threshold;
      const verdict = GuardVerdict.parse({
        guard: "moderation",
        stage: "async",
        verdict: flagged ? "flag" : "pass",
        score,
        spans: [],
        latencyMs: Math.round(performance.now() - t0),
        detail: { route: policy.route, categories, providerFlagged: result.flagged },
      });
      const verdicts = Array.isArray(row.guardVerdicts) ? [...(row.guardVerdicts as Prisma.InputJsonValue[])] : [];
      verdicts.push(verdict as Prisma.InputJsonValue);
      const metadata = { ...((row.metadata ?? {}) as Record<string, Prisma.InputJsonValue>), asyncModeration: flagged ? "flagged" : "passed" };
      await deps.db.requestLog.updateMany({ where: { id: requestId, tenantId, createdAt: new Date(parsed.data.createdAt) }, data: { guardVerdicts: verdicts, metadata } });
      if (flagged) {
        const top = Object.entries(categories).sort((a, b) => b[1] - a[1])[0];
        const incident = await openOrAppendIncident(deps.db, {
          tenantId,
          signal: "policy_violation",
          severity: score >= 0.9 ? "high" : "medium",
          title: `Policy violation: a logged answer was flagged by moderation${top ? ` (${top[0]})` : ""}`,
          dedupeKey: `policy_violation:${row.featureId ?? "tenant"}`,
          details: { requestId, featureId: row.featureId ?? "", score, categories, route: policy.route },
          message: `Response ${requestId} flagged${top ? `: ${top[0]} ${top[1]}` : ""}`,
        });
        log("warn", "moderation.flagged", { requestId, tenantId, score, incidentId: incident.incidentId, opened: incident.opened });
      }
      return { flagged, score };
    },
  };
}
