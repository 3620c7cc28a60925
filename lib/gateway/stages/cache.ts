import type { Stage } from "@/lib/gateway/types";

/** Stage 7, cache: tenant-scoped exact (later semantic) response cache; answers early on a hit (a later issue fills it in). */
export const cache: Stage = () => undefined;
