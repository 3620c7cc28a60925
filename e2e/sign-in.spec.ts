import type { Page } from "@playwright/test";
import { demo, expect, test } from "./fixtures";
import { encode } from "next-auth/jwt";
import { e2eEnv } from "@/lib/testing/env";
import { sessionCookie, signIn } from "./helpers";

/**
 * Waits until the overview's own queries have finished. A query still in
 * flight when a test swaps or clears the session cookie gets a 401 and sends
 * the page to sign-in on its own, racing the navigation the test makes.
 */
async function overviewSettled(page: Page): Promise<void> {
  await expect(page.locator(".stat-value", { hasText: "…" })).toHaveCount(0);
  await expect(page.getByText("Loading recent requests…")).toHaveCount(0);
}

test.describe("sign-in and access", () => {
  test("a wrong password shows a clear message and stays on /sign-in", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(demo.admin.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    // Nothing was signed in: the dashboard still sends us back.
    await page.goto("/t/acme/overview");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  });

  test("an empty form is refused before it is sent", async ({ page }) => {
    await page.goto("/sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Enter your email and password." })).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  test("signed-out access redirects to sign-in and comes back after it", async ({ page }) => {
    await page.goto("/t/acme/members");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Facme%2Fmembers$/);
    await page.getByLabel("Email").fill(demo.members.owner.email);
    await page.getByLabel("Password").fill(demo.members.owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/t\/acme\/members$/);
    await expect(page.getByRole("heading", { level: 1, name: "Members" })).toBeVisible();
  });

  test("/ sends a signed-out visitor to sign-in", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  test("an unknown tenant and a tenant the user is not a member of both show not-found", async ({ page }) => {
    await signIn(page, demo.members.viewer, /\/t\/acme\/overview$/);
    const unknown = await page.goto("/t/no-such-tenant/overview");
    await expect(page.getByRole("heading", { name: "Tenant not found" })).toBeVisible();
    expect(unknown?.status()).toBe(404);
    // globex exists, but the viewer is not a member: the same answer, nothing leaks.
    await page.goto("/t/globex/api-keys");
    await expect(page.getByRole("heading", { name: "Tenant not found" })).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);
  });

  test("an expired or tampered session sends the user back to sign-in", async ({ page, context }) => {
    await signIn(page, demo.members.owner, /\/t\/acme\/overview$/);
    await overviewSettled(page);
    const session = await sessionCookie(page);
    const me = (await (await page.request.get("/api/admin/me")).json()) as { data: { user: { id: string } } };

    // A correctly signed token whose lifetime is over.
    const expired = await encode({ token: { sub: me.data.user.id, uid: me.data.user.id }, secret: e2eEnv.NEXTAUTH_SECRET, maxAge: -60 });
    await context.addCookies([{ ...session, value: expired }]);
    await page.goto("/t/acme/api-keys");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Facme%2Fapi-keys$/);
    expect((await page.request.get("/api/admin/tenants/acme/api-keys")).status()).toBe(401);

    // A tampered token.
    await context.addCookies([{ ...session, value: `${session.value.slice(0, -4)}AAAA` }]);
    await page.goto("/t/acme/members");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Facme%2Fmembers$/);

    // Client-side navigation after the session is gone: the API's 401 sends us to sign-in too.
    await signIn(page, demo.members.owner, /\/t\/acme\/overview$/);
    await overviewSettled(page);
    await context.clearCookies();
    // (Audit log: a page whose data the overview has not already cached.)
    await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Audit log" }).click();
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Facme%2Faudit$/);
  });

  test("signing out ends the session", async ({ page }) => {
    await signIn(page, demo.members.owner, /\/t\/acme\/overview$/);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/t/acme/overview");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  });
});
