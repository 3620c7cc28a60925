"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Member } from "@/lib/members/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { membersKey } from "./use-members";

export function useRemoveMember(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `members/${encodeURIComponent(id)}`), undefined, Member),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: membersKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
