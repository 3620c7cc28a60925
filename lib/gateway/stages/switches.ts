import type { Stage } from "@/lib/gateway/types";

/** Stage 3, switches: global / tenant / feature kill switches, flags, end-user AI opt-out (issue 4 fills it in). */
export const switches: Stage = () => undefined;
