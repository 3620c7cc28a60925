/**
 * Demo data: `npm run db:seed`. Idempotent: every row is found by its natural
 * key first and only created (or corrected) when missing or different, so a
 * second run with the same settings changes nothing.
 *
 * Settings (all optional, from the environment or the options of `seed()`):
 *   GATEHOUSE_ADMIN_EMAIL     platform admin (default admin@gatehouse.local)
 *   GATEHOUSE_ADMIN_PASSWORD  its password (default gatehouse-admin)
 *   GATEHOUSE_DEMO_API_KEY    the demo data-plane key (gh_live_...); generated and printed when unset
 *   GATEHOUSE_ADMIN_TOKEN     a platform-wide control-plane token (gh_admin_...); none when unset
 *   SIMULATOR_URL             where the provider simulator listens (default http://127.0.0.1:4010)
 *   GATEHOUSE_ENCRYPTION_KEY  encrypts the (fake) provider secrets
 */
import { pathToFileURL } from "node:url";
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "@/lib/auth/password";
import { decryptSecret, encryptSecret, newSecret, sha256Hex } from "@/lib/crypto";
import { createDb, type Db } from "@/lib/db";
import { decodeKey } from "@/lib/env";
import type { Prisma } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";

type Tx = Prisma.TransactionClient;
type TenantRole = "owner" | "admin" | "developer" | "support" | "viewer";

export const DEMO = {
  adminEmail: "admin@gatehouse.local",
  adminPassword: "gatehouse-admin",
  memberPassword: "gatehouse-demo",
  simulatorUrl: "http://127.0.0.1:4010",
  tenants: [
    { slug: "acme", name: "Acme Corp" },
    { slug: "globex", name: "Globex" },
  ],
  members: [
    { email: "owner@acme.test", name: "Olivia Owner", role: "owner" },
    { email: "admin@acme.test", name: "Adam Admin", role: "admin" },
    { email: "developer@acme.test", name: "Dana Developer", role: "developer" },
    { email: "support@acme.test", name: "Sam Support", role: "support" },
    { email: "viewer@acme.test", name: "Vera Viewer", role: "viewer" },
  ] satisfies Array<{ email: string; name: string; role: TenantRole }>,
  demoKeyName: "Demo key",
  adminTokenName: "Demo admin token",
  staticAnswer: "We're having trouble right now; a human will follow up.",
} as const;

export interface SeedOptions {
  /** Database to seed; defaults to DATABASE_URL. Ignored when `db` is given. */
  databaseUrl?: string;
  /** An existing client (not disconnected by the seed). */
  db?: Db;
  adminEmail?: string;
  adminPassword?: string;
  /** `gh_live_...`; when absent and no demo key exists yet, one is generated. */
  demoApiKey?: string;
  /** `gh_admin_...`; when absent no admin token is created. */
  adminToken?: string;
  simulatorUrl?: string;
  /** 32 bytes, hex or base64; defaults to GATEHOUSE_ENCRYPTION_KEY. */
  encryptionKey?: string;
}

export interface SeedResult {
  adminEmail: string;
  adminPassword: string;
  memberPassword: string;
  /** The demo key in clear when it is known (given or generated now); null when it existed already. */
  demoApiKey: string | null;
  demoApiKeyPrefix: string;
  adminToken: string | null;
  tenantIds: Record<string, string>;
  /** Rows created and rows changed by this run (0 and 0 on a re-run with the same settings). */
  created: number;
  updated: number;
}

// The shape lib/crypto newSecret() makes and the key/token lookups accept: 256 bits in base64url.
const SECRET_FORMAT = /^(gh_(?:live|admin)_)[A-Za-z0-9_-]{43}$/;

/** What the dashboard shows of a secret: its kind prefix and four more characters. */
export function secretDisplayPrefix(secret: string): string {
  const m = SECRET_FORMAT.exec(secret);
  const head = m?.[1] ?? "";
  return secret.slice(0, head.length + 4);
}

