import { z } from "zod";

/**
 * The config-change protocol between the control plane and every gateway
 * instance (DESIGN.md: "The hot path reads configuration from an in-process
 * snapshot"). Pure: no Redis here, so the gateway and the services share it.
 *
 * - `CONFIG_VERSION_KEY` holds a global counter, INCRemented after every
 *   committed change. A gateway's snapshot covers version v when it read v
 *   before loading from Postgres.
 * - `configChannel(db)` carries one message per change, with the new version,
 *   so instances reload within milliseconds. Lost messages are caught by
 *   each instance's periodic version check; a lost INCR by its periodic full
 *   reload (lib/gateway/config/snapshot.ts documents the bounds).
 */
export const CONFIG_CHANNEL = "gh:config";
export const CONFIG_VERSION_KEY = "gh:config:version";

/**
 * The channel for the Redis logical database `db`: `gh:config@<db>`. Keys
 * live in one database, but Redis channels are server-wide, so two
 * deployments (or test runs) sharing a Redis server on different databases
 * would otherwise wake each other's gateways.
 */
export function configChannel(db: number): string {
  return `${CONFIG_CHANNEL}@${db}`;
}

export const CONFIG_CHANGE_KINDS = [
  "api_key",
  "tenant",
  "feature",
  "route",
  "provider",
  "model",
  "price",
  "flag",
  "prompt",
  "budget",
  "guard",
  "rate_limit",
  "opt_out",
  "tool",
] as const;
export const ConfigChangeKind = z.enum(CONFIG_CHANGE_KINDS);
export type ConfigChangeKind = z.infer<typeof ConfigChangeKind>;

/** What changed: enough to log and, later, to reload only a part of the snapshot. */
export const ConfigChange = z.object({
  /** null for platform-wide rows (global flags, a new tenant is its own id). */
  tenantId: z.string().min(1).nullable(),
  kind: ConfigChangeKind,
  id: z.string().min(1).optional(),
});
export type ConfigChange = z.infer<typeof ConfigChange>;

/**
 * A message on CONFIG_CHANNEL. Receivers need only `version`; the rest is
 * parsed leniently so an older or newer publisher never stops a reload.
 */
export const ConfigMessage = z.object({
  version: z.number().int().nonnegative(),
  tenantId: z.string().nullable().optional(),
  kind: z.string().optional(),
  id: z.string().optional(),
  /** Publisher's clock, epoch ms (diagnostics: propagation delay in logs). */
  at: z.number().optional(),
});
export type ConfigMessage = z.infer<typeof ConfigMessage>;

/** The message, or null when it is not one of ours (logged by the caller). */
export function parseConfigMessage(raw: string): ConfigMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ConfigMessage.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** The counter's value as stored in Redis: a missing key is version 0. */
export function parseConfigVersion(raw: string | null): number {
  if (raw === null) return 0;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
