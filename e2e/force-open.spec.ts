import type { APIRequestContext } from "@playwright/test";
import { demo, E2E_BASE_URL, E2E_SIMULATOR_URL, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * An admin forces the primary target of the demo route open from the
 * dashboard: the override shows at once, survives a reload, is stored and
 * audited, and the next requests skip it: the gateway answers from the
 * fallback and the primary model is never called. Clearing it puts the
 * breaker back in charge. A viewer sees the live circuit state but no
 * override buttons.
 */
const PRIMARY = "sim-openai/sim-primary";
const FALLBACK = "sim-anthropic/sim-fallback";

/** One chat call with the demo key; returns the target that answered. */
async function servedBy(request: APIRequestContext): Promise<string | undefined> {
  const res = await request.post(`${E2E_BASE_URL}/v1/chat/completions`, {
    headers: { authorization: `Bearer ${demo.apiKey}` },
    data: { model: demo.routeAlias, messages: [{ role: "user", content: "Where is my order?" }] },
  });
  expect(res.status()).toBe(200);
  return res.headers()["x-gatehouse-target"];
}

async function simulatorCalls(request: APIRequestContext, model: string): Promise<number> {
  const res = await request.get(`${E2E_SIMULATOR_URL}/_sim/requests?model=${model}`);
  return ((await res.json()) as { data: unknown[] }).data.length;
}

type RoutesBody = { data: Array<{ alias: string; targets: Array<{ id: string; circuitOverride: string; provider: { name: string }; model: { name: string } }> }> };

async function primaryOverride(adminApi: import("@playwright/test").APIRequestContext): Promise<string | undefined> {
  const res = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/routes`);
  const body = (await res.json()) as RoutesBody;
  return body.data.find((r) => r.alias === demo.routeAlias)?.targets.find((t) => `${t.provider.name}/${t.model.name}` === PRIMARY)?.circuitOverride;
}

test("an admin forces a target open: shown, persisted, audited, and the next request skips it", async ({ page, adminApi, request }) => {
  // Before: the primary answers.
  expect(await servedBy(request)).toBe(PRIMARY);

  await signIn(page, demo.members.admin, /\/t\/acme\/overview$/);
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Routes & providers" }).click();
  await expect(page).toHaveURL(/\/t\/acme\/routes$/);

  const route = page.getByRole("region", { name: `Route ${demo.routeAlias}` });
  const targets = route.getByRole("table", { name: `Targets of ${demo.routeAlias}` });
  const primary = targets.locator(`tr[data-target="${PRIMARY}"]`);
  // Live state from the breaker in Redis: nothing has failed yet.
  await expect(primary.getByTestId("circuit-state")).toHaveText("closed");

  await primary.getByRole("button", { name: `Force open ${PRIMARY}` }).click();
  const confirm = page.getByRole("dialog", { name: `Force open ${PRIMARY}?` });
  await expect(confirm).toContainText("stops sending");
  await confirm.getByRole("button", { name: "Force open" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(primary.getByTestId("circuit-state")).toHaveText("forced open");
  await expect(primary.getByRole("button", { name: `Force open ${PRIMARY}` })).toHaveCount(0);
  await expect(primary.getByRole("button", { name: `Clear override of ${PRIMARY}` })).toBeVisible();
  // The fallback is untouched.
  await expect(targets.locator('tr[data-target="sim-anthropic/sim-fallback"]').getByTestId("circuit-state")).toHaveText("closed");

  // Persisted: after a reload, and in the API.
  await page.reload();
  await expect(primary.getByTestId("circuit-state")).toHaveText("forced open");
  expect(await primaryOverride(adminApi)).toBe("forced_open");

  // Audited, with who did it.
  const audit = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/audit-log?action=route_target:force_open`);
  const entries = ((await audit.json()) as { data: Array<{ actorLabel: string; after: { circuitOverride: string; target: string } }> }).data;
  expect(entries[0]).toMatchObject({ actorLabel: demo.members.admin.email, after: { circuitOverride: "forced_open", target: PRIMARY } });

  // The gateway obeys within a second (config pub/sub): the fallback answers
  // and the primary model is not called at all.
  await expect.poll(() => servedBy(request), { timeout: 5_000 }).toBe(FALLBACK);
  await request.delete(`${E2E_SIMULATOR_URL}/_sim/requests`);
  expect(await servedBy(request)).toBe(FALLBACK);
  expect(await simulatorCalls(request, "sim-primary")).toBe(0);
  expect(await simulatorCalls(request, "sim-fallback")).toBe(1);

  // Clearing the override hands the target back to its breaker.
  await primary.getByRole("button", { name: `Clear override of ${PRIMARY}` }).click();
  await expect(primary.getByTestId("circuit-state")).toHaveText("closed");
  await expect(primary.getByRole("button", { name: `Force open ${PRIMARY}` })).toBeVisible();
  expect(await primaryOverride(adminApi)).toBe("none");
  await expect.poll(() => servedBy(request), { timeout: 5_000 }).toBe(PRIMARY);
});

test("a viewer sees the live circuit state but cannot override it", async ({ page }) => {
  await signIn(page, demo.members.viewer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/routes`);
  const targets = page.getByRole("table", { name: `Targets of ${demo.routeAlias}` });
  await expect(targets.locator(`tr[data-target="${PRIMARY}"]`).getByTestId("circuit-state")).toHaveText("closed");
  await expect(page.getByRole("button", { name: /^Force (open|closed)/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Edit route/ })).toHaveCount(0);
});
