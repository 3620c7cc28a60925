"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Member, type AddMemberInput } from "@/lib/members/schema";
import { sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";
import { membersKey } from "./use-members";

export function useAddMember(slug: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: AddMemberInput) => sendData("POST", tenantApi(slug, "members"), input, Member),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: membersKey(slug) });
      void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
    },
  });
}
