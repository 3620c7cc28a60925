/**
 * The OpenAPI document: valid OpenAPI 3.1, served at /api/admin/openapi.json,
 * and listing every route file under app/api/admin with exactly the methods
 * the file exports.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { importRoute, listAdminRouteFiles } from "@/lib/testing/factories";
import { GET } from "@/app/api/admin/openapi.json/route";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; scheme?: string }> };
}

async function fetchDoc(): Promise<Doc> {
  const res = GET();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return (await res.json()) as Doc;
}

describe("GET /api/admin/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("the validator does catch a broken document", async () => {
    const doc = await fetchDoc();
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, { responses: unknown }>> };
    const first = Object.values(broken.paths)[0];
    if (first?.get) first.get.responses = "nope";
    const result = await new Validator().validate(broken as unknown as Record<string, unknown>);
    expect(result.valid).toBe(false);
  });

  it("lists every route file under app/api/admin with the methods it exports", async () => {
    const doc = await fetchDoc();
    const files = await listAdminRouteFiles();
    expect(files.length).toBeGreaterThan(20);
    const fromFiles: string[] = [];
    for (const f of files) {
      const mod = await importRoute(f.file);
      for (const m of METHODS) if (mod[m]) fromFiles.push(`${m} ${f.path}`);
    }
    const fromDoc = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(fromDoc.sort()).toEqual(fromFiles.sort());
  });

  it("declares both auth schemes and the error responses", async () => {
    const doc = await fetchDoc();
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie" });
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    const post = doc.paths["/api/admin/tenants/{tenant}/api-keys"]?.post;
    expect(Object.keys(post?.responses ?? {})).toEqual(expect.arrayContaining(["201", "400", "401", "403", "404"]));
    expect(doc.paths["/api/admin/openapi.json"]?.get?.security).toEqual([]);
  });
});
