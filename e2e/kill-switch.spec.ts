import type { APIRequestContext } from "@playwright/test";
import { demo, E2E_SIMULATOR_URL, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * The admin's journey: acme's AI must stop now. An admin turns the tenant
 * kill switch on in the dashboard (confirming what will stop), and the next
 * request with acme's key never reaches a model: the demo route has a static
 * fallback, so it is answered with that (200, x-gatehouse-target: static,
 * x-gatehouse-kill-switch naming the switch); without one it would be a 503
 * feature_disabled. The flip is in the flag's history. Turned off again,
 * requests reach the simulator again. A viewer sees the state, no controls.
 *
 * Propagation to the gateway is asynchronous (≤ 1 s): polled, never slept.
 */
const TENANT_SWITCH = "acme-ai-kill-switch";
const GLOBAL_SWITCH = "global-ai-kill-switch";

type Outcome = { status: number; target: string | null; killSwitch: string | null; content: string | null };

async function chat(request: APIRequestContext): Promise<Outcome> {
  const res = await request.post("/v1/chat/completions", {
    headers: { authorization: `Bearer ${demo.apiKey}` },
    data: { model: demo.routeAlias, messages: [{ role: "user", content: "Is the kill switch on?" }] },
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string | null } }> };
  return {
    status: res.status(),
    target: res.headers()["x-gatehouse-target"] ?? null,
    killSwitch: res.headers()["x-gatehouse-kill-switch"] ?? null,
    content: body.choices?.[0]?.message?.content ?? null,
  };
}

