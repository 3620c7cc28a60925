import { z } from "zod";
import { IsoDateTime, Micros } from "@/lib/http/schema";
import { IncidentSignal, Severity } from "@/lib/incidents/schema";

export const AlertRule = z.object({
  id: z.string(),
  name: z.string(),
  signal: IncidentSignal,
  /** { metric, op, value, windowSec, featureId? } */
  condition: z.record(z.string(), z.unknown()),
  severity: Severity,
  enabled: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type AlertRule = z.infer<typeof AlertRule>;

// ---------------------------------------------------------------- alert channels

/** Where alerts go: a JSON webhook, or a Slack-compatible incoming webhook (`{ text, blocks }`). */
export const AlertChannelKind = z.enum(["webhook", "slack"]);
export type AlertChannelKind = z.infer<typeof AlertChannelKind>;

/**
 * A channel as the API shows it. The URL is a secret (a Slack incoming
 * webhook URL is its own credential), so only its origin and last
 * characters are shown (`urlPreview`).
 */
export const AlertChannel = z.object({
  id: z.string(),
  name: z.string(),
  kind: AlertChannelKind,
  urlPreview: z.string(),
  enabled: z.boolean(),
  createdAt: IsoDateTime,
});
export type AlertChannel = z.infer<typeof AlertChannel>;

const ChannelUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2_000);

export const CreateAlertChannelInput = z.object({
  name: z.string().trim().min(1).max(100),
  kind: AlertChannelKind,
  url: ChannelUrl,
  enabled: z.boolean().default(true),
});
export type CreateAlertChannelInput = z.output<typeof CreateAlertChannelInput>;

export const UpdateAlertChannelInput = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    url: ChannelUrl.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "nothing to change");
export type UpdateAlertChannelInput = z.output<typeof UpdateAlertChannelInput>;

/** What a test send did. */
export const AlertChannelTestResult = z.object({
  ok: z.boolean(),
  /** HTTP status of the receiver, null when it could not be reached. */
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type AlertChannelTestResult = z.infer<typeof AlertChannelTestResult>;

/** What an alert is about. Sent to every enabled channel of the tenant. */
export const AlertEvent = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("budget_threshold"),
    tenantId: z.string(),
    tenantSlug: z.string(),
    budgetId: z.string(),
    budgetName: z.string(),
    scope: z.string(),
    period: z.enum(["day", "month", "total"]),
    periodStart: IsoDateTime,
    mode: z.enum(["hard", "soft"]),
    threshold: z.number().int(),
    spentMicros: Micros,
    limitMicros: Micros,
    at: IsoDateTime,
  }),
  z.object({
    kind: z.literal("incident_opened"),
    tenantId: z.string(),
    tenantSlug: z.string(),
    incidentId: z.string(),
    title: z.string(),
    signal: z.string(),
    severity: z.string(),
    runbookTitle: z.string().nullable(),
    at: IsoDateTime,
  }),
  z.object({
    kind: z.literal("test"),
    tenantId: z.string(),
    tenantSlug: z.string(),
    channelName: z.string(),
    at: IsoDateTime,
  }),
]);
export type AlertEvent = z.output<typeof AlertEvent>;
