/**
 * The snapshot sync in this process, against the test Postgres and Redis:
 * publish -> reload, coalescing, E's interface on top, and the load time of
 * a realistic configuration (10k keys, 1k routes) in a scratch database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishConfigChange } from "@/lib/config-events";
import { encryptSecret, newSecret, sha256Hex } from "@/lib/crypto";
import { createDb, db, disconnectDb, type Db } from "@/lib/db";
import {
  buildSnapshot,
  configSyncStats,
  getGatewayConfig,
  getSnapshot,
  invalidateGatewayConfig,
  loadSnapshotRows,
  snapshotVersion,
  startConfigSync,
  stopConfigSync,
  waitForVersion,
} from "@/lib/gateway/config";
import { decryptSecret } from "@/lib/crypto";
import { newId } from "@/lib/ids";
import { disconnectRedis } from "@/lib/redis";
import { dropDatabase } from "@/lib/db-migrate/database";
import { INT_DATABASE, pgUrl } from "@/lib/testing/env";
import { prepareTestDatabase } from "@/lib/testing/db";
import { createGatewayFixture, type GatewayFixture } from "@/lib/testing/gateway";

let fx: GatewayFixture;

beforeAll(async () => {
  fx = await createGatewayFixture(db, "snap");
  // Only the publish path: no poll, no periodic reload, so what we see is pub/sub.
  await startConfigSync({ pollMs: 60_000, refreshMs: 0 });
});

afterAll(async () => {
  await stopConfigSync();
  await disconnectRedis();
  await disconnectDb();
});

async function addKey(tenantId: string): Promise<{ id: string; secret: string }> {
  const secret = newSecret("gh_test");
  const id = newId("apiKey");
  await db.apiKey.create({ data: { id, tenantId, name: "snap key", prefix: secret.slice(0, 12), hash: sha256Hex(secret) } });
  return { id, secret };
}

describe("config sync in process", () => {
  it("has a snapshot once started, with the fixture in it", () => {
    const snap = getSnapshot();
    expect(snapshotVersion()).toBe(snap.version);
    expect(snap.keyByDigest(sha256Hex(fx.key))?.tenantId).toBe(fx.tenantId);
    expect(snap.modelList(fx.tenantId).map((m) => m.id)).toEqual(fx.modelIds);
  });

  it("sees a key created after a publish, and not before", async () => {
    const { secret, id } = await addKey(fx.tenantId);
    expect(getSnapshot().keyByDigest(sha256Hex(secret))).toBeUndefined();
    const version = await publishConfigChange({ tenantId: fx.tenantId, kind: "api_key", id });
    expect(version).not.toBeNull();
    const snap = await waitForVersion(version ?? 0);
    expect(snap.keyByDigest(sha256Hex(secret))?.id).toBe(id);
    expect(await getGatewayConfig().getKeyByDigest(sha256Hex(secret))).toMatchObject({ id, tenantSlug: fx.slug, revokedAt: null });
  });

  it("coalesces a burst of changes into a few reloads", async () => {
    const before = configSyncStats().reloads;
    const versions = await Promise.all(
      Array.from({ length: 25 }, (_, i) => publishConfigChange({ tenantId: fx.tenantId, kind: "flag", id: `flg_${i}` })),
    );
    const last = Math.max(...versions.map((v) => v ?? 0));
    await waitForVersion(last);
    const reloads = configSyncStats().reloads - before;
    console.log(`[config] 25 changes published together -> ${reloads} reload(s)`);
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThanOrEqual(3);
  });

  it("invalidateGatewayConfig makes the next lookup wait for a fresh snapshot (rows changed without a publish)", async () => {
    const { secret, id } = await addKey(fx.tenantId);
    const digest = sha256Hex(secret);
    expect(await getGatewayConfig().getKeyByDigest(digest)).toBeNull();
    invalidateGatewayConfig();
    expect((await getGatewayConfig().getKeyByDigest(digest))?.id).toBe(id);
    await db.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    invalidateGatewayConfig();
    expect((await getGatewayConfig().getKeyByDigest(digest))?.revokedAt).toBeInstanceOf(Date);
  });

  it("waitForVersion rejects when the version never comes", async () => {
    await expect(waitForVersion(snapshotVersion() + 1_000_000, 50)).rejects.toThrow(/did not reach version/);
  });
});

describe("snapshot load time", () => {
  const scratch = `${INT_DATABASE}_load`;
  let scratchDb: Db;

  beforeAll(async () => {
    await prepareTestDatabase(pgUrl(scratch));
    scratchDb = createDb(pgUrl(scratch));
    await seedLarge(scratchDb, { tenants: 100, keysPerTenant: 100, routesPerTenant: 10, targetsPerRoute: 3 });
  }, 120_000);

  afterAll(async () => {
    await scratchDb?.$disconnect();
    await dropDatabase(pgUrl(scratch));
  });

  it("loads and builds 10k keys and 1k routes well under a second", async () => {
    const runs: Array<{ queryMs: number; buildMs: number }> = [];
    let counts: unknown;
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const rows = await loadSnapshotRows(scratchDb);
      const t1 = performance.now();
      const snap = buildSnapshot(rows, { version: i, decrypt: (c) => decryptSecret(c) });
      const t2 = performance.now();
      counts = snap.counts;
      expect(snap.problems).toEqual([]);
      expect(snap.counts.apiKeys).toBe(10_000);
      expect(snap.counts.routes).toBe(1_000);
      if (i > 0) runs.push({ queryMs: t1 - t0, buildMs: t2 - t1 }); // first run warms Prisma and the pool
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const q = med(runs.map((r) => r.queryMs));
    const b = med(runs.map((r) => r.buildMs));
    console.log(
      `[config] snapshot of ${JSON.stringify(counts)}: query ${q.toFixed(1)} ms + build ${b.toFixed(1)} ms = ${(q + b).toFixed(1)} ms (median of ${runs.length})`,
    );
  });
});

/** 10k keys, 1k routes with 3 targets each, prices, flags, opt-outs and prompts, in bulk SQL. */
async function seedLarge(sdb: Db, n: { tenants: number; keysPerTenant: number; routesPerTenant: number; targetsPerRoute: number }): Promise<void> {
  const secret = encryptSecret("sk-load-test-secret");
  const sql = [
    `INSERT INTO tenants (id, slug, name, updated_at) SELECT 'ten_l' || t, 'load-' || t, 'Load ' || t, now() FROM generate_series(1, ${n.tenants}) t`,
    `INSERT INTO features (id, tenant_id, key, name, updated_at) SELECT 'fea_l' || t, 'ten_l' || t, 'support-reply', 'Support', now() FROM generate_series(1, ${n.tenants}) t`,
    `INSERT INTO api_keys (id, tenant_id, name, prefix, hash, feature_id) SELECT 'key_l' || t || '_' || k, 'ten_l' || t, 'k', 'gh_live_xxxx', md5(t || '/' || k) || md5(k || '/' || t), 'fea_l' || t FROM generate_series(1, ${n.tenants}) t, generate_series(1, ${n.keysPerTenant}) k`,
    `INSERT INTO providers (id, tenant_id, name, kind, base_url, secret_ciphertext, updated_at) SELECT 'prv_l' || t || '_' || p, 'ten_l' || t, 'p' || p, 'openai', 'http://127.0.0.1:4010/v1', '${secret}', now() FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p`,
    `INSERT INTO provider_models (id, tenant_id, provider_id, name) SELECT 'mdl_l' || t || '_' || p || '_' || m, 'ten_l' || t, 'prv_l' || t || '_' || p, 'model-' || m FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p, generate_series(1, 5) m`,
    `INSERT INTO model_prices (id, tenant_id, model_id, input_per_mtok_micros, output_per_mtok_micros, effective_from) SELECT 'prc_l' || t || '_' || p || '_' || m || '_' || e, 'ten_l' || t, 'mdl_l' || t || '_' || p || '_' || m, 1000000 * e, 4000000 * e, now() - (e || ' days')::interval FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p, generate_series(1, 5) m, generate_series(1, 2) e`,
    `INSERT INTO routes (id, tenant_id, feature_id, alias, updated_at) SELECT 'rte_l' || t || '_' || r, 'ten_l' || t, 'fea_l' || t, 'route-' || r, now() FROM generate_series(1, ${n.tenants}) t, generate_series(1, ${n.routesPerTenant}) r`,
    `INSERT INTO route_targets (id, tenant_id, route_id, model_id, position) SELECT 'tgt_l' || t || '_' || r || '_' || x, 'ten_l' || t, 'rte_l' || t || '_' || r, 'mdl_l' || t || '_' || (1 + x % 2) || '_' || (1 + x % 5), x FROM generate_series(1, ${n.tenants}) t, generate_series(1, ${n.routesPerTenant}) r, generate_series(1, ${n.targetsPerRoute}) x`,
    `INSERT INTO flags (id, tenant_id, key, kind, scope, updated_at) SELECT 'flg_l' || t || '_' || f, 'ten_l' || t, 'flag-' || f, 'release', 'tenant', now() FROM generate_series(1, ${n.tenants}) t, generate_series(1, 5) f`,
    `INSERT INTO end_user_opt_outs (id, tenant_id, end_user_id) SELECT 'opt_l' || t || '_' || u, 'ten_l' || t, 'user-' || u FROM generate_series(1, ${n.tenants}) t, generate_series(1, 10) u`,
    `INSERT INTO prompts (id, tenant_id, feature_id, name, updated_at) SELECT 'pmt_l' || t || '_' || p, 'ten_l' || t, 'fea_l' || t, 'prompt-' || p, now() FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p`,
    `INSERT INTO prompt_versions (id, tenant_id, prompt_id, version, template) SELECT 'pmv_l' || t || '_' || p || '_' || v, 'ten_l' || t, 'pmt_l' || t || '_' || p, v, '[{"role":"system","content":"You help {{customer_name}}."}]'::jsonb FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p, generate_series(1, 5) v`,
    `INSERT INTO prompt_labels (id, tenant_id, prompt_id, name, version_id, updated_at) SELECT 'pml_l' || t || '_' || p, 'ten_l' || t, 'pmt_l' || t || '_' || p, 'production', 'pmv_l' || t || '_' || p || '_5', now() FROM generate_series(1, ${n.tenants}) t, generate_series(1, 2) p`,
  ];
  for (const s of sql) await sdb.$executeRawUnsafe(s);
}
