import { platformRoute } from "@/lib/http/platform-route";
import { listGlobalFlags } from "@/lib/flags/service";

/** Platform-wide flags (the global kill switch): platform admins only. */
export const GET = platformRoute({ access: "platform_admin" }, ({ ctx }) => listGlobalFlags(ctx));
