/**
 * Budget alerts end to end: request logs through the real request-log path
 * (queue, worker process), the roll-up it triggers, the budget check, and
 * the alert-delivery jobs POSTing to a real local HTTP receiver, once as a
 * plain webhook and once in Slack's shape. Each threshold fires once; a
 * receiver failing at first gets the alert on a retry; requests blocked by
 * the hard budget open one incident, linked to the budget runbook.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { enqueueRequestLogs, RequestLogJob, type RequestLogJobInput } from "@/lib/queues/request-log";
import { childEnv, eventually, spawnEntry, type Child } from "@/lib/testing/spawn";
import { checkBudgets } from "@/lib/usage/budget-check";

let db: Db;
let worker: Child | undefined;
let server: Server;
let base = "";
const received: Array<{ path: string; body: Record<string, unknown> }> = [];
/** Paths that answer 500 to their first POST (then 200). */
const failFirst = new Set<string>();

function record(tenantId: string, overrides: Partial<RequestLogJobInput>): RequestLogJob {
  return RequestLogJob.parse({
    id: newId("request"),
    createdAt: new Date().toISOString(),
    tenantId,
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    status: "ok",
    httpStatus: 200,
    request: { messages: [{ role: "user", content: "hi" }] },
    latencyMs: 10,
    ...overrides,
  });
}

