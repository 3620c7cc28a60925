/**
 * `npx tsx scripts/explain-request-queries.ts [--tenant acme] [--runs 5]`
 *
 * Measures the Requests page's list query (lib/requests/service.ts,
 * listRequests) against DATABASE_URL: for each filter the page offers, first
 * page and a deep cursor, it captures the SQL Prisma sends, runs EXPLAIN
 * (ANALYZE, BUFFERS) on it and prints the median execution time, the median
 * wall time of the service call, and the indexes the plan used. Seed a big
 * log first: scripts/seed-request-logs.ts. Never against production.
 */
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { encodeCursor } from "@/lib/http/cursor";
import type { TenantCtx } from "@/lib/authz/context";
import type { ListRequestsQuery } from "@/lib/requests/schema";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

function indexesOf(node: PlanNode, out = new Set<string>()): Set<string> {
  if (node["Index Name"]) out.add(node["Index Name"].replace(/^request_logs_p\d{6}_|^request_logs_default_/, "*_"));
  else if (node["Node Type"] === "Seq Scan") out.add(`Seq Scan ${node["Relation Name"] ?? ""}`);
  for (const p of node.Plans ?? []) indexesOf(p, out);
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  await import("dotenv/config");
  const { values } = parseArgs({ options: { tenant: { type: "string", default: "acme" }, runs: { type: "string", default: "5" } } });
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is required");
  const runs = Number(values.runs);

  const captured: Array<{ query: string; params: string }> = [];
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }), log: [{ emit: "event", level: "query" }] });
  prisma.$on("query", (e) => captured.push({ query: e.query, params: e.params }));
  // The services use the process-wide client of lib/db; hand them this one.
  (globalThis as unknown as { gatehouseDb?: unknown }).gatehouseDb = prisma;
  const { listRequests } = await import("@/lib/requests/service");

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tenant = (await client.query<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [values.tenant])).rows[0];
    if (!tenant) throw new Error(`no tenant '${values.tenant}'`);
    const ctx: TenantCtx = { tenantId: tenant.id, tenantSlug: values.tenant, role: "owner", isPlatformAdmin: false, actor: { type: "user", id: "usr_bench", label: "bench" } };
    const total = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM request_logs WHERE tenant_id = $1", [tenant.id])).rows[0]?.n ?? 0);
    const pick = async (sql: string) => (await client.query<{ v: string }>(sql, [tenant.id])).rows[0]?.v ?? "";
    const feature = await pick("SELECT feature_id AS v FROM request_logs WHERE tenant_id = $1 AND feature_id IS NOT NULL GROUP BY 1 ORDER BY count(*) LIMIT 1");
    const user = await pick("SELECT end_user_id AS v FROM request_logs WHERE tenant_id = $1 AND end_user_id = 'user-00500' LIMIT 1");
    const deep = (await client.query<{ id: string; created_at: Date }>(
      "SELECT id, created_at FROM request_logs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
      [tenant.id, Math.floor(total / 2)],
    )).rows[0];
    if (!deep) throw new Error("no rows: seed the request log first");
    const deepCursor = encodeCursor({ createdAt: deep.created_at, id: deep.id });
    const day = 86_400_000;
    const now = Date.now();
    const base = { limit: 50 };
    const cases: Array<[string, ListRequestsQuery]> = [
      ["no filter", base],
      ["no filter, deep cursor (row total/2)", { ...base, cursor: deepCursor }],
      ["feature (least used)", { ...base, featureId: feature }],
      ["feature, deep cursor", { ...base, featureId: feature, cursor: deepCursor }],
      ["status=error (3 %)", { ...base, status: "error" }],
      ["status=blocked (2 %), deep cursor", { ...base, status: "blocked", cursor: deepCursor }],
      ["model=gemini-1.5-flash", { ...base, model: "gemini-1.5-flash" }],
      ["end user (one of 5,000)", { ...base, endUserId: user || "user-00500" }],
      ["end user, deep cursor", { ...base, endUserId: user || "user-00500", cursor: deepCursor }],
      ["end user with no rows", { ...base, endUserId: "nobody-at-all" }],
      ["time range: one day 30 days ago", { ...base, from: new Date(now - 31 * day).toISOString(), to: new Date(now - 30 * day).toISOString() }],
      ["time range: last 7 days", { ...base, from: new Date(now - 7 * day).toISOString() }],
      ["feature + status=error", { ...base, featureId: feature, status: "error" }],
      ["model + end user", { ...base, model: "gemini-1.5-flash", endUserId: user || "user-00500" }],
    ];

    console.log(`tenant ${values.tenant}: ${total.toLocaleString("en-US")} request logs; median of ${runs} runs\n`);
    console.log(`${"case".padEnd(38)} ${"rows".padStart(4)} ${"exec ms".padStart(8)} ${"call ms".padStart(8)}  plan`);
    for (const [name, query] of cases) {
      captured.length = 0;
      const page = await listRequests(ctx, query);
      const listSql = captured.find((c) => /FROM "public"\."request_logs"/.test(c.query));
      if (!listSql) throw new Error(`no request_logs query captured for ${name}`);
      const params = JSON.parse(listSql.params) as unknown[];
      const exec: number[] = [];
      const wall: number[] = [];
      let indexes = new Set<string>();
      for (let i = 0; i < runs; i++) {
        const res = await client.query<{ "QUERY PLAN": Array<{ "Execution Time": number; Plan: PlanNode }> }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${listSql.query}`,
          params,
        );
        const plan = res.rows[0]?.["QUERY PLAN"][0];
        if (plan) {
          exec.push(plan["Execution Time"]);
          indexes = indexesOf(plan.Plan);
        }
        const t0 = performance.now();
        await listRequests(ctx, query);
        wall.push(performance.now() - t0);
      }
      console.log(
        `${name.padEnd(38)} ${String(page.data.length).padStart(4)} ${median(exec).toFixed(2).padStart(8)} ${median(wall).toFixed(2).padStart(8)}  ${[...indexes].join(", ")}`,
      );
    }
    if (process.env.SHOW_SQL) console.log(`\n${captured.at(-1)?.query ?? ""}`);
  } finally {
    await client.end();
    await prisma.$disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
