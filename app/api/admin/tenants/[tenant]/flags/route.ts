import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateFlagInput } from "@/lib/flags/schema";
import { createFlag, listFlags } from "@/lib/flags/service";

export const GET = tenantRoute({ permission: "flags:read" }, ({ ctx }) => listFlags(ctx));

/** A kill switch (kind kill_switch) also needs kill_switches:write (checked by the service). */
export const POST = tenantRoute({ permission: "flags:write", body: CreateFlagInput }, async ({ ctx, body }) => created(await createFlag(ctx, body)));
