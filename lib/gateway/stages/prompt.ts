import type { Stage } from "@/lib/gateway/types";

/** Stage 4, prompt: `prompt: "name@label"` (or a version) -> messages with variables (a later issue fills it in; context documents: stages/context.ts). */
export const prompt: Stage = () => undefined;
