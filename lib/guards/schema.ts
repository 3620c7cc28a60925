import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";
import { GuardPolicyConfig, GuardVerdict } from "@/lib/guards/policy";

export { GuardPolicyConfig };

/**
 * The control plane's guard shapes (issue 6): policies per tenant (featureId
 * null) or feature, the "test this text" call, and the tool surface. The
 * policy itself is lib/guards/policy.ts (shared with the gateway and the CLI).
 */

export const GuardPolicy = z.object({
  id: z.string(),
  /** null = the tenant's default policy. */
  featureId: z.string().nullable(),
  /** Bumped on every change; part of the response-cache key. */
  version: z.number().int(),
  /** The whole policy, defaults filled in (lib/guards/policy.ts). */
  config: GuardPolicyConfig,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type GuardPolicy = z.infer<typeof GuardPolicy>;

/** `PUT .../guard-policies`: the policy of a feature (or the tenant default, featureId null), created or replaced whole. */
export const PutGuardPolicyInput = z.object({
  featureId: z.string().min(1).nullable(),
  /** Partial input is completed with the defaults; unknown keys are dropped. */
  config: GuardPolicyConfig,
});
export type PutGuardPolicyInput = z.infer<typeof PutGuardPolicyInput>;

/** `GET .../guard-policies/effective?featureId=`: the policy a request of that feature gets, and where it comes from. */
export const EffectiveGuardPolicyQuery = z.object({ featureId: z.string().min(1).optional() });
export const EffectiveGuardPolicy = z.object({
  source: z.enum(["feature", "tenant", "default"]),
  policyId: z.string().nullable(),
  version: z.number().int(),
  config: GuardPolicyConfig,
});
export type EffectiveGuardPolicy = z.infer<typeof EffectiveGuardPolicy>;

export const TextGuardName = z.enum(["injection", "pii", "moderation"]);

/** `POST .../guards/test`: run the text guards on a text with a policy (given, or the effective one of a feature). */
export const GuardTestInput = z.object({
  text: z.string().max(200_000),
  guards: z.array(TextGuardName).min(1).default(["injection", "pii", "moderation"]),
  /** The policy to test with; absent = the effective policy of `featureId` (or the tenant's). */
  config: GuardPolicyConfig.optional(),
  featureId: z.string().min(1).nullable().optional(),
});
export type GuardTestInput = z.infer<typeof GuardTestInput>;

export const GuardTestResult = z.object({
  /** One verdict per guard asked; spans are offsets into `text` (never values). */
  verdicts: z.array(GuardVerdict),
  /** The text with PII replaced by placeholders, when the pii guard ran. */
  redacted: z.string().nullable(),
});
export type GuardTestResult = z.infer<typeof GuardTestResult>;

// ---------------------------------------------------------------- tools

const ToolName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "1-64 letters, digits, _ . or -");
const Role = z.string().trim().min(1).max(64);

export const ToolDefinition = z.object({
  id: z.string(),
  /** null = every feature of the tenant. */
  featureId: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  /** JSON schema of the arguments (documentation; the model gets the request's own `tools`). */
  parameters: z.record(z.string(), z.unknown()),
  /** Delete, send, purchase, permission change: returned with `requires_confirmation`, never auto-continued. */
  irreversible: z.boolean(),
  /** The end-user role needed to call it (x-gatehouse-end-user-role); null = anyone. */
  requiredRole: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

export const CreateToolInput = z.object({
  featureId: z.string().min(1).nullable().default(null),
  name: ToolName,
  description: z.string().max(2_000).default(""),
  parameters: z.record(z.string(), z.unknown()).default({}),
  irreversible: z.boolean().default(false),
  requiredRole: Role.nullable().default(null),
});
export type CreateToolInput = z.infer<typeof CreateToolInput>;

export const UpdateToolInput = z
  .object({
    description: z.string().max(2_000),
    parameters: z.record(z.string(), z.unknown()),
    irreversible: z.boolean(),
    requiredRole: Role.nullable(),
  })
  .partial();
export type UpdateToolInput = z.infer<typeof UpdateToolInput>;

// ---------------------------------------------------------------- for the dashboard

/** The policy shapes the dashboard needs (components import a domain's schema.ts only). */
export { DEFAULT_GUARD_POLICY, GuardMode, GuardSpan, GuardVerdict, PiiEntity } from "@/lib/guards/policy";