function checkSecret(name: string, value: string, kind: "gh_live_" | "gh_admin_"): string {
  if (!value.startsWith(kind) || !SECRET_FORMAT.test(value)) {
    throw new Error(`${name} must look like ${kind}<43 characters of [A-Za-z0-9_-]> (generate one: node -e "console.log('${kind}'+require('crypto').randomBytes(32).toString('base64url'))")`);
  }
  return value;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Fixed so the seed's prices are the same rows on every run. */
const PRICES_FROM = new Date("2026-01-01T00:00:00.000Z");

export async function seed(options: SeedOptions = {}): Promise<SeedResult> {
  const env = process.env;
  const adminEmail = (options.adminEmail ?? nonEmpty(env.GATEHOUSE_ADMIN_EMAIL) ?? DEMO.adminEmail).toLowerCase();
  const adminPassword = options.adminPassword ?? nonEmpty(env.GATEHOUSE_ADMIN_PASSWORD) ?? DEMO.adminPassword;
  const givenKey = options.demoApiKey ?? nonEmpty(env.GATEHOUSE_DEMO_API_KEY);
  const givenToken = options.adminToken ?? nonEmpty(env.GATEHOUSE_ADMIN_TOKEN);
  const simulatorUrl = (options.simulatorUrl ?? nonEmpty(env.SIMULATOR_URL) ?? DEMO.simulatorUrl).replace(/\/+$/, "");
  const rawKey = options.encryptionKey ?? nonEmpty(env.GATEHOUSE_ENCRYPTION_KEY);
  if (!rawKey) throw new Error("GATEHOUSE_ENCRYPTION_KEY is required to seed (it encrypts provider secrets)");
  const encKey = decodeKey(rawKey);
  if (!encKey) throw new Error("GATEHOUSE_ENCRYPTION_KEY must be 32 bytes as 64 hex characters or base64");
  if (adminPassword.length < MIN_PASSWORD_LENGTH) throw new Error(`GATEHOUSE_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (givenKey) checkSecret("GATEHOUSE_DEMO_API_KEY", givenKey, "gh_live_");
  if (givenToken) checkSecret("GATEHOUSE_ADMIN_TOKEN", givenToken, "gh_admin_");

  const db = options.db ?? createDb(options.databaseUrl ?? env.DATABASE_URL);
  const counts = { created: 0, updated: 0 };
  const created = <T>(row: T): T => {
    counts.created++;
    return row;
  };
  const updated = <T>(row: T): T => {
    counts.updated++;
    return row;
  };

  // Password hashes are slow: compute outside the transaction, only when needed.
  async function passwordHashFor(existing: string | null | undefined, password: string): Promise<string | null> {
    if (existing && (await verifyPassword(existing, password))) return null;
    return hashPassword(password);
  }

  try {
    const adminUserBefore = await db.user.findUnique({ where: { email: adminEmail } });
    const adminHash = await passwordHashFor(adminUserBefore?.passwordHash, adminPassword);
    const memberHashes = new Map<string, string | null>();
    for (const m of DEMO.members) {
      const u = await db.user.findUnique({ where: { email: m.email } });
      memberHashes.set(m.email, await passwordHashFor(u?.passwordHash, DEMO.memberPassword));
    }

    const result = await db.$transaction(
      async (tx) => {
        // Two seeds at once (quickstart and a test, say) take turns.
        await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(727100001)");

        // ------------------------------------------------------------ users and tenants
        const admin = await upsertUser(tx, { email: adminEmail, name: "Platform Admin", isPlatformAdmin: true }, adminHash);
        const tenantIds: Record<string, string> = {};
        for (const t of DEMO.tenants) {
          const tenant =
            (await tx.tenant.findUnique({ where: { slug: t.slug } })) ??
            created(await tx.tenant.create({ data: { id: newId("tenant"), slug: t.slug, name: t.name } }));
          tenantIds[t.slug] = tenant.id;
          await ensureMembership(tx, tenant.id, admin.id, "owner");
        }
        const acmeId = tenantIds.acme;
        if (!acmeId) throw new Error("unreachable: acme tenant missing");

        for (const m of DEMO.members) {
          const user = await upsertUser(tx, { email: m.email, name: m.name, isPlatformAdmin: false }, memberHashes.get(m.email) ?? null);
          await ensureMembership(tx, acmeId, user.id, m.role);
        }

        // ------------------------------------------------------------ providers, models, prices
        const providers = [
          { name: "sim-openai", kind: "openai", baseUrl: `${simulatorUrl}/v1`, secret: "sk-sim-openai-demo-0000000000000000" },
          { name: "sim-anthropic", kind: "anthropic", baseUrl: simulatorUrl, secret: "sk-sim-anthropic-demo-00000000000000" },
          { name: "sim-gemini", kind: "gemini", baseUrl: simulatorUrl, secret: "sk-sim-gemini-demo-0000000000000000" },
        ] as const;
        const providerIds: Record<string, string> = {};
        for (const p of providers) {
          const existing = await tx.provider.findUnique({ where: { tenantId_name: { tenantId: acmeId, name: p.name } } });
          if (!existing) {
            const row = await tx.provider.create({
              data: { id: newId("provider"), tenantId: acmeId, name: p.name, kind: p.kind, baseUrl: p.baseUrl, secretCiphertext: encryptSecret(p.secret, encKey) },
            });
            providerIds[p.name] = created(row).id;
            continue;
          }
          providerIds[p.name] = existing.id;
          const secretOk = existing.secretCiphertext !== null && safeDecrypt(existing.secretCiphertext, encKey) === p.secret;
          if (existing.kind !== p.kind || existing.baseUrl !== p.baseUrl || !secretOk) {
            updated(
              await tx.provider.update({
                where: { id: existing.id },
                data: { kind: p.kind, baseUrl: p.baseUrl, ...(secretOk ? {} : { secretCiphertext: encryptSecret(p.secret, encKey) }) },
              }),
            );
          }
        }

        const models = [
          { provider: "sim-openai", name: "sim-primary", tokenizer: "o200k_base", embeddings: false, input: 150_000n, output: 600_000n, cached: 75_000n },
          { provider: "sim-openai", name: "sim-embedding", tokenizer: "cl100k_base", embeddings: true, input: 20_000n, output: 0n, cached: 0n },
          { provider: "sim-anthropic", name: "sim-fallback", tokenizer: "claude", embeddings: false, input: 3_000_000n, output: 15_000_000n, cached: 300_000n },
          { provider: "sim-gemini", name: "sim-gemini", tokenizer: "gemini", embeddings: false, input: 100_000n, output: 400_000n, cached: 25_000n },
        ] as const;
        const modelIds: Record<string, string> = {};
        for (const m of models) {
          const providerId = providerIds[m.provider];
          if (!providerId) throw new Error(`unreachable: provider ${m.provider} missing`);
          const model =
            (await tx.providerModel.findUnique({ where: { tenantId_providerId_name: { tenantId: acmeId, providerId, name: m.name } } })) ??
            created(
              await tx.providerModel.create({
                data: { id: newId("providerModel"), tenantId: acmeId, providerId, name: m.name, tokenizer: m.tokenizer, supportsEmbeddings: m.embeddings },
              }),
            );
          modelIds[m.name] = model.id;
          const price = await tx.modelPrice.findUnique({
            where: { tenantId_modelId_effectiveFrom: { tenantId: acmeId, modelId: model.id, effectiveFrom: PRICES_FROM } },
          });
          if (!price) {
            created(
              await tx.modelPrice.create({
                data: {
                  id: newId("modelPrice"),
                  tenantId: acmeId,
                  modelId: model.id,
                  inputPerMTokMicros: m.input,
                  outputPerMTokMicros: m.output,
                  cachedInputPerMTokMicros: m.cached,
                  effectiveFrom: PRICES_FROM,
                },
              }),
            );
          }
        }

        // ------------------------------------------------------------ feature and route
        const feature =
          (await tx.feature.findUnique({ where: { tenantId_key: { tenantId: acmeId, key: "support-reply" } } })) ??
          created(
            await tx.feature.create({
              data: {
                id: newId("feature"),
                tenantId: acmeId,
                key: "support-reply",
                name: "Support reply",
                description: "Drafts a first answer to a customer's support ticket.",
              },
            }),
          );

        const staticFallback = {
          role: "assistant",
          content: DEMO.staticAnswer,
        };
        let route = await tx.route.findUnique({ where: { tenantId_alias: { tenantId: acmeId, alias: "support-reply" } } });
        if (!route) {
          route = created(
            await tx.route.create({
              data: {
                id: newId("route"),
                tenantId: acmeId,
                featureId: feature.id,
                alias: "support-reply",
                description: "Primary on the OpenAI-kind simulator, fallback on the Anthropic-kind one, then a static answer.",
                staticFallback,
              },
            }),
          );
        }
        const targets = [
          { position: 0, model: "sim-primary", timeoutMs: 10_000 },
          { position: 1, model: "sim-fallback", timeoutMs: 15_000 },
        ];
        for (const t of targets) {
          const modelId = modelIds[t.model];
          if (!modelId) throw new Error(`unreachable: model ${t.model} missing`);
          const existing = await tx.routeTarget.findUnique({
            where: { tenantId_routeId_modelId: { tenantId: acmeId, routeId: route.id, modelId } },
          });
          if (!existing) {
            created(
              await tx.routeTarget.create({
                data: { id: newId("routeTarget"), tenantId: acmeId, routeId: route.id, modelId, position: t.position, timeoutMs: t.timeoutMs },
              }),
            );
          }
        }

        // ------------------------------------------------------------ prompt, versions, labels
        const prompt =
          (await tx.prompt.findUnique({ where: { tenantId_name: { tenantId: acmeId, name: "support-reply" } } })) ??
          created(
            await tx.prompt.create({
              data: {
                id: newId("prompt"),
                tenantId: acmeId,
                featureId: feature.id,
                name: "support-reply",
                description: "First answer to a support ticket.",
              },
            }),
          );
        const variables = { customer_name: { type: "string", required: true } };
        const versions = [
          {
            version: 1,
            commitMessage: "First version",
            template: [
              { role: "system", content: "You are a support agent for Acme. Answer briefly and kindly, and never promise refunds." },
              { role: "user", content: "Hello, I am {{customer_name}}. I cannot sign in to my account. What should I do?" },
            ],
          },
          {
            version: 2,
            commitMessage: "Greet the customer by name and offer a next step",
            template: [
              {
                role: "system",
                content: "You are a support agent for Acme. Greet the customer by name, answer in at most three sentences, and end with one concrete next step.",
              },
              { role: "user", content: "Hello, I am {{customer_name}}. I cannot sign in to my account. What should I do?" },
            ],
          },
        ];
        const versionIds: Record<number, string> = {};
        for (const v of versions) {
          const existing = await tx.promptVersion.findUnique({
            where: { tenantId_promptId_version: { tenantId: acmeId, promptId: prompt.id, version: v.version } },
          });
          const row =
            existing ??
            created(
              await tx.promptVersion.create({
                data: {
                  id: newId("promptVersion"),
                  tenantId: acmeId,
                  promptId: prompt.id,
                  version: v.version,
                  template: v.template,
                  variables,
                  params: { model: "support-reply", temperature: 0.2, max_tokens: 256 },
                  commitMessage: v.commitMessage,
                  authorId: admin.id,
                },
              }),
            );
          versionIds[v.version] = row.id;
        }
        for (const l of [
          { name: "production", version: 1, protected: true },
          { name: "staging", version: 2, protected: false },
        ]) {
          const versionId = versionIds[l.version];
          if (!versionId) throw new Error(`unreachable: prompt version ${l.version} missing`);
          const existing = await tx.promptLabel.findUnique({
            where: { tenantId_promptId_name: { tenantId: acmeId, promptId: prompt.id, name: l.name } },
          });
          if (!existing) {
            created(
              await tx.promptLabel.create({
                data: { id: newId("promptLabel"), tenantId: acmeId, promptId: prompt.id, name: l.name, versionId, protected: l.protected },
              }),
            );
          }
        }

        // ------------------------------------------------------------ budget, kill switches
        const budgetName = "Acme monthly spend";
        if (!(await tx.budget.findFirst({ where: { tenantId: acmeId, name: budgetName } }))) {
          created(
            await tx.budget.create({
              data: {
                id: newId("budget"),
                tenantId: acmeId,
                name: budgetName,
                scope: "tenant",
                period: "month",
                limitMicros: 50_000_000n, // $50
                mode: "hard",
                alertThresholds: [50, 80, 100],
              },
            }),
          );
        }

        if (!(await tx.flag.findUnique({ where: { tenantId_key: { tenantId: acmeId, key: "acme-ai-kill-switch" } } }))) {
          created(
            await tx.flag.create({
              data: {
                id: newId("flag"),
                tenantId: acmeId,
                key: "acme-ai-kill-switch",
                kind: "kill_switch",
                scope: "tenant",
                enabled: false,
                owner: "platform",
                description: "Turns every AI call of tenant acme off when enabled.",
              },
            }),
          );
        }
        // tenantId is null: a unique index does not match nulls, so look it up by hand.
        if (!(await tx.flag.findFirst({ where: { tenantId: null, key: "global-ai-kill-switch" } }))) {
          created(
            await tx.flag.create({
              data: {
                id: newId("flag"),
                tenantId: null,
                key: "global-ai-kill-switch",
                kind: "kill_switch",
                scope: "global",
                enabled: false,
                owner: "platform",
                description: "Turns every AI call of every tenant off when enabled.",
              },
            }),
          );
        }

        // ------------------------------------------------------------ guards, runbook, alert, golden set
        if (!(await tx.guardPolicy.findFirst({ where: { tenantId: acmeId, featureId: feature.id } }))) {
          created(
            await tx.guardPolicy.create({
              data: {
                id: newId("guardPolicy"),
                tenantId: acmeId,
                featureId: feature.id,
                config: {
                  injection: { mode: "block", threshold: 0.8 },
                  pii: { mode: "redact", types: ["email", "phone", "credit_card"] },
                  moderation: { mode: "async" },
                },
              },
            }),
          );
        }

        const runbookTitle = "Provider circuit open";
        if (!(await tx.runbook.findUnique({ where: { tenantId_title: { tenantId: acmeId, title: runbookTitle } } }))) {
          created(
            await tx.runbook.create({
              data: {
                id: newId("runbook"),
                tenantId: acmeId,
                title: runbookTitle,
                signal: "circuit_open",
                body: [
                  "1. Open the route of the affected feature and check which target's circuit is open.",
                  "2. Check the provider's status page and the error classes in the request log.",
                  "3. If the provider is down, force the circuit open so traffic goes to the fallback at once.",
                  "4. When errors stop, set the circuit back to automatic and watch the error rate.",
                ].join("\n"),
                mitigations: [
                  { label: "Force the primary target's circuit open", action: "route_target.force_open", params: { routeAlias: "support-reply", position: 0 } },
                  { label: "Turn on acme's AI kill switch", action: "flag.enable", params: { key: "acme-ai-kill-switch" } },
                ],
              },
            }),
          );
        }

        // The budget incident (opened by the usage-rollup worker when a hard budget blocks traffic) links to this.
        const budgetRunbookTitle = "Budget exhausted";
        if (!(await tx.runbook.findUnique({ where: { tenantId_title: { tenantId: acmeId, title: budgetRunbookTitle } } }))) {
          created(
            await tx.runbook.create({
              data: {
                id: newId("runbook"),
                tenantId: acmeId,
                title: budgetRunbookTitle,
                signal: "budget",
                body: [
                  "1. Open Usage and find what drove the spend: the feature, the model, the top end-users.",
                  "2. If one end-user or key is abusing it, revoke the key or add a budget or rate limit for them.",
                  "3. If the traffic is legitimate, raise the budget's limit on the Budgets page (audited).",
                  "4. Resolve the incident once requests are served again.",
                ].join("\n"),
                mitigations: [],
              },
            }),
          );
        }

        const alertName = "support-reply error spike";
        if (!(await tx.alertRule.findUnique({ where: { tenantId_name: { tenantId: acmeId, name: alertName } } }))) {
          created(
            await tx.alertRule.create({
              data: {
                id: newId("alertRule"),
                tenantId: acmeId,
                name: alertName,
                signal: "error_spike",
                condition: { metric: "error_rate", op: ">", value: 0.2, windowSec: 300, featureId: feature.id },
                severity: "high",
              },
            }),
          );
        }

        const setName = "support-reply smoke";
        const goldenSet =
          (await tx.goldenSet.findUnique({ where: { tenantId_name: { tenantId: acmeId, name: setName } } })) ??
          created(
            await tx.goldenSet.create({
              data: {
                id: newId("goldenSet"),
                tenantId: acmeId,
                featureId: feature.id,
                name: setName,
                description: "Two sign-in questions every prompt version must answer politely.",
              },
            }),
          );
        const cases = [
          { input: { variables: { customer_name: "Ada Lovelace" } }, expected: { mustNotContain: ["refund"], maxSentences: 4 } },
          { input: { variables: { customer_name: "Grace Hopper" } }, expected: { mustNotContain: ["refund"], maxSentences: 4 } },
        ];
        const existingCases = await tx.goldenCase.findMany({ where: { tenantId: acmeId, goldenSetId: goldenSet.id } });
        for (const c of cases) {
          if (!existingCases.some((e) => json(e.input) === json(c.input))) {
            created(await tx.goldenCase.create({ data: { id: newId("goldenCase"), tenantId: acmeId, goldenSetId: goldenSet.id, input: c.input, expected: c.expected } }));
          }
        }

        // ------------------------------------------------------------ credentials
        const demo = await ensureSecretRow(tx, "apiKey", acmeId, givenKey ?? null);
        const token = givenToken ? await ensureSecretRow(tx, "adminToken", null, givenToken) : null;

        return { tenantIds, demo, token };
      },
      { timeout: 120_000, maxWait: 60_000 },
    );

    return {
      adminEmail,
      adminPassword,
      memberPassword: DEMO.memberPassword,
      demoApiKey: result.demo.secret,
      demoApiKeyPrefix: result.demo.prefix,
      adminToken: result.token?.secret ?? null,
      tenantIds: result.tenantIds,
      created: counts.created,
      updated: counts.updated,
    };
  } finally {
    if (!options.db) await db.$disconnect();
  }

  async function upsertUser(tx: Tx, u: { email: string; name: string; isPlatformAdmin: boolean }, newHash: string | null) {
    const existing = await tx.user.findUnique({ where: { email: u.email } });
    if (!existing) {
      if (!newHash) throw new Error("unreachable: password hash missing");
      return created(
        await tx.user.create({ data: { id: newId("user"), email: u.email, name: u.name, passwordHash: newHash, isPlatformAdmin: u.isPlatformAdmin } }),
      );
    }
    const data: Prisma.UserUpdateInput = {};
    if (newHash) data.passwordHash = newHash;
    if (u.isPlatformAdmin && !existing.isPlatformAdmin) data.isPlatformAdmin = true;
    if (existing.disabled) data.disabled = false;
    return Object.keys(data).length > 0 ? updated(await tx.user.update({ where: { id: existing.id }, data })) : existing;
  }

  async function ensureMembership(tx: Tx, tenantId: string, userId: string, role: TenantRole) {
    const existing = await tx.membership.findUnique({ where: { tenantId_userId: { tenantId, userId } } });
    if (!existing) return created(await tx.membership.create({ data: { id: newId("membership"), tenantId, userId, role } }));
    if (existing.role !== role) return updated(await tx.membership.update({ where: { id: existing.id }, data: { role } }));
    return existing;
  }

  /**
   * The demo API key (tenant acme) or the platform admin token, found by name.
   * A given secret replaces the stored digest when it differs; with no secret
   * given, an existing row is kept (its secret is unknown) and a missing one is
   * generated.
   */
  async function ensureSecretRow(
    tx: Tx,
    kind: "apiKey" | "adminToken",
    tenantId: string | null,
    given: string | null,
  ): Promise<{ secret: string | null; prefix: string }> {
    const name = kind === "apiKey" ? DEMO.demoKeyName : DEMO.adminTokenName;
    const existing =
      kind === "apiKey"
        ? await tx.apiKey.findFirst({ where: { tenantId: tenantId ?? "", name }, orderBy: { createdAt: "asc" } })
        : await tx.adminToken.findFirst({ where: { tenantId: null, name, isPlatform: true }, orderBy: { createdAt: "asc" } });
    if (existing && (!given || existing.hash === sha256Hex(given))) {
      // Re-enable a demo credential someone revoked, so the printed curl line works.
      if (existing.revokedAt || (existing.expiresAt && existing.expiresAt < new Date())) {
        const data = { revokedAt: null, expiresAt: null };
        if (kind === "apiKey") updated(await tx.apiKey.update({ where: { id: existing.id }, data }));
        else updated(await tx.adminToken.update({ where: { id: existing.id }, data }));
      }
      return { secret: given, prefix: existing.prefix };
    }
    const secret = given ?? newSecret(kind === "apiKey" ? "gh_live" : "gh_admin");
    const digest = sha256Hex(secret);
    const prefix = secretDisplayPrefix(secret);
    // The same secret may already belong to another row (e.g. renamed): take it over.
    const clash =
      kind === "apiKey" ? await tx.apiKey.findUnique({ where: { hash: digest } }) : await tx.adminToken.findUnique({ where: { hash: digest } });
    if (clash) {
      if (clash.tenantId !== tenantId) throw new Error(`${kind === "apiKey" ? "GATEHOUSE_DEMO_API_KEY" : "GATEHOUSE_ADMIN_TOKEN"} is already used by another tenant's credential`);
      const data = { name, revokedAt: null, expiresAt: null };
      if (kind === "apiKey") updated(await tx.apiKey.update({ where: { id: clash.id }, data }));
      else updated(await tx.adminToken.update({ where: { id: clash.id }, data: { ...data, isPlatform: true, role: "owner" } }));
      if (existing && existing.id !== clash.id) {
        if (kind === "apiKey") updated(await tx.apiKey.update({ where: { id: existing.id }, data: { revokedAt: new Date() } }));
        else updated(await tx.adminToken.update({ where: { id: existing.id }, data: { revokedAt: new Date() } }));
      }
      return { secret, prefix: clash.prefix };
    }
    if (existing) {
      const data = { hash: digest, prefix, revokedAt: null, expiresAt: null };
      if (kind === "apiKey") updated(await tx.apiKey.update({ where: { id: existing.id }, data }));
      else updated(await tx.adminToken.update({ where: { id: existing.id }, data }));
      return { secret, prefix };
    }
    if (kind === "apiKey") {
      if (!tenantId) throw new Error("unreachable: api key without tenant");
      created(await tx.apiKey.create({ data: { id: newId("apiKey"), tenantId, name, prefix, hash: digest } }));
    } else {
      created(
        await tx.adminToken.create({ data: { id: newId("adminToken"), tenantId: null, name, prefix, hash: digest, role: "owner", isPlatform: true } }),
      );
    }
    return { secret, prefix };
  }
}

