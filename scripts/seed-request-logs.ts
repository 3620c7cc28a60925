/**
 * `npx tsx scripts/seed-request-logs.ts --tenant acme --rows 1000000 [--days 60] [--batch 50000] [--feedback-rate 0.002]`
 *
 * Fills a tenant's request log with realistic rows for load-testing the
 * Requests page (and demoing Bad answers): several features, models,
 * statuses and end-users, spread evenly over the last `--days` days and so
 * over several monthly partitions (the missing months are created first),
 * with attempt timelines, context documents, tokens, cost and latency. Rows
 * are generated inside Postgres (INSERT ... SELECT generate_series), in
 * batches on two connections: about a minute for a million rows here.
 * A fraction of the newest two weeks' requests get end-user feedback (most of
 * it negative), so the Bad answers queue has something to show.
 *
 * Database: DATABASE_URL (from the environment or .env). Never run it against
 * a production database: it only adds rows, but a million of them.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { z } from "zod";
import { newId } from "@/lib/ids";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // lib/ids.ts: Crockford base32, lower case

/** Features the seeder makes sure the tenant has (created when missing). */
export const SEED_FEATURES = [
  { key: "support-reply", name: "Support reply" },
  { key: "search-answer", name: "Search answer" },
  { key: "ticket-summary", name: "Ticket summary" },
  { key: "intent-classifier", name: "Intent classifier" },
  { key: "email-draft", name: "Email draft" },
] as const;

/** Models callers name, with the share of traffic each gets (cumulative thresholds are derived). */
export const SEED_MODELS = [
  { model: "support-reply", share: 0.45, primary: "sim-openai/sim-primary", fallback: "sim-anthropic/sim-fallback", endpoint: "chat.completions" },
  { model: "gpt-4o-mini", share: 0.25, primary: "sim-openai/gpt-4o-mini", fallback: "sim-gemini/sim-gemini", endpoint: "chat.completions" },
  { model: "claude-3-5-haiku", share: 0.12, primary: "sim-anthropic/claude-3-5-haiku", fallback: "sim-openai/sim-primary", endpoint: "messages" },
  { model: "gemini-1.5-flash", share: 0.1, primary: "sim-gemini/gemini-1.5-flash", fallback: "sim-openai/sim-primary", endpoint: "chat.completions" },
  { model: "text-embedding-3-small", share: 0.08, primary: "sim-openai/sim-embedding", fallback: "sim-openai/sim-embedding", endpoint: "embeddings" },
] as const;

/** Status shares: ok 90 %, fallback 5 %, error 3 %, blocked 2 %. */
const STATUS_CUTS = { ok: 0.9, fallback: 0.95, error: 0.98 } as const;
export const SEED_END_USERS = 5_000;

const QUESTIONS = [
  "I cannot sign in to my account since this morning. What should I do?",
  "Can I get a refund for the annual plan I bought last week?",
  "How do I export all my invoices as a PDF?",
  "The mobile app crashes when I open the settings page.",
  "Where can I change the email address on my account?",
  "Is there a way to add a second administrator to our workspace?",
  "My payment failed twice although the card is valid.",
  "How long do you keep deleted files before they are gone for good?",
];
const ANSWERS = [
  "Sorry to hear that. Please reset your password from the sign-in page; if the email does not arrive within five minutes, check your spam folder.",
  "Refunds for annual plans are handled by our billing team. I have opened a ticket for you; they will reply within one business day.",
  "Open Billing, choose Invoices, select the ones you need and click Export as PDF.",
  "Thanks for reporting this. Please update the app to the latest version; if it still crashes, send us the device model and OS version.",
  "Go to Settings, then Profile, and change the email there. We will send a confirmation link to the new address.",
  "Yes: an owner can invite a second administrator from Settings, Members, Invite.",
];
const DOC_SOURCES = ["kb/sign-in.md", "kb/billing/refunds.md", "kb/billing/invoices.md", "kb/mobile/known-issues.md", "kb/account/email.md", "kb/workspace/members.md"];
const COMMENTS = [
  "The answer promised a refund we do not offer.",
  "Wrong steps: there is no Export as PDF button.",
  "Did not answer my question at all.",
  "Too long, and it ignored my account type.",
  "Helpful, thanks!",
  "",
];

