"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { BadAnswer } from "@/lib/feedback/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { badAnswersKey } from "./use-bad-answers";

/** Marks a bad answer resolved (audited); the queue and the request's detail refresh. */
export function useResolveBadAnswer(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("POST", tenantApi(slug, `bad-answers/${encodeURIComponent(id)}/resolve`), undefined, BadAnswer),
    onSuccess: (answer) => {
      void qc.invalidateQueries({ queryKey: badAnswersKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "requests", answer.requestId) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
