import { demo, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * The platform admin switches tenant with the sidebar switcher, creates an API
 * key, sees its secret exactly once, uses it against the data plane, and
 * revokes it; the gateway then refuses it.
 */
test("admin creates an API key, sees the secret once, uses it and revokes it", async ({ page, request }) => {
  await signIn(page, demo.admin, /\/t\/acme\/overview$/);

  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "API keys" }).click();
  await expect(page).toHaveURL(/\/t\/acme\/api-keys$/);
  await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();

  // Switch tenant: the same area opens in the other tenant, and back.
  const switcher = page.getByLabel("Tenant", { exact: true });
  await switcher.selectOption(demo.tenants.globex);
  await expect(page).toHaveURL(/\/t\/globex\/api-keys$/);
  await expect(switcher).toHaveValue(demo.tenants.globex);
  await switcher.selectOption(demo.tenants.acme);
  await expect(page).toHaveURL(/\/t\/acme\/api-keys$/);
  await expect(page.getByRole("table", { name: "API keys" })).toBeVisible();

  // Create: the secret is shown once, in the dialog.
  // global-setup re-creates the e2e database for every run, so a fixed name is unique.
  const name = "checkout-service e2e";
  await page.getByRole("button", { name: "Create API key" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create API key" });
  await createDialog.getByLabel("Name").fill(name);
  await createDialog.getByRole("button", { name: "Create key" }).click();

  const saveDialog = page.getByRole("dialog", { name: "Save your API key" });
  await expect(saveDialog).toBeVisible();
  await expect(saveDialog).toContainText("only time the secret is shown");
  const secret = await saveDialog.getByRole("textbox", { name: "Secret key" }).inputValue();
  expect(secret).toMatch(/^gh_live_[A-Za-z0-9_-]{20,}$/);

  // The key works against the data plane.
  const bearer = { authorization: `Bearer ${secret}` };
  await expect.poll(async () => (await request.get("/v1/models", { headers: bearer })).status()).toBe(200);
  const models = (await (await request.get("/v1/models", { headers: bearer })).json()) as { object: string; data: Array<{ id: string }> };
  expect(models.object).toBe("list");
  expect(models.data.map((m) => m.id)).toContain(demo.routeAlias);

  // Closing the panel drops the secret; the list shows the key without it.
  await saveDialog.getByRole("button", { name: "I have saved it" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("active");
  await expect(page.getByRole("textbox", { name: "Secret key" })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // Not after a reload either.
  await page.reload();
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  await expect(row).toContainText(secret.slice(0, 12));

  // Revoke, confirming by name.
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  const confirm = page.getByRole("dialog", { name: `Revoke API key “${name}”?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(row).toContainText("revoked");
  await expect(row.getByRole("button", { name: `Revoke ${name}` })).toHaveCount(0);

  // The gateway refuses the revoked key.
  await expect.poll(async () => (await request.get("/v1/models", { headers: bearer })).status()).toBe(401);
  const refused = (await (await request.get("/v1/models", { headers: bearer })).json()) as { error: { code: string; message: string } };
  expect(refused.error.code).toBe("invalid_api_key");
  expect(refused.error.message).toMatch(/revoked/i);
});
