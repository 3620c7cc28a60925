import type { APIRequestContext } from "@playwright/test";
import { e2eEnv } from "../lib/testing/env";
import { childEnv, spawnEntry, type Child } from "../lib/testing/spawn";
import { demo, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * The admin's journey when spend must stop: acme's traffic is served; an
 * admin sets a tiny daily budget on the tenant in the dashboard (Budgets ->
 * New budget, hard); the next requests fail with 429 `budget_exceeded`; the
 * Budgets page shows the budget spent past its limit; the Usage page shows
 * the cost and the requests blocked by the budget; and an incident (signal
 * budget, linked to the "Budget exhausted" runbook) appears under Incidents.
 *
 * The worker runs for real (workers/index.ts, spawned here on the e2e
 * database and Redis): it writes the request log, rolls it up, and opens the
 * incident. Everything asynchronous is polled, never slept.
 */
const BUDGET = "E2E tiny daily cap";
const acme = demo.tenants.acme;

let worker: Child | undefined;

test.beforeAll(async () => {
  worker = spawnEntry("workers/index.ts", childEnv({ ...e2eEnv, LOG_LEVEL: "warn" }));
  await worker.waitFor(/Gatehouse worker running: .*usage-rollup/, 60_000);
});

/** A failed run must not leave acme blocked for the specs after this one. */
test.afterAll(async ({ playwright }) => {
  worker?.kill();
  const api = await playwright.request.newContext({ baseURL: `http://127.0.0.1:${process.env.GATEHOUSE_E2E_PORT ?? 3100}`, extraHTTPHeaders: { authorization: `Bearer ${demo.adminToken}` } });
  const list = (await (await api.get(`/api/admin/tenants/${acme}/budgets`)).json()) as { data: Array<{ id: string; name: string }> };
  for (const b of list.data.filter((x) => x.name === BUDGET)) expect((await api.delete(`/api/admin/tenants/${acme}/budgets/${b.id}`)).ok()).toBe(true);
  await api.dispose();
});

async function chat(request: APIRequestContext): Promise<{ status: number; code: string | null }> {
  const res = await request.post("/v1/chat/completions", {
    headers: { authorization: `Bearer ${demo.apiKey}`, "x-gatehouse-user": "e2e-budget-user" },
    data: { model: demo.routeAlias, max_tokens: 64, messages: [{ role: "user", content: "How do I reset my password?" }] },
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status(), code: body.error?.code ?? null };
}

test("an admin sets a tiny budget: requests fail with budget_exceeded, Usage and Budgets show it, an incident opens", async ({ page, request }) => {
  test.setTimeout(120_000);

  // Before: served, and it costs something.
  for (let i = 0; i < 3; i++) expect(await chat(request)).toEqual({ status: 200, code: null });

  await signIn(page, demo.members.admin, /\/t\/acme\/overview$/);
  await page.goto(`/t/${acme}/budgets`);
  await page.getByRole("button", { name: "New budget" }).click();
  const dialog = page.getByRole("dialog", { name: "New budget" });
  await dialog.getByLabel("Name").fill(BUDGET);
  await dialog.getByLabel("Applies to").selectOption("tenant");
  await dialog.getByLabel("Period (UTC)").selectOption("day");
  await dialog.getByLabel("Limit (US dollars)").fill("0.000001");
  await dialog.getByLabel("Mode").selectOption("hard");
  await dialog.getByRole("button", { name: "Create budget" }).click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByRole("table", { name: "Budgets" }).getByRole("row", { name: new RegExp(BUDGET) });
  await expect(row).toContainText("Hard: blocks");

  // The gateways pick the budget up within a second: requests start failing with 429 budget_exceeded.
  await expect.poll(async () => chat(request), { timeout: 15_000 }).toEqual({ status: 429, code: "budget_exceeded" });
  expect(await chat(request)).toEqual({ status: 429, code: "budget_exceeded" });

  // Budgets: the live figures show today's spend past the $0.000001 limit.
  await expect(row.getByTestId("budget-usage")).toContainText("of $0.000001", { timeout: 20_000 });
  await expect(row.locator("meter")).toHaveAttribute("value", "1", { timeout: 20_000 });

  // Usage: what was spent, and the requests the budget blocked (rolled up by the worker; the page refreshes itself).
  await page.goto(`/t/${acme}/usage`);
  await expect(page.getByRole("heading", { name: "Usage", level: 1 })).toBeVisible();
  await expect(page.getByTestId("blocked-budget")).toHaveText(/^[1-9]\d*$/, { timeout: 40_000 });
  await expect(page.getByRole("img", { name: "Blocked requests over time" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Cost over time" })).toBeVisible();
  await expect(page.getByTestId("usage-total-cost")).not.toHaveText("$0.00", { timeout: 40_000 });
  // From the roll-ups: they lag the log by GATEHOUSE_USAGE_ROLLUP_DELAY_MS (5 s), and the page refetches every 15 s.
  await expect(page.getByRole("table", { name: "Top end-users" })).toContainText("e2e-budget-user", { timeout: 40_000 });

  // Incidents: the worker opened one, linked to the budget runbook.
  await page.goto(`/t/${acme}/incidents`);
  // By text: the row's title cell holds a <details>, which keeps the title out of the row's accessible name.
  const incident = page.getByRole("table", { name: "Incidents" }).getByRole("row").filter({ hasText: `Budget "${BUDGET}" exhausted` });
  await expect(async () => {
    await page.reload();
    await expect(incident).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 40_000 });
  await expect(incident).toContainText("budget");
  await expect(incident).toContainText("Budget exhausted");
});
