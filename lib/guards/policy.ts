import { z } from "zod";

/**
 * The guard policy of a tenant (featureId null) or of one feature: what each
 * guard of DESIGN.md stages 5 and 10 does. Stored in `guard_policies.config`
 * (Json), parsed with these schemas wherever it is read (snapshot, dashboard,
 * CLI); every field has a default, so `{}` is the default policy.
 *
 * Modes: `off` (not run), `log` (run and record the verdict, never change the
 * request), `redact` (PII: replace spans with placeholders; other guards treat
 * it as `log`), `block` (refuse the request / cut the output).
 */
export const GuardMode = z.enum(["off", "log", "redact", "block"]);
export type GuardMode = z.infer<typeof GuardMode>;

/** What a guard decided about one text (or one request). */
export const Verdict = z.enum(["pass", "flag", "redact", "block"]);
export type Verdict = z.infer<typeof Verdict>;

const Score = z.number().min(0).max(1);

export const InjectionPolicy = z.object({
  mode: GuardMode.default("block"),
  /** Score at or above which the text is flagged (log) or blocked (block). */
  threshold: Score.default(0.5),
  /** Where the scorer looks. */
  scan: z
    .object({
      userTurns: z.boolean().default(true),
      toolResults: z.boolean().default(true),
      contextDocs: z.boolean().default(true),
    })
    .prefault({}),
  /** Optional second stage for the grey zone [greyLow, threshold): a classifier model behind a route alias. */
  classifier: z
    .object({
      route: z.string().min(1),
      greyLow: Score.default(0.25),
      timeoutMs: z.number().int().min(50).max(30_000).default(1_500),
      /** On classifier timeout or error: pass (fail open) or block (fail closed). */
      onError: z.enum(["open", "closed"]).default("open"),
    })
    .nullable()
    .default(null),
});
export type InjectionPolicy = z.infer<typeof InjectionPolicy>;

export const PiiEntity = z.enum([
  "email",
  "phone",
  "credit_card",
  "iban",
  "national_id",
  "ip_address",
  "street_address",
  "date_of_birth",
  "person",
  "secret",
]);
export type PiiEntity = z.infer<typeof PiiEntity>;

export const PiiPolicy = z.object({
  mode: GuardMode.default("redact"),
  /** Entity kinds to detect; empty = all. */
  types: z.array(PiiEntity).default([]),
  /** Put the end-user's own values back into the answer (the provider still never sees them). */
  reidentify: z.boolean().default(true),
});
export type PiiPolicy = z.infer<typeof PiiPolicy>;

export const ModerationCategory = z.enum(["hate", "harassment", "self-harm", "sexual", "sexual/minors", "violence", "illicit"]);
export type ModerationCategory = z.infer<typeof ModerationCategory>;

export const ModerationPolicy = z.object({
  /** The fast in-line check on every output. */
  mode: GuardMode.default("log"),
  threshold: Score.default(0.5),
  /** Streams: text held back before the client sees it, so a violation can stop the stream first. */
  holdBack: z
    .object({
      /** Hold the first sentence whole. */
      firstSentence: z.boolean().default(true),
      /** Then keep this many trailing tokens (about 4 characters each) unreleased. */
      tokens: z.number().int().min(0).max(512).default(16),
    })
    .prefault({}),
  /** The slower check in the worker's moderation queue (OpenAI moderation API format through a route). */
  async: z
    .object({
      enabled: z.boolean().default(false),
      /** Route alias of the moderation model; null = the in-line check only. */
      route: z.string().min(1).nullable().default(null),
      threshold: Score.default(0.5),
    })
    .prefault({}),
});
export type ModerationPolicy = z.infer<typeof ModerationPolicy>;

export const SchemaPolicy = z.object({
  /** Validate JSON outputs against the request's or the prompt version's schema. */
  mode: GuardMode.default("block"),
  /** Retry once with the validation error fed back before falling back. */
  repair: z.boolean().default(true),
});
export type SchemaPolicy = z.infer<typeof SchemaPolicy>;

export const ToolsPolicy = z.object({
  /** block: calls to tools the feature did not declare are removed and logged; log: only logged. */
  mode: GuardMode.default("block"),
});
export type ToolsPolicy = z.infer<typeof ToolsPolicy>;

export const GuardPolicyConfig = z.object({
  injection: InjectionPolicy.prefault({}),
  pii: PiiPolicy.prefault({}),
  moderation: ModerationPolicy.prefault({}),
  schema: SchemaPolicy.prefault({}),
  tools: ToolsPolicy.prefault({}),
});
export type GuardPolicyConfig = z.infer<typeof GuardPolicyConfig>;

/** The policy used where a tenant has none, and by `npm run guards`. */
export const DEFAULT_GUARD_POLICY: GuardPolicyConfig = GuardPolicyConfig.parse({});

/**
 * A stored config as the effective policy: unknown or malformed fields fall
 * back to their defaults field by field rather than failing the request.
 */
export function parseGuardPolicy(raw: unknown): GuardPolicyConfig {
  const parsed = GuardPolicyConfig.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const obj = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(GuardPolicyConfig.shape) as (keyof typeof GuardPolicyConfig.shape)[]) {
    const one = GuardPolicyConfig.shape[key].safeParse(obj[key] ?? {});
    out[key] = one.success ? one.data : GuardPolicyConfig.shape[key].parse({});
  }
  return out as GuardPolicyConfig;
}

/** A character range of a text, with what was found there (never the raw value). */
export const GuardSpan = z.object({
  start: z.number().int().min(0),
  end: z.number().int().min(0),
  type: z.string(),
});
export type GuardSpan = z.infer<typeof GuardSpan>;

/**
 * One guard's verdict on one request, as recorded in `request_logs.guard_verdicts`
 * and shown in the dashboard. `spans` locate what was found (in the text the
 * guard saw, after redaction for PII: offsets of the placeholders), never the values.
 */
export const GuardVerdict = z.object({
  guard: z.enum(["injection", "pii", "moderation", "schema", "tools", "classifier"]),
  verdict: Verdict,
  score: Score,
  spans: z.array(GuardSpan),
  latencyMs: z.number().min(0),
  /** Where it looked (`messages[2]`, `context[0]`, `output`) and why (categories, rule names). */
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type GuardVerdict = z.infer<typeof GuardVerdict>;
