"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { Flag, type CreateFlagInput } from "@/lib/flags/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { flagsKey } from "./use-flags";

/** Creates a flag (a kill switch needs kill_switches:write); audited and published to every gateway instance. */
export function useCreateFlag(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: z.input<typeof CreateFlagInput>) => sendData("POST", tenantApi(slug, "flags"), input, Flag),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: flagsKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
