import type { APIRequestContext } from "@playwright/test";
import { demo, E2E_SIMULATOR_URL, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * The product team's journey: a developer writes a new version of the demo
 * prompt (the server refuses an undeclared variable, shown under the message
 * that uses it), compares it with what production serves, tries it in the
 * playground, moves `production` to it, and a request that calls the prompt
 * by label gets it (checked on what the simulator received); then rolls back
 * in one click and requests get the old version again. Both moves are
 * audited. A viewer sees the labels but cannot move them.
 *
 * Propagation to the gateway is asynchronous (≤ 1 s): polled, never slept.
 */
type Message = { role: string; content: string };
type PromptBody = { data: Array<{ id: string; name: string; versions: Array<{ id: string; version: number; template: Message[] }>; labels: Array<{ name: string; version: number }> }> };

async function demoPrompt(adminApi: APIRequestContext) {
  const res = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/prompts`);
  const prompt = ((await res.json()) as PromptBody).data.find((p) => p.name === demo.promptName);
  if (!prompt) throw new Error(`no prompt ${demo.promptName}`);
  return prompt;
}

/** Calls the prompt by label with the demo key and returns the messages the simulator received for it. */
async function renderedByGateway(request: APIRequestContext): Promise<Message[]> {
  const res = await request.post("/v1/chat/completions", {
    headers: { authorization: `Bearer ${demo.apiKey}` },
    data: { model: demo.routeAlias, prompt: { name: demo.promptName, label: "production", variables: { customer_name: "Ada" } } },
  });
  expect(res.status(), await res.text()).toBe(200);
  const sim = await request.get(`${E2E_SIMULATOR_URL}/_sim/requests?limit=1`);
  const last = ((await sim.json()) as { data: Array<{ body: { messages?: Message[] } }> }).data[0];
  return last?.body.messages ?? [];
}

test("a developer saves a version, diffs it, releases it to production, a request uses it, then rolls back", async ({ page, request, adminApi }) => {
  const marker = `release-${Date.now().toString(36)}`;
  const seeded = await demoPrompt(adminApi);
  const v1 = seeded.versions.find((v) => v.version === 1);
  const v2 = seeded.versions.find((v) => v.version === 2);
  expect(seeded.labels.find((l) => l.name === "production")?.version).toBe(1);
  const v1System = v1?.template[0]?.content ?? "";
  const userTemplate = v2?.template[1]?.content ?? "";
  expect(v1System).not.toBe("");
  expect(userTemplate).toContain("{{customer_name}}");

  // Before: production serves v1.
  expect((await renderedByGateway(request))[0]).toMatchObject({ role: "system", content: v1System });

  await signIn(page, demo.members.developer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/prompts`);
  await page.getByRole("link", { name: `Open prompt ${demo.promptName}` }).click();
  await expect(page).toHaveURL(/\/t\/acme\/prompts\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(demo.promptName);

  // A new version, starting from the newest (v2).
  await page.getByRole("button", { name: "New version", exact: true }).click();
  const editor = page.getByRole("form", { name: "New version" });
  const system = `You are a support agent for Acme (${marker}). Greet the customer by name and end with one concrete next step.`;
  await editor.getByRole("textbox", { name: "Message 1 content" }).fill(system);
  await editor.getByRole("textbox", { name: "Message 2 content" }).fill(`${userTemplate} My order is {{order_id}}.`);
  await editor.getByRole("textbox", { name: "Commit message" }).fill(`Shorter system prompt (${marker})`);
  await editor.getByRole("button", { name: "Save version" }).click();
  // The server names the undeclared variable, under the message that uses it; nothing is saved.
  await expect(editor.getByRole("listitem", { name: "Message 2" }).getByRole("alert")).toContainText("undeclared variable 'order_id'");
  expect((await demoPrompt(adminApi)).versions).toHaveLength(2);

  await editor.getByRole("textbox", { name: "Message 2 content" }).fill(userTemplate);
  await editor.getByRole("button", { name: "Save version" }).click();
  await expect(editor).toHaveCount(0);
  const versions = page.getByRole("table", { name: "Versions" });
  await expect(versions.locator('tr[data-version="3"]')).toContainText(`Shorter system prompt (${marker})`);
  await expect(versions.locator('tr[data-version="3"]')).toContainText(demo.members.developer.email);

  // The diff opens on production (v1) -> the new version, the new words marked.
  await expect(page.getByLabel("From (left)")).toHaveValue(v1?.id ?? "");
  const diff = page.getByRole("table", { name: "Template: v1 → v3" });
  await expect(diff.locator('tr[data-kind="changed"]').first()).toBeVisible();
  await expect(diff.locator("ins", { hasText: marker })).toHaveCount(1);
  await expect(diff.locator("del").first()).toBeVisible();

  // Tried in the playground before the release: v3 through the real gateway.
  await versions.getByRole("button", { name: "Try v3 in the playground" }).click();
  const playground = page.getByRole("form", { name: "Playground" });
  await playground.getByLabel(/customer_name/).fill("Ada");
  await playground.getByRole("button", { name: "Run v3" }).click();
  const result = playground.getByRole("region", { name: "Playground result" });
  await expect(result).toContainText("HTTP 200");
  await expect(result.getByTestId("playground-target")).toHaveText("sim-openai/sim-primary");
  const played = await request.get(`${E2E_SIMULATOR_URL}/_sim/requests?limit=1`);
  expect(((await played.json()) as { data: Array<{ body: { messages: Message[] } }> }).data[0]?.body.messages[0]?.content).toBe(system);

  // Release: move production to v3.
  const labels = page.getByRole("table", { name: "Labels" });
  const production = labels.locator('tr[data-label="production"]');
  await expect(production).toContainText("v1");
  await production.getByRole("button", { name: "Move label production" }).click();
  const move = page.getByRole("dialog", { name: "Move label production" });
  await move.getByLabel("Version", { exact: true }).selectOption({ label: `v3 · Shorter system prompt (${marker})` });
  await expect(move.getByRole("status")).toContainText(`Requests for ${demo.promptName}@production`);
  await expect(move.getByRole("status")).toContainText("every request gets v3");
  await move.getByRole("button", { name: "Move production to v3" }).click();
  await expect(move).toHaveCount(0);
  await expect(production.getByRole("cell").nth(1)).toContainText("v3");

  // A request by label gets v3, rendered with its variables.
  await expect.poll(async () => (await renderedByGateway(request))[0]?.content, { timeout: 5_000 }).toBe(system);
  const rendered = await renderedByGateway(request);
  expect(rendered[1]).toMatchObject({ role: "user", content: userTemplate.replace("{{customer_name}}", "Ada") });

  // Rollback: one click back to where production was.
  await production.getByRole("button", { name: "Roll back production to v1" }).click();
  const rollback = page.getByRole("dialog", { name: "Roll back production to v1?" });
  await expect(rollback).toContainText("get v1 again instead of v3");
  await rollback.getByRole("button", { name: "Roll back to v1" }).click();
  await expect(rollback).toHaveCount(0);
  await expect(production.getByRole("cell").nth(1)).toContainText("v1");
  await expect.poll(async () => (await renderedByGateway(request))[0]?.content, { timeout: 5_000 }).toBe(v1System);

  // Both moves are audited, by the developer.
  const audit = await adminApi.get(`/api/admin/tenants/${demo.tenants.acme}/audit-log?resourceType=prompt_label`);
  const moves = ((await audit.json()) as { data: Array<{ action: string; actorLabel: string; before: { version: number }; after: { version: number } }> }).data;
  expect(moves.slice(0, 2).map((m) => [m.action, m.actorLabel, m.before.version, m.after.version])).toEqual([
    ["prompt_label:move", demo.members.developer.email, 3, 1],
    ["prompt_label:move", demo.members.developer.email, 1, 3],
  ]);
});

