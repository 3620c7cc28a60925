import { demo, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/** A viewer sees the data but no write controls, and the API refuses writes from their session. */
test("viewer sees no create button and the API refuses their writes with 403", async ({ page }) => {
  await signIn(page, demo.members.viewer, /\/t\/acme\/overview$/);
  await expect(page.getByRole("region", { name: "Signed-in user" })).toContainText("viewer");

  await page.goto("/t/acme/api-keys");
  // Wait until the list has rendered before checking what is absent.
  const table = page.getByRole("table", { name: "API keys" });
  await expect(table).toBeVisible();
  await expect(table).toContainText("Demo key");
  await expect(page.getByRole("button", { name: "Create API key" })).toHaveCount(0);
  await expect(table.getByRole("button", { name: /^Revoke/ })).toHaveCount(0);

  await page.goto("/t/acme/members");
  await expect(page.getByRole("cell", { name: /viewer@acme\.test/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add member" })).toHaveCount(0);
  await expect(page.getByRole("combobox", { name: /^Role of/ })).toHaveCount(0);

  // The same session, straight at the API: reads work, writes are 403 and change nothing.
  const result = await page.evaluate(async () => {
    const post = await fetch("/api/admin/tenants/acme/api-keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "created-by-viewer" }),
    });
    const list = await fetch("/api/admin/tenants/acme/api-keys");
    const members = await fetch("/api/admin/tenants/acme/members", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "viewer@acme.test", role: "owner" }),
    });
    return {
      postStatus: post.status,
      postBody: (await post.json()) as { error?: { type: string; code: string } },
      listStatus: list.status,
      names: ((await list.json()) as { data: Array<{ name: string }> }).data.map((k) => k.name),
      membersStatus: members.status,
    };
  });
  expect(result.postStatus).toBe(403);
  expect(result.postBody.error?.type).toBe("permission_error");
  expect(result.membersStatus).toBe(403);
  expect(result.listStatus).toBe(200);
  expect(result.names).not.toContain("created-by-viewer");
});
