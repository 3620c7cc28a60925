"use client";

import { useMutation } from "@tanstack/react-query";
import { GuardTestResult, type GuardTestInput } from "@/lib/guards/schema";
import { sendData, tenantApi } from "@/components/api/client";

/** "Test this text": each guard's verdict and spans; the server stores nothing, and neither does this (no cache key). */
export function useTestGuards(slug: string) {
  return useMutation({
    mutationFn: (input: Partial<GuardTestInput> & { text: string }) => sendData("POST", tenantApi(slug, "guards/test"), input, GuardTestResult),
  });
}
