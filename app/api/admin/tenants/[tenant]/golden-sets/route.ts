import { tenantRoute } from "@/lib/http/tenant-route";
import { listGoldenSets } from "@/lib/evals/service";

export const GET = tenantRoute({ permission: "evals:read" }, ({ ctx }) => listGoldenSets(ctx));
