import { created } from "@/lib/http/respond";
import { platformRoute } from "@/lib/http/platform-route";
import { CreateTenantInput } from "@/lib/tenants/schema";
import { createTenant, listTenantsForPrincipal } from "@/lib/tenants/service";

export const GET = platformRoute({ access: "authenticated" }, ({ principal }) => listTenantsForPrincipal(principal));

export const POST = platformRoute({ access: "platform_admin", body: CreateTenantInput }, async ({ ctx, body }) =>
  created(await createTenant(ctx, body)),
);