function safeDecrypt(payload: string, key: Buffer): string | null {
  try {
    return decryptSecret(payload, key);
  } catch {
    return null;
  }
}

/** The lines printed after a seed (and by the quick start). */
export function describeSeed(r: SeedResult, baseUrl: string): string {
  const lines = [
    "",
    "Gatehouse demo data is ready.",
    `  URL:             ${baseUrl}`,
    `  Admin sign-in:   ${r.adminEmail} / ${r.adminPassword}`,
    `  Acme members:    owner|admin|developer|support|viewer@acme.test / ${r.memberPassword}`,
  ];
  if (r.demoApiKey) {
    lines.push(`  Demo API key:    ${r.demoApiKey}`);
    lines.push(`  Try it:          curl -s ${baseUrl}/v1/models -H "Authorization: Bearer ${r.demoApiKey}"`);
  } else {
    lines.push(
      `  Demo API key:    ${r.demoApiKeyPrefix}... (created by an earlier seed; its secret is not stored).`,
      "                   Set GATEHOUSE_DEMO_API_KEY and seed again, or create a key in the dashboard.",
    );
  }
  if (r.adminToken) lines.push(`  Admin token:     ${r.adminToken}`);
  return lines.join("\n");
}

export function baseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return `http://127.0.0.1:${nonEmpty(env.PORT) ?? "3000"}`;
}

/**
 * Tells running gateways to reload their config snapshot (the seed writes
 * Postgres directly). Best effort: with no Redis, they converge through their
 * periodic full reload anyway.
 */
async function announceChange(redisUrl: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const { publishConfigChange } = await import("@/lib/config-events");
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, enableOfflineQueue: false });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await publishConfigChange({ tenantId: null, kind: "tenant" }, { redis });
  } catch {
    // Redis is not up (e.g. seeding before the first start): nothing is running to tell.
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const { config } = await import("dotenv");
  config({ path: process.env.DOTENV_CONFIG_PATH, quiet: true });
  const result = await seed();
  if (result.created + result.updated > 0) await announceChange(nonEmpty(process.env.REDIS_URL) ?? "redis://127.0.0.1:6379");
  console.log(describeSeed(result, baseUrlFromEnv()));
  console.log(`  (${result.created} rows created, ${result.updated} changed)`);
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(invokedPath).href) {
  main().catch((error: unknown) => {
    console.error(`Seed failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
