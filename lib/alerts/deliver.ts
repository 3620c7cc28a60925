import type { AlertChannelKind, AlertEvent } from "@/lib/alerts/schema";

/**
 * How an alert leaves Gatehouse: one JSON POST per channel.
 * - webhook: the event itself (`{ type, ...event, text }`), for machines.
 * - slack: Slack's incoming-webhook shape `{ text, blocks }` (also what
 *   Mattermost, Discord's /slack endpoint and most chat tools accept).
 */

function usd(micros: string): string {
  const n = BigInt(micros);
  const cents = (n + 5_000n) / 10_000n; // round to the cent
  const whole = cents / 100n;
  const rest = (cents % 100n).toString().padStart(2, "0");
  return `$${whole.toString()}.${rest}`;
}

/** One line saying what happened (Slack's `text`, the webhook's `text`). */
export function alertText(event: AlertEvent): string {
  switch (event.kind) {
    case "budget_threshold": {
      const what = event.threshold >= 100 ? (event.mode === "hard" ? "exhausted (requests are blocked)" : "exceeded") : `at ${event.threshold}%`;
      const period = event.period === "total" ? "total" : event.period === "day" ? "daily" : "monthly";
      return `[${event.tenantSlug}] Budget "${event.budgetName}" ${what}: ${usd(event.spentMicros)} of ${usd(event.limitMicros)} ${period} limit spent.`;
    }
    case "incident_opened":
      return `[${event.tenantSlug}] Incident opened: ${event.title} (${event.severity})${event.runbookTitle ? `. Runbook: ${event.runbookTitle}` : ""}`;
    case "test":
      return `[${event.tenantSlug}] Test alert from Gatehouse to channel "${event.channelName}".`;
  }
}

function slackFields(event: AlertEvent): Array<{ type: "mrkdwn"; text: string }> {
  switch (event.kind) {
    case "budget_threshold":
      return [
        { type: "mrkdwn", text: `*Budget*\n${event.budgetName} (${event.scope}, ${event.mode})` },
        { type: "mrkdwn", text: `*Threshold*\n${event.threshold}%` },
        { type: "mrkdwn", text: `*Spent*\n${usd(event.spentMicros)}` },
        { type: "mrkdwn", text: `*Limit*\n${usd(event.limitMicros)} per ${event.period}` },
      ];
    case "incident_opened":
      return [
        { type: "mrkdwn", text: `*Signal*\n${event.signal}` },
        { type: "mrkdwn", text: `*Severity*\n${event.severity}` },
      ];
    case "test":
      return [{ type: "mrkdwn", text: `*Channel*\n${event.channelName}` }];
  }
}

/** The JSON body for a channel of `kind`. */
export function alertBody(kind: AlertChannelKind, event: AlertEvent): Record<string, unknown> {
  const text = alertText(event);
  if (kind === "webhook") {
    const { kind: type, ...rest } = event;
    return { type, ...rest, text };
  }
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "section", fields: slackFields(event) },
      { type: "context", elements: [{ type: "mrkdwn", text: `Gatehouse · tenant ${event.tenantSlug} · ${event.at}` }] },
    ],
  };
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

/** POSTs one alert; never throws (the caller decides: a job retries, a test send reports). */
export async function sendAlert(url: string, kind: AlertChannelKind, event: AlertEvent, timeoutMs = 10_000): Promise<DeliveryResult> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Gatehouse-Alerts/1" },
      body: JSON.stringify(alertBody(kind, event)),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
    // The body is not needed; let the connection go back to the pool.
    await res.body?.cancel().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `receiver answered ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const what = e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, status: null, error: `could not reach the receiver (${what})` };
  }
}

/** Origin plus the last 4 characters: enough to recognise a URL without disclosing its secret path. */
export function previewUrl(url: string): string {
  try {
    const u = new URL(url);
    const tail = (u.pathname + u.search).slice(-4);
    return u.pathname.length + u.search.length > 1 ? `${u.origin}/…${tail}` : u.origin;
  } catch {
    return "(invalid URL)";
  }
}
