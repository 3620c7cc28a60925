import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { looksLikeAdminToken } from "@/lib/admin-tokens/verify";
import { verifyPassword } from "@/lib/auth/password";
import { decodeKey } from "@/lib/env";
import { decryptSecret, sha256Hex } from "@/lib/crypto";
import { createDb, type Db } from "@/lib/db";
import { dropDatabase } from "@/lib/db-migrate/database";
import { prepareTestDatabase } from "@/lib/testing/db";
import { INT_DATABASE, pgUrl, testEnv } from "@/lib/testing/env";
import { DEMO, seed, secretDisplayPrefix, type SeedOptions } from "@/prisma/seed";

// The seed gets a database of its own: the demo tenants (acme, globex) must
// not meet the rows other integration tests create in the shared test db.
const url = pgUrl(`${INT_DATABASE}_seed`);
const root = path.resolve(import.meta.dirname, "..");
const key = "gh_live_seed-test-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const token = "gh_admin_seed-test-token-bbbbbbbbbbbbbbbbbbbbbbbbbbb";
const options: SeedOptions = {
  databaseUrl: url,
  encryptionKey: testEnv.GATEHOUSE_ENCRYPTION_KEY,
  demoApiKey: key,
  adminToken: token,
  simulatorUrl: "http://127.0.0.1:4999",
};
let db: Db;

beforeAll(async () => {
  await prepareTestDatabase(url);
  db = createDb(url);
});

afterAll(async () => {
  await db?.$disconnect();
  await dropDatabase(url);
});

/** Every row of every table the seed writes, for before/after comparisons. */
async function snapshot() {
  const [tenants, users, memberships, apiKeys, adminTokens, providers, models, prices, features, routes, targets, prompts, versions, labels, budgets, flags, guards, runbooks, alerts, sets, cases] =
    await Promise.all([
      db.tenant.findMany({ orderBy: { id: "asc" } }),
      db.user.findMany({ orderBy: { id: "asc" } }),
      db.membership.findMany({ orderBy: { id: "asc" } }),
      db.apiKey.findMany({ orderBy: { id: "asc" } }),
      db.adminToken.findMany({ orderBy: { id: "asc" } }),
      db.provider.findMany({ orderBy: { id: "asc" } }),
      db.providerModel.findMany({ orderBy: { id: "asc" } }),
      db.modelPrice.findMany({ orderBy: { id: "asc" } }),
      db.feature.findMany({ orderBy: { id: "asc" } }),
      db.route.findMany({ orderBy: { id: "asc" } }),
      db.routeTarget.findMany({ orderBy: { id: "asc" } }),
      db.prompt.findMany({ orderBy: { id: "asc" } }),
      db.promptVersion.findMany({ orderBy: { id: "asc" } }),
      db.promptLabel.findMany({ orderBy: { id: "asc" } }),
      db.budget.findMany({ orderBy: { id: "asc" } }),
      db.flag.findMany({ orderBy: { id: "asc" } }),
      db.guardPolicy.findMany({ orderBy: { id: "asc" } }),
      db.runbook.findMany({ orderBy: { id: "asc" } }),
      db.alertRule.findMany({ orderBy: { id: "asc" } }),
      db.goldenSet.findMany({ orderBy: { id: "asc" } }),
      db.goldenCase.findMany({ orderBy: { id: "asc" } }),
    ]);
  return { tenants, users, memberships, apiKeys, adminTokens, providers, models, prices, features, routes, targets, prompts, versions, labels, budgets, flags, guards, runbooks, alerts, sets, cases };
}

