import type { Stage } from "@/lib/gateway/types";

/** Stage 6, limits and budget: one atomic Redis call for every rate limit and the worst-case budget reservation (a later issue fills it in). */
export const limits: Stage = () => undefined;
