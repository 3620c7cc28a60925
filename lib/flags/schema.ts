import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

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