describe("prisma/seed.ts", () => {
  it("creates the demo data, and a second run changes nothing", async () => {
    const first = await seed(options);
    expect(first.created).toBeGreaterThan(30);
    expect(first.demoApiKey).toBe(key);
    expect(first.adminToken).toBe(token);
    const before = await snapshot();

    const second = await seed(options);
    expect({ created: second.created, updated: second.updated }).toEqual({ created: 0, updated: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it("makes the platform admin and one acme member per role, owner of both tenants", async () => {
    const tenants = await db.tenant.findMany({ orderBy: { slug: "asc" } });
    expect(tenants.map((t) => t.slug)).toEqual(["acme", "globex"]);
    const admin = await db.user.findUniqueOrThrow({ where: { email: DEMO.adminEmail }, include: { memberships: { include: { tenant: true } } } });
    expect(admin.isPlatformAdmin).toBe(true);
    expect(await verifyPassword(admin.passwordHash ?? "", DEMO.adminPassword)).toBe(true);
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
    expect(admin.memberships.map((m) => [m.tenant.slug, m.role]).sort()).toEqual([
      ["acme", "owner"],
      ["globex", "owner"],
    ]);

    const members = await db.membership.findMany({ where: { tenant: { slug: "acme" }, user: { isPlatformAdmin: false } }, include: { user: true } });
    expect(members.map((m) => [m.user.email, m.role]).sort()).toEqual([
      ["admin@acme.test", "admin"],
      ["developer@acme.test", "developer"],
      ["owner@acme.test", "owner"],
      ["support@acme.test", "support"],
      ["viewer@acme.test", "viewer"],
    ]);
    for (const m of members) {
      expect(m.user.isPlatformAdmin).toBe(false);
      expect(await verifyPassword(m.user.passwordHash ?? "", "gatehouse-demo")).toBe(true);
    }
  });

  it("stores only digests of the demo key and the admin token", async () => {
    const apiKey = await db.apiKey.findFirstOrThrow({ where: { name: DEMO.demoKeyName } });
    expect(apiKey.hash).toBe(sha256Hex(key));
    expect(apiKey.prefix).toBe(secretDisplayPrefix(key));
    expect(apiKey.prefix).toBe("gh_live_seed");
    expect(apiKey.revokedAt).toBeNull();
    expect(apiKey.tenantId).toBe((await db.tenant.findUniqueOrThrow({ where: { slug: "acme" } })).id);

    const adminToken = await db.adminToken.findFirstOrThrow({ where: { name: DEMO.adminTokenName } });
    expect(adminToken).toMatchObject({ hash: sha256Hex(token), tenantId: null, isPlatform: true, role: "owner", prefix: "gh_admin_seed" });
    expect(looksLikeAdminToken(token)).toBe(true);
    const raw = JSON.stringify(await snapshot(), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(raw).not.toContain(key);
    expect(raw).not.toContain(token);
  });

  it("points encrypted providers at the simulator, with priced models", async () => {
    const providers = await db.provider.findMany({ include: { models: { include: { prices: true } } }, orderBy: { name: "asc" } });
    expect(providers.map((p) => [p.name, p.kind, p.baseUrl])).toEqual([
      ["sim-anthropic", "anthropic", "http://127.0.0.1:4999"],
      ["sim-gemini", "gemini", "http://127.0.0.1:4999"],
      ["sim-openai", "openai", "http://127.0.0.1:4999/v1"],
    ]);
    const k = decodeKey(testEnv.GATEHOUSE_ENCRYPTION_KEY);
    if (!k) throw new Error("bad test key");
    for (const p of providers) {
      expect(p.secretCiphertext).toMatch(/^v1:/);
      expect(p.secretCiphertext).not.toContain("sk-sim");
      expect(decryptSecret(p.secretCiphertext ?? "", k)).toMatch(/^sk-sim-/);
      expect(p.models.length).toBeGreaterThan(0);
      for (const m of p.models) {
        expect(m.prices).toHaveLength(1);
        expect(m.prices[0]?.inputPerMTokMicros).toBeGreaterThan(0n);
      }
    }
    const names = providers.flatMap((p) => p.models.map((m) => m.name)).sort();
    expect(names).toEqual(expect.arrayContaining(["sim-primary", "sim-fallback", "sim-gemini"]));
  });

  it("routes support-reply primary -> fallback -> static answer", async () => {
    const route = await db.route.findFirstOrThrow({
      where: { alias: "support-reply" },
      include: { feature: true, targets: { orderBy: { position: "asc" }, include: { model: { include: { provider: true } } } } },
    });
    expect(route.feature?.key).toBe("support-reply");
    expect(route.targets.map((t) => `${t.model.provider.name}/${t.model.name}`)).toEqual(["sim-openai/sim-primary", "sim-anthropic/sim-fallback"]);
    expect(route.staticFallback).toEqual({ role: "assistant", content: "We're having trouble right now; a human will follow up." });
  });

  it("versions the support-reply prompt with a customer_name variable, production on v1", async () => {
    const prompt = await db.prompt.findFirstOrThrow({
      where: { name: "support-reply" },
      include: { versions: { orderBy: { version: "asc" } }, labels: { include: { version: true } } },
    });
    expect(prompt.versions.map((v) => v.version)).toEqual([1, 2]);
    for (const v of prompt.versions) {
      expect(v.variables).toEqual({ customer_name: { type: "string", required: true } });
      const template = v.template as Array<{ role: string; content: string }>;
      expect(template.map((m) => m.role)).toEqual(["system", "user"]);
      expect(template[0]?.content).toContain("You are a support agent for Acme");
      expect(template[1]?.content).toContain("Hello, I am {{customer_name}}");
      expect(JSON.stringify(template).match(/\{\{(\w+)\}\}/g)).toEqual(["{{customer_name}}"]);
    }
    const labels = Object.fromEntries(prompt.labels.map((l) => [l.name, { version: l.version.version, protected: l.protected }]));
    expect(labels).toEqual({ production: { version: 1, protected: true }, staging: { version: 2, protected: false } });
  });

  it("adds a monthly hard budget, kill switches, a guard policy, runbooks (circuit open, budget), an alert rule and a golden set", async () => {
    const acme = await db.tenant.findUniqueOrThrow({ where: { slug: "acme" } });
    expect(await db.budget.findMany({ where: { tenantId: acme.id } })).toEqual([
      expect.objectContaining({ scope: "tenant", period: "month", mode: "hard", limitMicros: 50_000_000n }),
    ]);
    const flags = await db.flag.findMany({ orderBy: { key: "asc" } });
    expect(flags.map((f) => [f.key, f.kind, f.scope, f.tenantId, f.enabled])).toEqual([
      ["acme-ai-kill-switch", "kill_switch", "tenant", acme.id, false],
      ["global-ai-kill-switch", "kill_switch", "global", null, false],
    ]);
    expect(await db.guardPolicy.count({ where: { tenantId: acme.id } })).toBe(1);
    expect((await db.runbook.findMany()).map((r) => r.signal).sort()).toEqual(["budget", "circuit_open"]);
    expect(await db.alertRule.count()).toBe(1);
    const set = await db.goldenSet.findFirstOrThrow({ include: { cases: true } });
    expect(set.cases).toHaveLength(2);
  });

  it("gives every row a prefixed id", async () => {
    const snap = await snapshot();
    for (const [table, rows] of Object.entries(snap)) {
      for (const row of rows) expect(row.id, table).toMatch(/^[a-z]+_[0-9a-z]{26}$/);
    }
  });

  it("follows changed settings: a new demo key, admin password and simulator URL", async () => {
    const newKey = "gh_live_seed-test-key-ccccccccccccccccccccccccccccc";
    const r = await seed({ ...options, demoApiKey: newKey, adminPassword: "another-password", simulatorUrl: "http://127.0.0.1:4888/" });
    expect(r.created).toBe(0);
    // the key row, the admin's hash, three providers' base URLs
    expect(r.updated).toBe(5);
    const keys = await db.apiKey.findMany({ where: { name: DEMO.demoKeyName } });
    expect(keys.map((k) => k.hash)).toEqual([sha256Hex(newKey)]);
    const admin = await db.user.findUniqueOrThrow({ where: { email: DEMO.adminEmail } });
    expect(await verifyPassword(admin.passwordHash ?? "", "another-password")).toBe(true);
    expect((await db.provider.findFirstOrThrow({ where: { name: "sim-openai" } })).baseUrl).toBe("http://127.0.0.1:4888/v1");

    // Without a key in the settings, the stored one is kept and not printed.
    const again = await seed({ ...options, demoApiKey: undefined, adminPassword: "another-password", simulatorUrl: "http://127.0.0.1:4888" });
    expect(again).toMatchObject({ created: 0, updated: 0, demoApiKey: null, demoApiKeyPrefix: "gh_live_seed" });
    await seed(options); // back to the settings of the other tests
  });

  it("generates the demo key when none is given and none exists, in the shape the gateway accepts", async () => {
    await db.apiKey.deleteMany({ where: { name: DEMO.demoKeyName } });
    const r = await seed({ ...options, demoApiKey: undefined });
    expect(r.created).toBe(1);
    expect(r.demoApiKey).toMatch(/^gh_live_[A-Za-z0-9_-]{43}$/);
    const row = await db.apiKey.findFirstOrThrow({ where: { name: DEMO.demoKeyName } });
    expect(row.hash).toBe(sha256Hex(r.demoApiKey ?? ""));
    expect(row.prefix).toBe(r.demoApiKey?.slice(0, 12));
    await seed(options);
    expect((await db.apiKey.findFirstOrThrow({ where: { name: DEMO.demoKeyName } })).hash).toBe(sha256Hex(key));
  });

  it("refuses malformed credentials before touching the database", async () => {
    await expect(seed({ ...options, demoApiKey: "sk-not-ours" })).rejects.toThrow(/GATEHOUSE_DEMO_API_KEY must look like gh_live_/);
    await expect(seed({ ...options, adminToken: key })).rejects.toThrow(/GATEHOUSE_ADMIN_TOKEN must look like gh_admin_/);
    await expect(seed({ ...options, demoApiKey: `${key}x` })).rejects.toThrow(/43 characters/);
    await expect(seed({ ...options, adminPassword: "short" })).rejects.toThrow(/GATEHOUSE_ADMIN_PASSWORD must be at least/);
  });

  it("runs as `npm run db:seed` and prints the sign-in, the key and a curl line", () => {
    const out = spawnSync(path.join(root, "node_modules", ".bin", "tsx"), ["prisma/seed.ts"], {
      cwd: root,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        DATABASE_URL: url,
        GATEHOUSE_ENCRYPTION_KEY: testEnv.GATEHOUSE_ENCRYPTION_KEY,
        GATEHOUSE_DEMO_API_KEY: key,
        GATEHOUSE_ADMIN_TOKEN: token,
        SIMULATOR_URL: "http://127.0.0.1:4999",
        DOTENV_CONFIG_PATH: "/nonexistent/.env",
      },
    });
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout).toContain(`Admin sign-in:   ${DEMO.adminEmail} / ${DEMO.adminPassword}`);
    expect(out.stdout).toContain(`Demo API key:    ${key}`);
    expect(out.stdout).toContain(`curl -s http://127.0.0.1:3000/v1/models -H "Authorization: Bearer ${key}"`);
    expect(out.stdout).toContain("(0 rows created, 0 changed)");
  });
});