const Options = z.object({
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL must be a postgres:// URL" }),
  tenant: z.string().min(1),
  rows: z.coerce.number().int().min(1).max(50_000_000),
  days: z.coerce.number().int().min(1).max(730).default(60),
  batch: z.coerce.number().int().min(100).max(1_000_000).default(50_000),
  /** Share of the last 14 days' requests that get feedback. */
  feedbackRate: z.coerce.number().min(0).max(1).default(0.002),
  /** Newest row time (default now); rows spread over [end - days, end). */
  end: z.date().optional(),
  log: z.custom<(line: string) => void>().optional(),
});
export type SeedRequestLogsOptions = z.input<typeof Options>;

export interface SeedRequestLogsResult {
  tenantId: string;
  rows: number;
  feedback: number;
  partitions: string[];
  ms: number;
}

/** SQL for the 10 base-32 time characters of lib/ids.ts, from a bigint ms expression. */
function timeIdSql(ms: string): string {
  const parts: string[] = [];
  for (let k = 0; k < 10; k++) parts.push(`substr('${ALPHABET}', (((${ms}) >> ${5 * (9 - k)}) & 31)::int + 1, 1)`);
  return parts.join(" || ");
}

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sqlArray = (xs: readonly string[]) => `ARRAY[${xs.map(sqlText).join(", ")}]::text[]`;
/** 1-based pick from a text array by a [0,1) random expression. */
const pick = (arr: string, len: number, r: string) => `(${arr})[1 + floor(${r} * ${len})::int]`;

/**
 * One batch: rows lo..hi of `total`, row i at start + span * i / total (so
 * they arrive in time order, like the worker writes them). $1 tenant, $2
 * start ms, $3 span ms, $4 total, $5 lo, $6 hi, $7 feature ids, $8 API key ids.
 */
