"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Flag, type UpdateGlobalFlagInput } from "@/lib/flags/schema";
import { sendData } from "@/components/api/client";
import { flagsKey } from "./use-flags";

/** Flips a platform-wide flag (the global kill switch). Platform admins only; the server enforces it. */
export function useUpdateGlobalFlag(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: UpdateGlobalFlagInput & { id: string }) =>
      sendData("PATCH", `/api/admin/global-flags/${encodeURIComponent(id)}`, input, Flag),
    onSettled: () => {
      // Every tenant's list shows the global flag; the cache of other tenants refetches when visited (staleTime).
      void qc.invalidateQueries({ queryKey: flagsKey(slug) });
    },
  });
}
