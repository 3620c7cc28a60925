"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Member, type UpdateMemberInput } from "@/lib/members/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { membersKey } from "./use-members";

export function useUpdateMemberRole(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: UpdateMemberInput & { id: string }) =>
      sendData("PATCH", tenantApi(slug, `members/${encodeURIComponent(id)}`), input, Member),
    onSettled: () => {
      // On failure too: the select snaps back to the role the server has.
      void qc.invalidateQueries({ queryKey: membersKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
