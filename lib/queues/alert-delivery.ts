import { z } from "zod";
import { AlertEvent } from "@/lib/alerts/schema";
import { defineQueue, jobOptions } from "@/lib/queues/define";

/**
 * Alert delivery: one job per (event, channel), so each channel retries on
 * its own (a Slack outage does not resend to the webhook that took it).
 * Processor: workers/alert-delivery.ts (POSTs the event in the channel's
 * format; a non-2xx answer or a network error fails the attempt, BullMQ
 * retries with backoff: 1, 2, 4, ... 32 s). The job id is fixed by the
 * producer (`<event key>-<channel id>`), so an event enqueued twice is sent
 * once while its job is kept.
 */
export const AlertDeliveryJob = z.object({
  tenantId: z.string().min(1),
  channelId: z.string().min(1),
  event: AlertEvent,
});
export type AlertDeliveryJob = z.output<typeof AlertDeliveryJob>;

export const alertDeliveryQueue = defineQueue({
  name: "alert-delivery",
  jobName: "deliver",
  schema: AlertDeliveryJob,
  defaultJobOptions: jobOptions({ attempts: 7, removeOnComplete: { age: 7 * 24 * 3_600, count: 10_000 } }),
  concurrency: () => 4,
});

export function deliveryJobId(eventKey: string, channelId: string): string {
  return `${eventKey}-${channelId}`.replaceAll(":", "_");
}
