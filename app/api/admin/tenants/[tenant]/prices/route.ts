import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreatePriceInput } from "@/lib/prices/schema";
import { createPrice, listPrices } from "@/lib/prices/service";

export const GET = tenantRoute({ permission: "providers:read" }, ({ ctx }) => listPrices(ctx));

export const POST = tenantRoute({ permission: "providers:write", body: CreatePriceInput }, async ({ ctx, body }) =>
  created(await createPrice(ctx, body)),
);