export function batchSql(): string {
  let cut = 0;
  const modelCase = (field: (m: (typeof SEED_MODELS)[number]) => string) =>
    `CASE ${SEED_MODELS.map((m) => {
      cut += m.share;
      return `WHEN r_model < ${cut.toFixed(4)} THEN ${field(m)}`;
    }).join(" ")} ELSE ${field(SEED_MODELS[0])} END`;
  const resetCut = <T>(f: () => T): T => {
    cut = 0;
    return f();
  };
  const model = resetCut(() => modelCase((m) => sqlText(m.model)));
  const primary = resetCut(() => modelCase((m) => sqlText(m.primary)));
  const fallback = resetCut(() => modelCase((m) => sqlText(m.fallback)));
  const endpoint = resetCut(() => modelCase((m) => sqlText(m.endpoint)));

  return `
WITH g AS (
  SELECT i, ($2::bigint + ($3::bigint * i) / $4::bigint + floor(random() * greatest($3::bigint / $4::bigint, 1))::bigint) AS ms,
         random() AS r_status, random() AS r_model, random() AS r_feature, random() AS r_user, random() AS r_text, random() AS r_num
  FROM generate_series($5::bigint, $6::bigint) AS i
), v AS (
  SELECT g.*,
    CASE WHEN r_status < ${STATUS_CUTS.ok} THEN 'ok' WHEN r_status < ${STATUS_CUTS.fallback} THEN 'fallback'
         WHEN r_status < ${STATUS_CUTS.error} THEN 'error' ELSE 'blocked' END AS status,
    ${model} AS model, ${primary} AS primary_target, ${fallback} AS fallback_target, ${endpoint} AS endpoint,
    CASE WHEN r_feature < 0.05 THEN NULL ELSE ($7::text[])[1 + floor(power((r_feature - 0.05) / 0.95, 1.6) * cardinality($7::text[]))::int] END AS feature_id,
    CASE WHEN r_user < 0.1 THEN NULL ELSE 'user-' || lpad(floor(power((r_user - 0.1) / 0.9, 2.5) * ${SEED_END_USERS})::int::text, 5, '0') END AS end_user_id,
    (40 + floor(r_num * 1400))::int AS prompt_tokens,
    (20 + floor(power(r_text, 2) * 600))::int AS completion_tokens,
    (180 + floor(power(r_num, 3) * 4000))::int AS latency
  FROM g
)
INSERT INTO request_logs (id, created_at, tenant_id, feature_id, api_key_id, end_user_id, endpoint, model, served_by, status, http_status,
  error_code, fallback_reason, streamed, cache, request, response, context_docs, attempts, prompt_tokens, completion_tokens, cached_tokens,
  cost_micros, latency_ms, ttft_ms, metadata)
SELECT
  'req_' || ${timeIdSql("ms")} || substr(md5(i::text || ':' || r_text::text || ':' || r_num::text), 1, 16),
  to_timestamp(ms / 1000.0),
  $1, feature_id,
  CASE WHEN cardinality($8::text[]) = 0 THEN NULL ELSE ($8::text[])[1 + (i % cardinality($8::text[]))::int] END,
  end_user_id, endpoint, model,
  CASE status WHEN 'ok' THEN primary_target WHEN 'fallback' THEN fallback_target ELSE NULL END,
  status::"RequestStatus",
  CASE status WHEN 'error' THEN (CASE WHEN r_text < 0.5 THEN 502 ELSE 504 END) WHEN 'blocked' THEN (CASE WHEN r_text < 0.6 THEN 429 ELSE 400 END) ELSE 200 END,
  CASE status WHEN 'error' THEN (CASE WHEN r_text < 0.5 THEN 'upstream_error' ELSE 'upstream_timeout' END)
              WHEN 'blocked' THEN (CASE WHEN r_text < 0.6 THEN 'rate_limited' ELSE 'invalid_request' END) ELSE NULL END,
  CASE status WHEN 'fallback' THEN (CASE WHEN r_text < 0.5 THEN 'primary_server_error' ELSE 'primary_timeout' END) ELSE NULL END,
  endpoint <> 'embeddings' AND r_num < 0.4,
  CASE WHEN status = 'ok' AND r_user > 0.93 THEN 'hit' ELSE NULL END,
  jsonb_build_object('model', model, 'user', end_user_id, 'messages', jsonb_build_array(
    jsonb_build_object('role', 'system', 'content', 'You are a support agent for Acme. Answer briefly and kindly, and never promise refunds.'),
    jsonb_build_object('role', 'user', 'content', ${pick(sqlArray(QUESTIONS), QUESTIONS.length, "r_text")}))),
  CASE WHEN status IN ('ok', 'fallback') THEN jsonb_build_object('id', 'chatcmpl-' || substr(md5(i::text), 1, 20), 'object', 'chat.completion', 'model', model,
      'choices', jsonb_build_array(jsonb_build_object('index', 0, 'finish_reason', 'stop',
        'message', jsonb_build_object('role', 'assistant', 'content', ${pick(sqlArray(ANSWERS), ANSWERS.length, "r_user")}))),
      'usage', jsonb_build_object('prompt_tokens', prompt_tokens, 'completion_tokens', completion_tokens, 'total_tokens', prompt_tokens + completion_tokens))
    ELSE jsonb_build_object('error', jsonb_build_object('message', 'Request failed', 'type', 'api_error', 'param', NULL,
      'code', CASE status WHEN 'error' THEN 'upstream_error' ELSE 'rate_limited' END)) END,
  CASE WHEN model = 'support-reply' AND r_user > 0.5 THEN jsonb_build_array(
      jsonb_build_object('id', 'kb-' || (floor(r_text * 900) + 100)::int, 'source', ${pick(sqlArray(DOC_SOURCES), DOC_SOURCES.length, "r_text")},
        'text', 'To reset your password, open the sign-in page and click Forgot password. The link is valid for one hour.', 'score', round((0.6 + r_num * 0.39)::numeric, 3)),
      jsonb_build_object('id', 'kb-' || (floor(r_num * 900) + 100)::int, 'source', ${pick(sqlArray(DOC_SOURCES), DOC_SOURCES.length, "r_num")},
        'text', 'Refunds are available within 14 days of purchase for monthly plans only.', 'score', round((0.4 + r_text * 0.3)::numeric, 3)))
    ELSE '[]'::jsonb END,
  CASE status
    WHEN 'ok' THEN jsonb_build_array(jsonb_build_object('target', primary_target, 'status', 'ok', 'httpStatus', 200, 'errorClass', NULL, 'latencyMs', latency - 3, 'ttftMs', latency / 4))
    WHEN 'fallback' THEN jsonb_build_array(
      CASE WHEN r_text < 0.5 THEN jsonb_build_object('target', primary_target, 'status', 'error', 'httpStatus', 503, 'errorClass', 'server_error', 'latencyMs', 40, 'ttftMs', NULL)
           ELSE jsonb_build_object('target', primary_target, 'status', 'timeout', 'httpStatus', NULL, 'errorClass', 'timeout', 'latencyMs', 10000, 'ttftMs', NULL) END,
      jsonb_build_object('target', fallback_target, 'status', 'ok', 'httpStatus', 200, 'errorClass', NULL, 'latencyMs', latency, 'ttftMs', latency / 3))
    WHEN 'error' THEN jsonb_build_array(
      jsonb_build_object('target', primary_target, 'status', 'error', 'httpStatus', 500, 'errorClass', 'server_error', 'latencyMs', 35, 'ttftMs', NULL),
      jsonb_build_object('target', primary_target, 'status', 'error', 'httpStatus', 502, 'errorClass', 'server_error', 'latencyMs', 41, 'ttftMs', NULL),
      jsonb_build_object('target', fallback_target, 'status', 'timeout', 'httpStatus', NULL, 'errorClass', 'timeout', 'latencyMs', 15000, 'ttftMs', NULL))
    ELSE '[]'::jsonb END,
  CASE WHEN status IN ('ok', 'fallback') THEN prompt_tokens ELSE 0 END,
  CASE WHEN status IN ('ok', 'fallback') THEN completion_tokens ELSE 0 END,
  CASE WHEN status = 'ok' AND r_num < 0.3 THEN prompt_tokens / 2 ELSE 0 END,
  CASE WHEN status IN ('ok', 'fallback') THEN (prompt_tokens * 0.15 + completion_tokens * 0.6)::bigint ELSE 0 END,
  CASE status WHEN 'blocked' THEN 3 WHEN 'error' THEN 15100 WHEN 'fallback' THEN latency + 400 ELSE latency END,
  CASE WHEN status IN ('ok', 'fallback') AND endpoint <> 'embeddings' THEN latency / 4 ELSE NULL END,
  jsonb_build_object('seeded', true)
FROM v`;
}

