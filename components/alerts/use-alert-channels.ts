"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { z } from "zod";
import { AlertChannel, AlertChannelTestResult, type CreateAlertChannelInput } from "@/lib/alerts/schema";
import { fetchData, sendData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const alertChannelsKey = (slug: string) => tenantKey(slug, "alert-channels");

export function useAlertChannels(slug: string, enabled = true) {
  return useQuery({
    queryKey: alertChannelsKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "alert-channels"), z.array(AlertChannel)),
    enabled,
  });
}

function useInvalidate(slug: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: alertChannelsKey(slug) });
    void qc.invalidateQueries({ queryKey: tenantKey(slug, "audit-log") });
  };
}

export function useCreateAlertChannel(slug: string) {
  const invalidate = useInvalidate(slug);
  return useMutation({
    mutationFn: (input: z.input<typeof CreateAlertChannelInput>) => sendData("POST", tenantApi(slug, "alert-channels"), input, AlertChannel),
    onSuccess: invalidate,
  });
}

export function useDeleteAlertChannel(slug: string) {
  const invalidate = useInvalidate(slug);
  return useMutation({
    mutationFn: (id: string) => sendData("DELETE", tenantApi(slug, `alert-channels/${encodeURIComponent(id)}`), undefined, AlertChannel),
    onSuccess: invalidate,
  });
}

export function useTestAlertChannel(slug: string) {
  const invalidate = useInvalidate(slug);
  return useMutation({
    mutationFn: (id: string) => sendData("POST", tenantApi(slug, `alert-channels/${encodeURIComponent(id)}/test`), {}, AlertChannelTestResult),
    onSuccess: invalidate,
  });
}
