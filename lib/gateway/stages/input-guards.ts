import type { Stage } from "@/lib/gateway/types";

/** Stage 5, input guards: token limit, injection score, PII redaction before anything leaves (a later issue fills it in). */
export const inputGuards: Stage = () => undefined;
