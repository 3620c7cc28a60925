import { UnrecoverableError, type Job } from "bullmq";
import type { Db } from "@/lib/db";
import { log } from "@/lib/log";
import { sendAlert } from "@/lib/alerts/deliver";
import { AlertDeliveryJob } from "@/lib/queues/alert-delivery";
import type { JobProcessor } from "@/workers/runtime";

/**
 * Sends one alert to one channel (lib/queues/alert-delivery.ts). The channel
 * is read now (scoped by tenant): one removed or disabled since the alert
 * fired is skipped. A receiver that does not answer 2xx fails the attempt
 * and BullMQ retries with backoff; the final failure stays in the failed set.
 */
export function createAlertDeliveryProcessor(deps: { db: Db }): JobProcessor {
  return {
    async process(job: Job): Promise<{ sent: boolean; status: number | null }> {
      const parsed = AlertDeliveryJob.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid alert-delivery payload (${parsed.error.issues[0]?.message ?? "invalid"})`);
      const { tenantId, channelId, event } = parsed.data;
      const channel = await deps.db.alertChannel.findFirst({ where: { id: channelId, tenantId } });
      if (!channel || !channel.enabled) return { sent: false, status: null };
      const result = await sendAlert(channel.url, channel.kind, event);
      if (!result.ok) {
        log("warn", "alert.delivery_failed", { tenantId, channelId, jobId: job.id, attempt: job.attemptsMade + 1, error: result.error });
        throw new Error(result.error ?? "delivery failed");
      }
      log("info", "alert.delivered", { tenantId, channelId, kind: event.kind, status: result.status });
      return { sent: true, status: result.status };
    },
  };
}