beforeAll(async () => {
  db = createDb();
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      const path = req.url ?? "/";
      if (failFirst.delete(path)) {
        res.writeHead(500).end("try again");
        return;
      }
      received.push({ path, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = spawnEntry("workers/index.ts", childEnv({ LOG_LEVEL: "info" }));
  await worker.waitFor(/Gatehouse worker running: .*alert-delivery/);
});

afterAll(async () => {
  if (process.env.DEBUG_WORKER) process.stderr.write(`${worker?.stdout() ?? ""}\n${worker?.stderr() ?? ""}\n`);
  worker?.kill();
  await new Promise((resolve) => server.close(resolve));
  await closeQueues();
  await closeProducerConnection();
  await db.$disconnect();
});

describe("budget alerts", () => {
  it("fire once per threshold to every channel (webhook JSON and Slack shape), retried, and open one incident when the hard budget blocks", async () => {
    const tenantId = newId("tenant");
    const slug = `alerts-${tenantId.slice(-8)}`;
    await db.tenant.create({ data: { id: tenantId, slug, name: "Alerts" } });
    const hook = `/hook/${tenantId}`;
    const slack = `/slack/${tenantId}`;
    failFirst.add(slack);
    await db.alertChannel.createMany({
      data: [
        { id: newId("alertChannel"), tenantId, name: "ops webhook", kind: "webhook", url: `${base}${hook}` },
        { id: newId("alertChannel"), tenantId, name: "ops slack", kind: "slack", url: `${base}${slack}` },
        { id: newId("alertChannel"), tenantId, name: "switched off", kind: "webhook", url: `${base}/off/${tenantId}`, enabled: false },
      ],
    });
    const runbookId = newId("runbook");
    await db.runbook.create({ data: { id: runbookId, tenantId, title: "Budget exhausted", signal: "budget", body: "Raise the limit or find the spender." } });
    const budgetId = newId("budget");
    await db.budget.create({
      data: { id: budgetId, tenantId, name: "daily cap", scope: "tenant", period: "day", limitMicros: 1_000_000n, mode: "hard", alertThresholds: [50, 80, 100] },
    });

    const mine = (path: string) => received.filter((r) => r.path === path);
    // A threshold alert: the webhook's type; Slack has only text (`Budget "name" ...`).
    const thresholdsAt = (path: string) => mine(path).filter((r) => r.body.type === "budget_threshold" || /^\[[^\]]+\] Budget "/.test(String(r.body.text))).length;

    // 60% of the limit: 50 fires.
    await enqueueRequestLogs([record(tenantId, { costMicros: "350000" }), record(tenantId, { costMicros: "250000" })]);
    await eventually(async () => (thresholdsAt(hook) === 1 && thresholdsAt(slack) === 1 ? true : undefined), { what: "the 50% alert on both channels", timeoutMs: 40_000 });
    const fifty = mine(hook)[0]?.body;
    expect(fifty).toMatchObject({ type: "budget_threshold", tenantSlug: slug, budgetId, budgetName: "daily cap", threshold: 50, spentMicros: "600000", limitMicros: "1000000", period: "day", mode: "hard" });
    expect(String(fifty?.text)).toContain("$0.60 of $1.00");
    // Slack: { text, blocks } with a section block; the first POST failed (500) and the retry delivered it.
    const slackBody = mine(slack)[0]?.body;
    expect(Object.keys(slackBody ?? {}).sort()).toEqual(["blocks", "text"]);
    expect(slackBody?.text).toBe(fifty?.text);
    expect(slackBody?.blocks).toEqual(expect.arrayContaining([{ type: "section", text: { type: "mrkdwn", text: fifty?.text } }]));
    expect(failFirst.has(slack)).toBe(false);

    // 85%: 80 fires (50 does not again).
    await enqueueRequestLogs([record(tenantId, { costMicros: "250000" })]);
    await eventually(async () => (thresholdsAt(hook) === 2 && thresholdsAt(slack) === 2 ? true : undefined), { what: "the 80% alert", timeoutMs: 40_000 });
    expect(mine(hook)[1]?.body).toMatchObject({ threshold: 80, spentMicros: "850000" });

    // 100%, and the hard budget starts blocking: 100 fires, one incident opens (and is announced).
    await enqueueRequestLogs([
      record(tenantId, { costMicros: "150000" }),
      record(tenantId, { status: "blocked", httpStatus: 429, errorCode: "budget_exceeded", costMicros: "0", metadata: { budget: { id: budgetId, name: "daily cap" } } }),
      record(tenantId, { status: "blocked", httpStatus: 429, errorCode: "budget_exceeded", costMicros: "0", metadata: { budget: { id: budgetId, name: "daily cap" } } }),
    ]);
    await eventually(async () => (thresholdsAt(hook) === 3 && mine(hook).some((r) => r.body.type === "incident_opened") && mine(slack).length === 4 ? true : undefined), {
      what: "the 100% alert and the incident on both channels",
      timeoutMs: 40_000,
    });
    expect(mine(hook).filter((r) => r.body.type === "budget_threshold").map((r) => r.body.threshold)).toEqual([50, 80, 100]);
    const incidents = await db.incident.findMany({ where: { tenantId } });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ signal: "budget", status: "open", runbookId, dedupeKey: `budget:${budgetId}`, title: 'Budget "daily cap" exhausted: requests are being blocked' });
    expect(mine(hook).find((r) => r.body.type === "incident_opened")?.body).toMatchObject({ incidentId: incidents[0]?.id, runbookTitle: "Budget exhausted" });

    // More blocked traffic while it is open: still one incident; a re-check fires nothing new.
    await enqueueRequestLogs([record(tenantId, { status: "blocked", httpStatus: 429, errorCode: "budget_exceeded", costMicros: "0", metadata: { budget: { id: budgetId, name: "daily cap" } } })]);
    await eventually(async () => ((await db.requestLog.count({ where: { tenantId } })) === 7 ? true : undefined), { what: "the last request stored" });
    const enqueued: unknown[] = [];
    const again = await checkBudgets(db, tenantId, { blockedSince: new Date(Date.now() - 3_600_000), enqueue: async (jobs) => void enqueued.push(...jobs) });
    expect(again).toMatchObject({ fired: [], incidentOpened: false, incidentId: incidents[0]?.id });
    expect(enqueued).toEqual([]);
    expect(await db.incident.count({ where: { tenantId } })).toBe(1);
    expect((await db.budgetAlert.findMany({ where: { tenantId }, orderBy: { threshold: "asc" } })).map((a) => a.threshold)).toEqual([50, 80, 100]);
    // The disabled channel never heard anything.
    expect(mine(`/off/${tenantId}`)).toEqual([]);
  }, 90_000);
});
