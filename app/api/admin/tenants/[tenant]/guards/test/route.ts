import { tenantRoute } from "@/lib/http/tenant-route";
import { GuardTestInput } from "@/lib/guards/schema";
import { testGuards } from "@/lib/guards/service";

/** "Test this text": each text guard's verdict and spans under a policy; nothing is stored. */
export const POST = tenantRoute({ permission: "guards:read", body: GuardTestInput }, ({ ctx, body }) => testGuards(ctx, body));
