import { platformRoute } from "@/lib/http/platform-route";
import { getMe } from "@/lib/tenants/service";

export const GET = platformRoute({ access: "authenticated" }, ({ principal }) => getMe(principal));
