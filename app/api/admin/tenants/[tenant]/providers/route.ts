import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateProviderInput } from "@/lib/providers/schema";
import { createProvider, listProviders } from "@/lib/providers/service";

export const GET = tenantRoute({ permission: "providers:read" }, ({ ctx }) => listProviders(ctx));

export const POST = tenantRoute({ permission: "providers:write", body: CreateProviderInput }, async ({ ctx, body }) =>
  created(await createProvider(ctx, body)),
);
