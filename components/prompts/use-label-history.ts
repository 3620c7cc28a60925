"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { AuditLogEntry } from "@/lib/audit/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** What a label move records as `before` / `after` (lib/prompts/service.ts). */
export const LabelAuditState = z.object({ version: z.number().int(), versionId: z.string() });

/** The last moves of one label, newest first: where it pointed before, for "Roll back to vN". */
export function useLabelHistory(slug: string, labelId: string | null) {
  return useQuery({
    queryKey: tenantKey(slug, "audit-log", { resourceType: "prompt_label", resourceId: labelId }),
    queryFn: async () => {
      const q = new URLSearchParams({ resourceType: "prompt_label", resourceId: labelId ?? "", limit: "20" });
      return (await fetchPage(tenantApi(slug, `audit-log?${q}`), AuditLogEntry)).data;
    },
    enabled: labelId !== null,
  });
}

/** The version the label pointed at before its last move (null when it never moved or that version is gone). */
export function previousVersionId(history: readonly AuditLogEntry[] | undefined, currentVersionId: string): string | null {
  for (const e of history ?? []) {
    const before = LabelAuditState.safeParse(e.before);
    if (before.success && before.data.versionId !== currentVersionId) return before.data.versionId;
  }
  return null;
}
