import { demo, E2E_SIMULATOR_URL, expect, test } from "./fixtures";

// The promise of the quick start: with the seeded demo, the printed curl line
// works, and the admin token scripts the control plane.
test.describe("seeded demo", () => {
  test("the demo API key lists acme's models, the support-reply route among them", async ({ request }) => {
    const res = await request.get("/v1/models", { headers: { authorization: `Bearer ${demo.apiKey}` } });
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { object: string; data: Array<{ id: string; object: string }> };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toContain(demo.routeAlias);
  });

  test("a wrong key is refused with an OpenAI-style error", async ({ request }) => {
    const res = await request.get("/v1/models", { headers: { authorization: "Bearer gh_live_not-a-real-key-000000000000" } });
    expect(res.status()).toBe(401);
    const body = (await res.json()) as { error: { type: string; code: string | null } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
  });

  test("the admin token sees both demo tenants", async ({ adminApi }) => {
    const res = await adminApi.get("/api/admin/tenants");
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { data: Array<{ slug: string }> };
    expect(body.data.map((t) => t.slug)).toEqual(expect.arrayContaining([demo.tenants.acme, demo.tenants.globex]));
  });

  test("the simulator the providers point at is up", async ({ request }) => {
    const res = await request.get(`${E2E_SIMULATOR_URL}/_sim/health`);
    expect(res.ok()).toBe(true);
  });
});
