"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { Flag, type UpdateFlagInput } from "@/lib/flags/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { flagHistoryKey } from "./use-flag-history";
import { flagsKey } from "./use-flags";

/** Edits a flag or flips it (flipping a kill switch needs kill_switches:write). */
export function useUpdateFlag(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...patch }: z.input<typeof UpdateFlagInput> & { id: string }) => sendData("PATCH", tenantApi(slug, `flags/${encodeURIComponent(id)}`), patch, Flag),
    onSettled: (_data, _error, { id }) => {
      // On failure too: the panel shows the state the server has.
      void qc.invalidateQueries({ queryKey: flagsKey(slug) });
      void qc.invalidateQueries({ queryKey: flagHistoryKey(slug, id) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
