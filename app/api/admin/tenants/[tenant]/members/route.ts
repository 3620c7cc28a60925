import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { AddMemberInput } from "@/lib/members/schema";
import { addMember, listMembers } from "@/lib/members/service";

export const GET = tenantRoute({ permission: "members:read" }, ({ ctx }) => listMembers(ctx));

export const POST = tenantRoute({ permission: "members:write", body: AddMemberInput }, async ({ ctx, body }) =>
  created(await addMember(ctx, body)),
);
