"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PlaygroundResult, type PlaygroundInput } from "@/lib/prompts/schema";
import { sendData } from "@/components/api/client";
import { promptApi, promptKey } from "./use-prompt";

/** One real gateway call with a version and the variables filled in (the answer is a result even when it is an error). */
export function useRunPlayground(slug: string, promptId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: PlaygroundInput) => sendData("POST", promptApi(slug, promptId, "playground"), input, PlaygroundResult),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: [...promptKey(slug, promptId), "stats"] });
    },
  });
}
