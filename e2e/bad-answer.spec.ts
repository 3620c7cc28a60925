import pg from "pg";
import { newId } from "../lib/ids";
import { e2eEnv } from "../lib/testing/env";
import { demo, expect, test } from "./fixtures";
import { signIn } from "./helpers";

/**
 * Support's journey: an end-user marks an answer as bad (POST /v1/feedback
 * with the demo key); support opens it from the Bad answers queue and sees
 * what explains it: the retrieved context with sources and scores, and the
 * attempt timeline (the primary failed, the fallback answered); then
 * resolves it and it leaves the open queue.
 *
 * The request-log row is written straight into the e2e database (the worker
 * would write the same row from the gateway's record); the feedback goes
 * through the real data-plane endpoint.
 */
const COMMENT = "Promised a refund we do not offer (e2e)";

test("support opens a bad answer from the queue and sees its context documents and attempt timeline", async ({ page, request }) => {
  const requestId = newId("request");
  const client = new pg.Client({ connectionString: e2eEnv.DATABASE_URL });
  await client.connect();
  try {
    const tenant = await client.query<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [demo.tenants.acme]);
    const tenantId = tenant.rows[0]?.id;
    expect(tenantId).toBeTruthy();
    await client.query(
      `INSERT INTO request_logs (id, created_at, tenant_id, end_user_id, endpoint, model, served_by, status, http_status, fallback_reason,
         request, response, context_docs, attempts, prompt_tokens, completion_tokens, cost_micros, latency_ms, ttft_ms)
       VALUES ($1, now(), $2, 'customer-42', 'chat.completions', 'support-reply', 'sim-anthropic/sim-fallback', 'fallback', 200, 'primary_server_error',
         $3, $4, $5, $6, 420, 58, 1234, 1830, 610)`,
      [
        requestId,
        tenantId,
        JSON.stringify({ model: "support-reply", messages: [{ role: "system", content: "You are a support agent for Acme." }, { role: "user", content: "Can I get my money back for the annual plan?" }] }),
        JSON.stringify({ object: "chat.completion", choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Yes, we refund any plan at any time." } }] }),
        JSON.stringify([
          { id: "kb-118", source: "kb/billing/refunds.md", text: "Refunds are available within 14 days of purchase for monthly plans only.", score: 0.87 },
          { id: "kb-342", source: "kb/billing/annual-plans.md", text: "Annual plans are not refundable after the first 30 days.", score: 0.64 },
        ]),
        JSON.stringify([
          { target: "sim-openai/sim-primary", status: "error", httpStatus: 503, errorClass: "server_error", latencyMs: 42, ttftMs: null },
          { target: "sim-anthropic/sim-fallback", status: "ok", httpStatus: 200, errorClass: null, latencyMs: 1750, ttftMs: 610 },
        ]),
      ],
    );
  } finally {
    await client.end();
  }

  const feedback = await request.post("/v1/feedback", {
    headers: { authorization: `Bearer ${demo.apiKey}` },
    data: { request_id: requestId, score: -1, comment: COMMENT },
  });
  expect(feedback.status(), await feedback.text()).toBe(201);

  await signIn(page, demo.members.support, /\/t\/acme\/overview$/);
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Bad answers" }).click();
  await expect(page).toHaveURL(/\/t\/acme\/bad-answers$/);
  const row = page.getByRole("table", { name: "Bad answers" }).getByRole("row").filter({ hasText: COMMENT });
  await expect(row).toContainText("open");
  await expect(row).toContainText("sim-anthropic/sim-fallback");

  // Open it from the queue.
  await row.getByRole("link", { name: `Open request ${requestId}` }).click();
  await expect(page).toHaveURL(new RegExp(`/t/acme/requests/${requestId}$`));

  const docs = page.getByRole("list", { name: "Context documents" });
  await expect(docs.getByRole("listitem")).toHaveCount(2);
  await expect(docs.getByRole("listitem").nth(0)).toContainText("kb/billing/refunds.md");
  await expect(docs.getByRole("listitem").nth(0)).toContainText("score 0.87");
  await expect(docs.getByRole("listitem").nth(0)).toContainText("monthly plans only");
  await expect(docs.getByRole("listitem").nth(1)).toContainText("kb/billing/annual-plans.md");

  const timeline = page.getByRole("table", { name: "Attempt timeline" });
  const attempts = timeline.getByRole("row");
  await expect(attempts).toHaveCount(3); // header + two attempts
  await expect(attempts.nth(1)).toContainText("sim-openai/sim-primary");
  await expect(attempts.nth(1)).toContainText("HTTP 503");
  await expect(attempts.nth(1)).toContainText("server_error");
  await expect(attempts.nth(1)).toContainText("fell back: primary_server_error");
  await expect(attempts.nth(2)).toContainText("sim-anthropic/sim-fallback");
  await expect(attempts.nth(2)).toContainText("answered");
  await expect(page.getByText("Answered by sim-anthropic/sim-fallback on attempt 2 of 2.")).toBeVisible();

  // Prompt, response, cost and the feedback itself are there too.
  await expect(page.getByRole("region", { name: "Prompt (sanitised)" })).toContainText("Can I get my money back");
  await expect(page.getByRole("region", { name: "Response" })).toContainText("we refund any plan");
  await expect(page.getByTestId("request-cost")).toHaveText("$0.001234");
  const fb = page.getByRole("list", { name: "Feedback" });
  await expect(fb).toContainText(COMMENT);

  // Support resolves it; it leaves the open queue and shows under Resolved.
  await fb.getByRole("button", { name: "Resolve" }).click();
  await expect(fb).toContainText("resolved");
  await page.getByRole("link", { name: "Bad answers" }).first().click();
  await expect(page).toHaveURL(/\/t\/acme\/bad-answers$/);
  await expect(page.getByRole("button", { name: "Open", pressed: true })).toBeVisible();
  await expect(page.getByText(COMMENT)).toHaveCount(0);
  await page.getByRole("button", { name: "Resolved" }).click();
  await expect(page.getByRole("table", { name: "Bad answers" }).getByRole("row").filter({ hasText: COMMENT })).toContainText("resolved");
});
