import { created, paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { ListOptOutsQuery, OptOutInput, RemoveOptOutInput } from "@/lib/flags/schema";
import { addOptOut, listOptOuts, removeOptOut } from "@/lib/flags/opt-outs";

export const GET = tenantRoute({ permission: "flags:read", query: ListOptOutsQuery }, async ({ ctx, query }) => paged(await listOptOuts(ctx, query)));

/** 201 when added, 200 when the end-user was already on the list. */
export const POST = tenantRoute({ permission: "flags:write", body: OptOutInput }, async ({ ctx, body }) => {
  const { optOut, created: isNew } = await addOptOut(ctx, body.endUserId);
  return isNew ? created(optOut) : optOut;
});

/** `{ endUserId }` in the body, or `?endUserId=`. */
export const DELETE = tenantRoute({ permission: "flags:write", body: RemoveOptOutInput, query: RemoveOptOutInput }, ({ ctx, body, query }) =>
  removeOptOut(ctx, body.endUserId ?? query.endUserId),
);
