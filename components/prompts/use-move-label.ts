"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PromptLabel, type MovePromptLabelInput } from "@/lib/prompts/schema";
import { sendData } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { promptApi } from "./use-prompt";
import { promptsKey } from "./use-prompts";

/**
 * Points a label at a version (creating the label if new), with an optional
 * canary split: the release and the rollback. Every gateway instance serves
 * it within a second. A protected label needs prompts:promote.
 */
export function useMoveLabel(slug: string, promptId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, ...input }: MovePromptLabelInput & { name: string }) =>
      sendData("PUT", promptApi(slug, promptId, `labels/${encodeURIComponent(name)}`), input, PromptLabel),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: promptsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
