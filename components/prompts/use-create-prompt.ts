"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Prompt, type CreatePromptInput } from "@/lib/prompts/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { promptsKey } from "./use-prompts";

export function useCreatePrompt(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CreatePromptInput) => sendData("POST", tenantApi(slug, "prompts"), input, Prompt),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: promptsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
