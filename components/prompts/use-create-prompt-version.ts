"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PromptVersion, type CreatePromptVersionInput } from "@/lib/prompts/schema";
import { sendData } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { promptApi } from "./use-prompt";
import { promptsKey } from "./use-prompts";

/** Saves a new immutable version (numbered max + 1); the server names an undeclared variable in a 400. */
export function useCreatePromptVersion(slug: string, promptId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: CreatePromptVersionInput) => sendData("POST", promptApi(slug, promptId, "versions"), input, PromptVersion),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: promptsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