/**
 * Monthly partitions (request_logs_pYYYYMM) for every month of [from, to),
 * like gatehouse_ensure_request_log_partitions does for the months ahead:
 * rows already in the default partition for a month move into it first.
 */
const ENSURE_PAST_PARTITIONS_SQL = `
DO $$
DECLARE
  m timestamp := date_trunc('month', (%FROM% AT TIME ZONE 'UTC'));
  last_m timestamp := date_trunc('month', (%TO% AT TIME ZONE 'UTC'));
  lo timestamptz; hi timestamptz; part text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('gatehouse_request_log_partitions'));
  WHILE m <= last_m LOOP
    lo := m AT TIME ZONE 'UTC'; hi := (m + interval '1 month') AT TIME ZONE 'UTC';
    part := 'request_logs_p' || to_char(m, 'YYYYMM');
    IF to_regclass(part) IS NULL THEN
      IF EXISTS (SELECT 1 FROM request_logs_default WHERE created_at >= lo AND created_at < hi) THEN
        EXECUTE format('CREATE TABLE %I (LIKE request_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH moved AS (DELETE FROM request_logs_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved', part) USING lo, hi;
        EXECUTE format('ALTER TABLE request_logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF request_logs FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      END IF;
    END IF;
    m := m + interval '1 month';
  END LOOP;
END $$`;

