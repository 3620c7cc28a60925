import { getRedis } from "@/lib/redis";
import { log } from "@/lib/log";

/**
 * After a control-plane change commits (with its audit row), tell every web
 * instance so their data-plane snapshots drop what changed. Best effort: the
 * change is already durable; a lost message only delays it until the
 * snapshot's own TTL.
 */
export const CONFIG_CHANNEL = "gatehouse:config";

export interface ConfigChange {
  tenantId: string | null;
  /** "api_key" | "provider" | "tenant" | ... */
  resource: string;
  id: string;
}

export function publishConfigChange(change: ConfigChange): void {
  try {
    getRedis()
      .publish(CONFIG_CHANNEL, JSON.stringify(change))
      .catch((err: unknown) => log("warn", "config.publish_failed", { ...change, message: err instanceof Error ? err.message : String(err) }));
  } catch (err) {
    log("warn", "config.publish_failed", { ...change, message: err instanceof Error ? err.message : String(err) });
  }
}
