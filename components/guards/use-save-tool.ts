"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ToolDefinition, type CreateToolInput, type UpdateToolInput } from "@/lib/guards/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { toolsKey } from "./use-tools";

export type SaveToolInput = { id: null; input: CreateToolInput } | { id: string; input: UpdateToolInput };

/** Declares a tool (POST) or changes one (PATCH: description, parameters, irreversible, required role). */
export function useSaveTool(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveToolInput) =>
      save.id === null
        ? sendData("POST", tenantApi(slug, "tools"), save.input, ToolDefinition)
        : sendData("PATCH", tenantApi(slug, `tools/${encodeURIComponent(save.id)}`), save.input, ToolDefinition),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: toolsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
