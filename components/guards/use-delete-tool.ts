"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ToolDefinition } from "@/lib/guards/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { toolsKey } from "./use-tools";

export function useDeleteTool(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `tools/${encodeURIComponent(id)}`), undefined, ToolDefinition),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: toolsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