/** A failed run must not leave AI switched off for the specs after this one. */
test.afterEach(async ({ adminApi }) => {
  const list = (await (await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/flags`)).json()) as { data: Array<{ id: string; key: string; enabled: boolean }> };
  const tenant = list.data.find((f) => f.key === TENANT_SWITCH);
  if (tenant?.enabled) expect((await adminApi.patch(`/api/admin/tenants/${demo.tenants.acme}/flags/${tenant.id}`, { data: { enabled: false } })).ok()).toBe(true);
  const global = list.data.find((f) => f.key === GLOBAL_SWITCH);
  if (global?.enabled) expect((await adminApi.patch(`/api/admin/global-flags/${global.id}`, { data: { enabled: false } })).ok()).toBe(true);
});

async function simulatorRequests(request: APIRequestContext): Promise<number> {
  const res = await request.get(`${E2E_SIMULATOR_URL}/_sim/requests`);
  return ((await res.json()) as { data: unknown[] }).data.length;
}

test("an admin flips the tenant kill switch: the next request is refused, then served again once it is off", async ({ page, request, adminApi }) => {
  // The demo route's static answer (what a killed request gets, since the route defines one).
  const routes = (await (await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/routes`)).json()) as {
    data: Array<{ alias: string; staticFallback: { content: string } | null }>;
  };
  const staticAnswer = routes.data.find((r) => r.alias === demo.routeAlias)?.staticFallback?.content;
  expect(staticAnswer).toBeTruthy();

  // Before: served by a provider.
  const before = await chat(request);
  expect(before.status).toBe(200);
  expect(before.killSwitch).toBeNull();
  expect(before.target).not.toBe("static");

  await signIn(page, demo.members.admin, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/flags`);
  const panel = page.getByRole("region", { name: "Kill switches" });
  const tenant = panel.getByRole("region", { name: "Tenant kill switch" });
  await expect(tenant).toHaveAttribute("data-state", "off");
  await expect(tenant.getByRole("status")).toContainText("OFF");
  // Only platform admins flip the global one.
  await expect(panel.getByRole("region", { name: "Global kill switch" }).getByRole("button", { name: /^Turn/ })).toHaveCount(0);

  await tenant.getByRole("button", { name: "Turn on" }).click();
  const confirm = page.getByRole("dialog", { name: "Turn on the kill switch for tenant acme?" });
  await expect(confirm).toContainText(
    "Every AI request of tenant acme will be refused with 503 feature_disabled, or answered with the static fallback where one is set.",
  );
  await confirm.getByRole("button", { name: "Turn on kill switch" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(tenant).toHaveAttribute("data-state", "on");
  await expect(tenant.getByRole("status")).toContainText("ON");

  // Refused right after: the static answer, naming the switch, and nothing sent upstream.
  const killed: Outcome = { status: 200, target: "static", killSwitch: TENANT_SWITCH, content: staticAnswer ?? "" };
  await expect.poll(() => chat(request), { timeout: 5_000 }).toEqual(killed);
  expect((await request.delete(`${E2E_SIMULATOR_URL}/_sim/requests`)).ok()).toBe(true);
  expect(await chat(request)).toEqual(killed);
  expect(await simulatorRequests(request)).toBe(0);

  // The flip is in the switch's history, with who did it.
  await tenant.getByRole("button", { name: `History of ${TENANT_SWITCH}` }).click();
  const history = page.getByRole("dialog", { name: `History of ${TENANT_SWITCH}` });
  const latest = history.getByRole("listitem").first();
  await expect(latest).toContainText("flag:enable");
  await expect(latest).toContainText(demo.members.admin.email);
  await expect(latest).toContainText("enabled: false → true");
  await history.getByRole("button", { name: "Close" }).click();

  // Off again: served by a provider.
  await tenant.getByRole("button", { name: "Turn off" }).click();
  const confirmOff = page.getByRole("dialog", { name: "Turn off the kill switch for tenant acme?" });
  await expect(confirmOff).toContainText("AI requests of tenant acme will flow to the models again.");
  await confirmOff.getByRole("button", { name: "Turn off kill switch" }).click();
  await expect(tenant).toHaveAttribute("data-state", "off");
  await expect
    .poll(async () => {
      const o = await chat(request);
      return { status: o.status, killSwitch: o.killSwitch, servedByProvider: o.target !== null && o.target !== "static" };
    })
    .toEqual({ status: 200, killSwitch: null, servedByProvider: true });
});

test("a viewer sees the kill switches' state but no flip or edit controls, and the API refuses a flip", async ({ page }) => {
  await signIn(page, demo.members.viewer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/flags`);
  const panel = page.getByRole("region", { name: "Kill switches" });
  const tenant = panel.getByRole("region", { name: "Tenant kill switch" });
  await expect(tenant).toHaveAttribute("data-state", "off");
  await expect(tenant.getByRole("status")).toContainText("OFF");
  await expect(tenant).toContainText("Only owners and admins can flip it.");
  await expect(page.getByRole("table", { name: "Flags" })).toContainText(TENANT_SWITCH);
  await expect(page.getByRole("button", { name: /^Turn (on|off)/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "New flag" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Edit / })).toHaveCount(0);

  // The same session straight at the API: the flip is refused and nothing changes.
  const result = await page.evaluate(async (key) => {
    const list = (await (await fetch("/api/admin/tenants/acme/flags")).json()) as { data: Array<{ id: string; key: string; enabled: boolean }> };
    const flag = list.data.find((f) => f.key === key);
    const res = await fetch(`/api/admin/tenants/acme/flags/${flag?.id ?? "missing"}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enabled: true }),
    });
    const after = (await (await fetch("/api/admin/tenants/acme/flags")).json()) as { data: Array<{ key: string; enabled: boolean }> };
    return { status: res.status, enabled: after.data.find((f) => f.key === key)?.enabled };
  }, TENANT_SWITCH);
  expect(result).toEqual({ status: 403, enabled: false });
});

test("a developer cannot flip kill switches but creates a release flag with a rule; an out-of-range percentage is refused", async ({ page }) => {
  const key = `new-reply-tone-${Date.now().toString(36)}`;
  await signIn(page, demo.members.developer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/flags`);
  const panel = page.getByRole("region", { name: "Kill switches" });
  await expect(panel.getByRole("region", { name: "Tenant kill switch" })).toContainText("Only owners and admins can flip it.");
  await expect(page.getByRole("button", { name: /^Turn (on|off)/ })).toHaveCount(0);
  // Kill switches are not theirs to edit either.
  await expect(page.getByRole("button", { name: `Edit ${TENANT_SWITCH}` })).toHaveCount(0);

  await page.getByRole("button", { name: "New flag" }).click();
  const editor = page.getByRole("form", { name: "New flag" });
  await expect(editor.getByRole("option", { name: /Kill switch/ })).toBeDisabled();
  await editor.getByLabel("Key").fill(key);
  await editor.getByLabel("Rollout percentage", { exact: true }).fill("150");
  await editor.getByRole("button", { name: "Add rule" }).click();
  await editor.getByRole("combobox", { name: "Rule 1 condition 1 attribute" }).selectOption("endUserId");
  await editor.getByRole("combobox", { name: "Rule 1 condition 1 operator" }).selectOption("in");
  await editor.getByRole("textbox", { name: "Rule 1 condition 1 values" }).fill("customer-1\ncustomer-2");
  await editor.getByLabel("Percentage of matching end-users").fill("100");
  await editor.getByRole("button", { name: "Create flag" }).click();
  await expect(editor.getByRole("alert")).toHaveText("rolloutPercent must be between 0 and 100 (got 150)");

  await editor.getByLabel("Rollout percentage", { exact: true }).fill("25");
  await editor.getByRole("button", { name: "Create flag" }).click();
  await expect(editor).toHaveCount(0);
  const row = page.getByRole("table", { name: "Flags" }).locator(`tr[data-flag="${key}"]`);
  await expect(row).toContainText("25%");
  await expect(row).toContainText("1 rule");
  await expect(row).toContainText("release");
  // Owned by its creator when no owner is given.
  await expect(row).toContainText(demo.members.developer.email);

  await row.getByRole("button", { name: `History of ${key}` }).click();
  const history = page.getByRole("dialog", { name: `History of ${key}` });
  await expect(history.getByRole("listitem").first()).toContainText("flag:create");
});

test("a platform admin flips the global kill switch: every tenant's requests stop, then flow again", async ({ page, request }) => {
  await signIn(page, demo.admin, /\/t\/[^/]+\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/flags`);
  const global = page.getByRole("region", { name: "Kill switches" }).getByRole("region", { name: "Global kill switch" });
  await expect(global).toHaveAttribute("data-state", "off");
  await global.getByRole("button", { name: "Turn on" }).click();
  const confirm = page.getByRole("dialog", { name: "Turn on the kill switch for every tenant?" });
  await expect(confirm).toContainText("Every AI request of every tenant will be refused with 503 feature_disabled");
  await confirm.getByRole("button", { name: "Turn on kill switch" }).click();
  await expect(global).toHaveAttribute("data-state", "on");
  await expect.poll(async () => (await chat(request)).killSwitch, { timeout: 5_000 }).toBe(GLOBAL_SWITCH);

  await global.getByRole("button", { name: "Turn off" }).click();
  await page.getByRole("dialog", { name: "Turn off the kill switch for every tenant?" }).getByRole("button", { name: "Turn off kill switch" }).click();
  await expect(global).toHaveAttribute("data-state", "off");
  await expect.poll(async () => (await chat(request)).killSwitch).toBeNull();
});