async function listPartitions(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'request_logs'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

export async function seedRequestLogs(input: SeedRequestLogsOptions): Promise<SeedRequestLogsResult> {
  const opts = Options.parse(input);
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 2 });
  try {
    const client = await pool.connect();
    let tenantId: string;
    let featureIds: string[];
    let apiKeyIds: string[];
    let partitions: string[];
    const end = opts.end ?? new Date();
    const startMs = end.getTime() - opts.days * 86_400_000;
    try {
      const tenant = await client.query<{ id: string }>("SELECT id FROM tenants WHERE slug = $1", [opts.tenant]);
      const found = tenant.rows[0];
      if (!found) throw new Error(`No tenant with slug '${opts.tenant}' (run npm run db:seed first, or pass --tenant)`);
      tenantId = found.id;

      featureIds = [];
      for (const f of SEED_FEATURES) {
        const res = await client.query<{ id: string }>(
          `INSERT INTO features (id, tenant_id, key, name, updated_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (tenant_id, key) DO UPDATE SET key = EXCLUDED.key RETURNING id`,
          [newId("feature"), tenantId, f.key, f.name],
        );
        const id = res.rows[0]?.id;
        if (id) featureIds.push(id);
      }
      apiKeyIds = (await client.query<{ id: string }>("SELECT id FROM api_keys WHERE tenant_id = $1 ORDER BY created_at", [tenantId])).rows.map((r) => r.id);

      const from = new Date(startMs).toISOString();
      await client.query(ENSURE_PAST_PARTITIONS_SQL.replace("%FROM%", `'${from}'::timestamptz`).replace("%TO%", `'${end.toISOString()}'::timestamptz`));
      partitions = await listPartitions(client);
    } finally {
      client.release();
    }

    // Batches on two connections; synchronous_commit off: a crash loses seed rows, nothing else.
    const sql = batchSql();
    const spanMs = opts.days * 86_400_000;
    const batches: Array<[number, number]> = [];
    for (let lo = 0; lo < opts.rows; lo += opts.batch) batches.push([lo, Math.min(opts.rows, lo + opts.batch) - 1]);
    let done = 0;
    let next = 0;
    const worker = async () => {
      const c = await pool.connect();
      try {
        await c.query("SET synchronous_commit = off");
        for (let b = next++; b < batches.length; b = next++) {
          const [lo, hi] = batches[b] ?? [0, -1];
          await c.query(sql, [tenantId, startMs, spanMs, opts.rows, lo, hi, featureIds, apiKeyIds]);
          done += hi - lo + 1;
          log(`  ${done.toLocaleString("en-US")} / ${opts.rows.toLocaleString("en-US")} rows (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }
      } finally {
        c.release();
      }
    };
    await Promise.all([worker(), worker()]);

    // Feedback on a sample of the last 14 days' answered requests: 70 % bad, a third of the older bad ones resolved.
    const fb = await pool.query(
      `INSERT INTO feedback (id, tenant_id, request_id, score, comment, end_user_id, resolved_at, created_at)
       SELECT 'fbk_' || ${timeIdSql("(extract(epoch from r.created_at) * 1000)::bigint + 60000")} || substr(md5(r.id), 1, 16),
              r.tenant_id, r.id, s.score,
              CASE WHEN s.score < 0 THEN ${pick(sqlArray(COMMENTS.slice(0, 4)), 4, "s.rc")} ELSE ${pick(sqlArray(COMMENTS.slice(4)), 2, "s.rc")} END,
              r.end_user_id,
              CASE WHEN s.score < 0 AND r.created_at < $3::timestamptz - interval '3 days' AND s.rc < 0.33 THEN r.created_at + interval '1 day' ELSE NULL END,
              r.created_at + interval '1 minute'
       FROM request_logs r
       CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.7 THEN -1 ELSE 1 END AS score, random() AS rc WHERE r.id IS NOT NULL) s
       WHERE r.tenant_id = $1 AND r.created_at >= $3::timestamptz - interval '14 days' AND r.status IN ('ok', 'fallback')
         AND r.metadata ? 'seeded' AND random() < $2`,
      [tenantId, opts.feedbackRate, end.toISOString()],
    );
    await pool.query("ANALYZE request_logs");
    await pool.query("ANALYZE feedback");
    return { tenantId, rows: opts.rows, feedback: fb.rowCount ?? 0, partitions, ms: Date.now() - started };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  await import("dotenv/config");
  const { values } = parseArgs({
    options: {
      tenant: { type: "string", default: "acme" },
      rows: { type: "string", default: "1000000" },
      days: { type: "string", default: "60" },
      batch: { type: "string", default: "50000" },
      "feedback-rate": { type: "string", default: "0.002" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("usage: npx tsx scripts/seed-request-logs.ts [--tenant acme] [--rows 1000000] [--days 60] [--batch 50000] [--feedback-rate 0.002]");
    return;
  }
  const parsed = Options.safeParse({
    databaseUrl: process.env.DATABASE_URL,
    tenant: values.tenant,
    rows: values.rows,
    days: values.days,
    batch: values.batch,
    feedbackRate: values["feedback-rate"],
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    console.error(`seed-request-logs: ${String(issue?.path[0] ?? "option")}: ${issue?.message ?? "invalid"}`);
    process.exit(2);
  }
  const url = new URL(parsed.data.databaseUrl);
  console.log(`Seeding ${parsed.data.rows.toLocaleString("en-US")} request logs for '${parsed.data.tenant}' over ${parsed.data.days} days into ${url.host}${url.pathname}`);
  const result = await seedRequestLogs({ ...parsed.data, log: (line) => console.log(line) });
  console.log(
    `Done: ${result.rows.toLocaleString("en-US")} rows and ${result.feedback.toLocaleString("en-US")} feedback rows in ${(result.ms / 1000).toFixed(1)} s ` +
      `(${Math.round(result.rows / (result.ms / 1000)).toLocaleString("en-US")} rows/s); partitions: ${result.partitions.join(", ")}`,
  );
}

const invoked = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("seed-request-logs failed:", error);
      process.exit(1);
    },
  );
}
