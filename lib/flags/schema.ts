import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";
import { FlagKey as FlagKeySchema, FlagPatch as FlagPatchSchema } from "@/lib/flags/rules";

export const FlagKind = z.enum(["kill_switch", "release", "experiment", "operational", "permission"]);
export const FlagScope = z.enum(["global", "tenant", "feature", "target", "segment"]);

export const Flag = z.object({
  id: z.string(),
  /** null for platform-wide flags (the global kill switch), shown read-only to every tenant. */
  tenantId: z.string().nullable(),
  isGlobal: z.boolean(),
  key: z.string(),
  kind: FlagKind,
  scope: FlagScope,
  featureId: z.string().nullable(),
  routeTargetId: z.string().nullable(),
  providerId: z.string().nullable(),
  enabled: z.boolean(),
  rolloutPercent: z.number().int(),
  rules: z.array(z.unknown()),
  owner: z.string(),
  description: z.string(),
  expectedLifetimeDays: z.number().int().nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Flag = z.infer<typeof Flag>;

// Rules and definitions (issue 4): lib/flags/rules.ts, re-exported for the dashboard's editor.
export {
  DEFAULT_LIFETIME_DAYS,
  FlagAttribute,
  FlagCondition,
  FlagDefinition,
  FlagKey,
  FlagOperator,
  FlagPatch,
  FlagRule,
  FlagRules,
  FlagValue,
  flagLifetimeDays,
  isFlagStale,
  mergeFlagPatch,
  percentSchema,
} from "@/lib/flags/rules";
export type { FlagDefinitionInput, FlagRuleInput } from "@/lib/flags/rules";

// ---------------------------------------------------------------- write API (issue 4)

/**
 * `POST /api/admin/tenants/{t}/flags`. Defaults and cross-field checks
 * (scope vs featureId/routeTargetId/providerId, kill-switch rule values) are
 * applied by the service with FlagDefinition over the whole flag, so errors
 * name the field either way. `owner` defaults to the caller.
 */
export const CreateFlagInput = FlagPatchSchema.extend({ key: FlagKeySchema, kind: FlagKind, scope: FlagScope });
export type CreateFlagInput = z.infer<typeof CreateFlagInput>;

/** `PATCH /api/admin/tenants/{t}/flags/{id}`: any field but the key; re-validated as a whole flag. */
export const UpdateFlagInput = FlagPatchSchema;
export type UpdateFlagInput = z.infer<typeof UpdateFlagInput>;

/** `PATCH /api/admin/global-flags/{id}` (platform admins): the global kill switch and other platform-wide flags. */
export const UpdateGlobalFlagInput = z.strictObject({ enabled: z.boolean() });
export type UpdateGlobalFlagInput = z.infer<typeof UpdateGlobalFlagInput>;

/** An end-user of the tenant's application who opted out of AI processing: never sent to a model. */
export const OptOut = z.object({
  id: z.string(),
  endUserId: z.string(),
  createdAt: IsoDateTime,
});
export type OptOut = z.infer<typeof OptOut>;

export const EndUserId = z.string().trim().min(1, { error: "endUserId cannot be empty" }).max(256, { error: "endUserId is at most 256 characters" });

/** `POST /api/admin/tenants/{t}/opt-outs` */
export const OptOutInput = z.strictObject({ endUserId: EndUserId });
export type OptOutInput = z.infer<typeof OptOutInput>;

/** `DELETE /api/admin/tenants/{t}/opt-outs`: `endUserId` in the body or the query string. */
export const RemoveOptOutInput = z.strictObject({ endUserId: EndUserId.optional() });
export type RemoveOptOutInput = z.infer<typeof RemoveOptOutInput>;

/** `GET /api/admin/tenants/{t}/opt-outs?endUserId=...&cursor=...&limit=...` (newest first; endUserId: exact match). */
export const ListOptOutsQuery = z.object({
  endUserId: EndUserId.optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListOptOutsQuery = z.infer<typeof ListOptOutsQuery>;
