import { z } from "zod";
import { tenantRoute } from "@/lib/http/tenant-route";
import { MovePromptLabelInput } from "@/lib/prompts/schema";
import { movePromptLabel } from "@/lib/prompts/service";

const Params = z.object({ tenant: z.string().min(1), id: z.string().min(1).max(64), name: z.string().min(1).max(64) });

/** Creates or moves a label (release / rollback); a protected label (production) needs prompts:promote. */
export const PUT = tenantRoute({ permission: "prompts:write", params: Params, body: MovePromptLabelInput }, ({ ctx, params, body }) =>
  movePromptLabel(ctx, params.id, params.name, body),
);
