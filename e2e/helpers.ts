import { expect, type Page } from "@playwright/test";

/** Signs in through the real form and waits until the dashboard (or `expectPath`) has loaded. */
export async function signIn(page: Page, who: { email: string; password: string }, expectPath: RegExp = /\/t\/[^/]+\/overview$/) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(expectPath);
}

/** The session cookie next-auth set (its name depends on the secure-cookie setting). */
export async function sessionCookie(page: Page) {
  const cookies = await page.context().cookies();
  const c = cookies.find((x) => x.name.endsWith("next-auth.session-token"));
  if (!c) throw new Error(`no next-auth session cookie among: ${cookies.map((x) => x.name).join(", ")}`);
  return c;
}