test("a viewer sees the prompt's labels and versions but cannot move a label or write a version", async ({ page }) => {
  await signIn(page, demo.members.viewer, /\/t\/acme\/overview$/);
  await page.goto(`/t/${demo.tenants.acme}/prompts`);
  await page.getByRole("link", { name: `Open prompt ${demo.promptName}` }).click();
  const production = page.getByRole("table", { name: "Labels" }).locator('tr[data-label="production"]');
  await expect(production).toContainText("production");
  await expect(page.getByRole("table", { name: "Versions" }).locator("tbody tr")).not.toHaveCount(0);
  await expect(page.getByRole("table", { name: /^Template: v\d+ → v\d+$/ })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Move label/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Roll back/ })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "New version", exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "New label" })).toHaveCount(0);
  await expect(page.getByRole("form", { name: "Playground" })).toHaveCount(0);

  // The same session straight at the API: the move is refused.
  const status = await page.evaluate(async (name) => {
    const list = (await (await fetch("/api/admin/tenants/acme/prompts")).json()) as { data: Array<{ id: string; name: string; versions: Array<{ id: string }> }> };
    const prompt = list.data.find((p) => p.name === name);
    const res = await fetch(`/api/admin/tenants/acme/prompts/${prompt?.id ?? "missing"}/labels/production`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ versionId: prompt?.versions[0]?.id }),
    });
    return res.status;
  }, demo.promptName);
  expect(status).toBe(403);
});
