import { demo, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * A developer edits the demo route's chain in the dashboard: adds a third
 * target, is stopped by a timeout above the route's budget, fixes it, moves
 * it up, saves; the chain shows in its new order and the change is audited.
 * Then the chain is put back as it was (later specs rely on the demo route).
 */
test("a developer edits a route's chain: add, validate, reorder, save, audited", async ({ page, adminApi }) => {
  await signIn(page, demo.members.developer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/routes`);
  const route = page.getByRole("region", { name: `Route ${demo.routeAlias}` });
  const targets = route.getByRole("table", { name: `Targets of ${demo.routeAlias}` });
  await expect(targets.locator("tbody tr")).toHaveCount(2);

  await route.getByRole("button", { name: `Edit route ${demo.routeAlias}` }).click();
  const form = route.getByRole("form", { name: `Edit route ${demo.routeAlias}` });
  await form.getByRole("button", { name: "Add target" }).click();
  await form.getByRole("combobox", { name: "Target 3 model" }).selectOption({ label: "sim-gemini/sim-gemini" });
  await form.getByRole("spinbutton", { name: "Target 3 per-attempt timeout (ms)" }).fill("90000");
  await form.getByRole("button", { name: "Save route" }).click();
  await expect(form.getByRole("alert")).toContainText("must not exceed the route's total time budget (60000 ms)");

  await form.getByRole("spinbutton", { name: "Target 3 per-attempt timeout (ms)" }).fill("12000");
  await form.getByRole("button", { name: "Move target 3 up" }).click();
  await form.getByRole("button", { name: "Save route" }).click();
  await expect(form).toHaveCount(0);
  await expect(targets.locator("tbody tr")).toHaveCount(3);
  await expect(targets.locator("tbody tr").nth(1)).toHaveAttribute("data-target", "sim-gemini/sim-gemini");
  await expect(targets.locator("tbody tr").nth(1)).toContainText("timeout 12.00 s");
  await expect(targets.locator("tbody tr").nth(2)).toHaveAttribute("data-target", "sim-anthropic/sim-fallback");

  const audit = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/audit-log?action=route:update`);
  const entries = ((await audit.json()) as { data: Array<{ actorLabel: string; after: { targets: Array<{ model: { name: string } }> } }> }).data;
  expect(entries[0]?.actorLabel).toBe(demo.members.developer.email);
  expect(entries[0]?.after.targets.map((t) => t.model.name)).toEqual(["sim-primary", "sim-gemini", "sim-fallback"]);

  // Put the chain back.
  await route.getByRole("button", { name: `Edit route ${demo.routeAlias}` }).click();
  await form.getByRole("button", { name: "Remove target 2" }).click();
  await form.getByRole("button", { name: "Save route" }).click();
  await expect(form).toHaveCount(0);
  await expect(targets.locator("tbody tr")).toHaveCount(2);
  await expect(targets.locator("tbody tr").nth(1)).toHaveAttribute("data-target", "sim-anthropic/sim-fallback");
});

/**
 * Load-balanced group: the fallback joins the primary's position with
 * weights 3:1; both tables show the group's split; the API stores equal
 * positions. Then the chain is put back as it was.
 */
test("a developer puts two targets at one position: a weighted group, shown with its shares", async ({ page, adminApi }) => {
  await signIn(page, demo.members.developer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/routes`);
  const route = page.getByRole("region", { name: `Route ${demo.routeAlias}` });
  const targets = route.getByRole("table", { name: `Targets of ${demo.routeAlias}` });
  await expect(targets.locator("tbody tr")).toHaveCount(2);

  await route.getByRole("button", { name: `Edit route ${demo.routeAlias}` }).click();
  const form = route.getByRole("form", { name: `Edit route ${demo.routeAlias}` });
  await form.getByRole("spinbutton", { name: "Target 2 position" }).fill("0");
  await form.getByRole("spinbutton", { name: "Target 1 weight among equals" }).fill("3");
  await expect(form.getByRole("cell", { name: "Target 1 share of its group" })).toHaveText("75%");
  await expect(form.getByRole("cell", { name: "Target 2 share of its group" })).toHaveText("25%");
  await form.getByRole("button", { name: "Save route" }).click();
  await expect(form).toHaveCount(0);
  await expect(targets.locator('tr[data-target="sim-openai/sim-primary"]')).toContainText("group: 75% of traffic");
  await expect(targets.locator('tr[data-target="sim-anthropic/sim-fallback"]')).toContainText("group: 25% of traffic");

  const routes = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/routes`);
  const saved = ((await routes.json()) as { data: Array<{ alias: string; targets: Array<{ position: number; weight: number; model: { name: string } }> }> }).data.find(
    (r) => r.alias === demo.routeAlias,
  );
  expect(saved?.targets.map((t) => [t.model.name, t.position, t.weight])).toEqual([
    ["sim-primary", 0, 3],
    ["sim-fallback", 0, 1],
  ]);

  // Put the chain back.
  await route.getByRole("button", { name: `Edit route ${demo.routeAlias}` }).click();
  await form.getByRole("spinbutton", { name: "Target 2 position" }).fill("1");
  await form.getByRole("spinbutton", { name: "Target 1 weight among equals" }).fill("1");
  await form.getByRole("button", { name: "Save route" }).click();
  await expect(form).toHaveCount(0);
  await expect(targets.locator('tr[data-target="sim-anthropic/sim-fallback"]')).toContainText("fallback");
  await expect(targets.locator("tbody tr").nth(0)).not.toContainText("group:");
});
