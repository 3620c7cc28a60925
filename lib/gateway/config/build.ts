import { inspect } from "node:util";
import { parseFeatureConfig } from "@/lib/features/config";
import type {
  ApiKeyRecord,
  BudgetEntry,
  BudgetPeriod,
  BudgetScope,
  RateLimitEntry,
  RateLimitScope,
  CircuitOverride,
  FeatureEntry,
  FlagEntry,
  FlagKind,
  FlagScope,
  GuardPolicyEntry,
  JsonObject,
  ModelEntry,
  PriceEntry,
  PromptEntry,
  PromptLabelEntry,
  PromptVersionEntry,
  ProviderEntry,
  ProviderKind,
  ProviderModelEntry,
  RouteEntry,
  RouteTargetEntry,
  TenantEntry,
  ToolEntry,
} from "@/lib/gateway/config/types";
import { DEFAULT_GUARD_POLICY, parseGuardPolicy } from "@/lib/guards/policy";

/**
 * The rows the snapshot is built from, one array per table, as the bulk
 * queries of load.ts return them (in their ORDER BY). Plain shapes, so the
 * builder is pure and unit-tested without a database.
 */
export interface SnapshotRows {
  tenants: Array<{ id: string; slug: string; name: string; settings: unknown }>;
  apiKeys: Array<{
    id: string;
    tenantId: string;
    hash: string;
    scopes: string[];
    featureId: string | null;
    expiresAt: Date | null;
    revokedAt: Date | null;
  }>;
  features: Array<{ id: string; tenantId: string; key: string; name: string; config: unknown }>;
  providers: Array<{
    id: string;
    tenantId: string;
    name: string;
    kind: ProviderKind;
    baseUrl: string;
    secretCiphertext: string | null;
    config: unknown;
    enabled: boolean;
  }>;
  /** Ordered by name, then createdAt (the `/v1/models` order). */
  providerModels: Array<{
    id: string;
    tenantId: string;
    providerId: string;
    name: string;
    contextWindow: number;
    maxOutputTokens: number;
    tokenizer: string;
    supportsEmbeddings: boolean;
    enabled: boolean;
    createdAt: Date;
  }>;
  /** Ordered by modelId, then effectiveFrom. */
  modelPrices: Array<{
    modelId: string;
    inputPerMTokMicros: bigint;
    outputPerMTokMicros: bigint;
    cachedInputPerMTokMicros: bigint;
    cacheWritePerMTokMicros: bigint;
    effectiveFrom: Date;
  }>;
  /** Ordered by alias. */
  routes: Array<{
    id: string;
    tenantId: string;
    featureId: string | null;
    alias: string;
    totalTimeoutMs: number;
    staticFallback: unknown;
    config: unknown;
    createdAt: Date;
  }>;
  /** Ordered by routeId, then position. */
  routeTargets: Array<{
    id: string;
    routeId: string;
    modelId: string;
    position: number;
    weight: number;
    timeoutMs: number;
    maxRetries: number;
    failureThreshold: number;
    cooldownMs: number;
    circuitOverride: CircuitOverride;
    enabled: boolean;
  }>;
  flags: Array<{
    id: string;
    tenantId: string | null;
    key: string;
    kind: FlagKind;
    scope: FlagScope;
    featureId: string | null;
    routeTargetId: string | null;
    providerId: string | null;
    enabled: boolean;
    rolloutPercent: number;
    rules: unknown;
    updatedAt: Date;
  }>;
  optOuts: Array<{ tenantId: string; endUserId: string }>;
  prompts: Array<{ id: string; tenantId: string; featureId: string | null; name: string }>;
  promptVersions: Array<{
    id: string;
    promptId: string;
    version: number;
    template: unknown;
    variables: unknown;
    params: unknown;
    outputSchema: unknown;
  }>;
  promptLabels: Array<{
    promptId: string;
    name: string;
    versionId: string;
    canaryVersionId: string | null;
    canaryPercent: number;
    protected: boolean;
  }>;
  /** Guard policies (issue 6); optional so older callers and fixtures build without them. */
  guardPolicies?: Array<{ id: string; tenantId: string; featureId: string | null; version: number; config: unknown }>;
  /** Tool definitions (issue 6), ordered by name. */
  toolDefinitions?: Array<{
    id: string;
    tenantId: string;
    featureId: string | null;
    name: string;
    parameters: unknown;
    irreversible: boolean;
    requiredRole: string | null;
  }>;
  /** Issue 5: budgets and rate limits (disabled ones included; the builder keeps the enabled). */
  budgets?: Array<{
    id: string;
    tenantId: string;
    name: string;
    scope: BudgetScope;
    featureId: string | null;
    apiKeyId: string | null;
    endUserId: string | null;
    period: BudgetPeriod;
    limitMicros: bigint;
    mode: "hard" | "soft";
    alertThresholds: number[];
    enabled: boolean;
    createdAt: Date;
  }>;
  rateLimits?: Array<{
    id: string;
    tenantId: string;
    scope: RateLimitScope;
    featureId: string | null;
    apiKeyId: string | null;
    requestsPerMinute: number | null;
    tokensPerMinute: number | null;
    maxConcurrent: number | null;
    enabled: boolean;
  }>;
}

export interface SnapshotCounts {
  tenants: number;
  apiKeys: number;
  features: number;
  providers: number;
  providerModels: number;
  modelPrices: number;
  routes: number;
  routeTargets: number;
  flags: number;
  optOuts: number;
  prompts: number;
  promptVersions: number;
  promptLabels: number;
  guardPolicies?: number;
  toolDefinitions?: number;
  budgets: number;
  rateLimits: number;
}

export interface BuildOptions {
  /** Redis config version this snapshot covers (read before the rows were loaded). */
  version: number;
  loadedAt?: Date;
  /** lib/crypto decryptSecret in production; injectable for unit tests. */
  decrypt: (ciphertext: string) => string;
}

const EMPTY_MODELS: readonly ModelEntry[] = Object.freeze([]);

interface SnapshotMaps {
  keys: ReadonlyMap<string, ApiKeyRecord>;
  tenants: ReadonlyMap<string, TenantEntry>;
  tenantsBySlug: ReadonlyMap<string, TenantEntry>;
  features: ReadonlyMap<string, ReadonlyMap<string, FeatureEntry>>;
  featuresById: ReadonlyMap<string, FeatureEntry>;
  providersById: ReadonlyMap<string, ProviderEntry>;
  modelsById: ReadonlyMap<string, ProviderModelEntry>;
  usableModelsByName: ReadonlyMap<string, ReadonlyMap<string, readonly ProviderModelEntry[]>>;
  prices: ReadonlyMap<string, readonly PriceEntry[]>;
  routes: ReadonlyMap<string, ReadonlyMap<string, RouteEntry>>;
  routesById: ReadonlyMap<string, RouteEntry>;
  globalFlagMap: ReadonlyMap<string, FlagEntry>;
  tenantFlagMap: ReadonlyMap<string, ReadonlyMap<string, FlagEntry>>;
  optOuts: ReadonlyMap<string, ReadonlySet<string>>;
  prompts: ReadonlyMap<string, ReadonlyMap<string, PromptEntry>>;
  modelLists: ReadonlyMap<string, readonly ModelEntry[]>;
  /** tenantId -> (featureId or "" for the tenant default) -> policy. */
  guardPolicies?: ReadonlyMap<string, ReadonlyMap<string, GuardPolicyEntry>>;
  /** tenantId -> (featureId or "" for tenant-wide tools) -> tools. */
  tools?: ReadonlyMap<string, ReadonlyMap<string, readonly ToolEntry[]>>;
  budgets: ReadonlyMap<string, readonly BudgetEntry[]>;
  rateLimits: ReadonlyMap<string, readonly RateLimitEntry[]>;
}

/**
 * One immutable view of the configuration. Every lookup is a Map get: the
 * request path pays microseconds. Built whole, never mutated, replaced whole.
 */
export class ConfigSnapshot {
  /** Rows the builder skipped or repaired (dangling references, bad JSON); ids only, never values. */
  readonly problems: readonly string[];

  /** @internal use buildSnapshot */
  constructor(
    readonly version: number,
    readonly loadedAt: Date,
    readonly counts: Readonly<SnapshotCounts>,
    problems: string[],
    private readonly p: SnapshotMaps,
  ) {
    this.problems = Object.freeze(problems);
  }

  /** The key whose SHA-256 hex digest this is (revoked and expired keys included: the caller refuses them). */
  keyByDigest(digest: string): ApiKeyRecord | undefined {
    return this.p.keys.get(digest);
  }

  tenant(id: string): TenantEntry | undefined {
    return this.p.tenants.get(id);
  }

  tenantBySlug(slug: string): TenantEntry | undefined {
    return this.p.tenantsBySlug.get(slug);
  }

  feature(tenantId: string, key: string): FeatureEntry | undefined {
    return this.p.features.get(tenantId)?.get(key);
  }

  featureById(id: string): FeatureEntry | undefined {
    return this.p.featuresById.get(id);
  }

  provider(id: string): ProviderEntry | undefined {
    return this.p.providersById.get(id);
  }

  model(id: string): ProviderModelEntry | undefined {
    return this.p.modelsById.get(id);
  }

  /** The tokenizer of every model in the snapshot, each once (which rank tables the gateway needs). */
  tokenizers(): Set<string> {
    const out = new Set<string>();
    for (const m of this.p.modelsById.values()) out.add(m.tokenizer);
    return out;
  }

  /** Enabled models of enabled providers called `name` in this tenant (several providers may serve one name). */
  modelsNamed(tenantId: string, name: string): readonly ProviderModelEntry[] {
    return this.p.usableModelsByName.get(tenantId)?.get(name) ?? [];
  }

  route(tenantId: string, alias: string): RouteEntry | undefined {
    return this.p.routes.get(tenantId)?.get(alias);
  }

  routeById(id: string): RouteEntry | undefined {
    return this.p.routesById.get(id);
  }

  /** The price in effect at `at`: the latest one with effectiveFrom <= at (future prices are kept and take over on time). */
  price(modelId: string, at: Date = new Date()): PriceEntry | null {
    const list = this.p.prices.get(modelId);
    if (!list) return null;
    const t = at.getTime();
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i];
      if (p && p.effectiveFrom.getTime() <= t) return p;
    }
    return null;
  }

  /** Platform-wide flags (tenantId null), by key: the global kill switch lives here. */
  globalFlags(): ReadonlyMap<string, FlagEntry> {
    return this.p.globalFlagMap;
  }

  /** A tenant's flags, by key. */
  tenantFlags(tenantId: string): ReadonlyMap<string, FlagEntry> {
    return this.p.tenantFlagMap.get(tenantId) ?? EMPTY_FLAGS;
  }

  /** True when this end-user of the tenant's application opted out of AI processing. */
  isOptedOut(tenantId: string, endUserId: string): boolean {
    return this.p.optOuts.get(tenantId)?.has(endUserId) ?? false;
  }

  prompt(tenantId: string, name: string): PromptEntry | undefined {
    return this.p.prompts.get(tenantId)?.get(name);
  }

  /**
   * The effective guard policy of a request: the feature's, else the
   * tenant's default (featureId null), else DEFAULT_GUARD_POLICY (version 0).
   * `version` is part of the response-cache key.
   */
  guardPolicyFor(tenantId: string, featureId: string | null): GuardPolicyEntry {
    const byFeature = this.p.guardPolicies?.get(tenantId);
    return (featureId ? byFeature?.get(featureId) : undefined) ?? byFeature?.get("") ?? defaultPolicyEntry(tenantId);
  }

  /** The tools a request of this feature may call: the feature's own and the tenant-wide ones (featureId null). */
  toolsFor(tenantId: string, featureId: string | null): readonly ToolEntry[] {
    const byFeature = this.p.tools?.get(tenantId);
    if (!byFeature) return EMPTY_TOOLS;
    const shared = byFeature.get("") ?? EMPTY_TOOLS;
    const own = featureId ? (byFeature.get(featureId) ?? EMPTY_TOOLS) : EMPTY_TOOLS;
    if (own.length === 0) return shared;
    if (shared.length === 0) return own;
    const names = new Set(own.map((t) => t.name));
    return [...own, ...shared.filter((t) => !names.has(t.name))];
  }

  /** The tenant's enabled budgets (issue 5), in creation order. */
  budgets(tenantId: string): readonly BudgetEntry[] {
    return this.p.budgets.get(tenantId) ?? EMPTY_BUDGETS;
  }

  /** The tenant's enabled rate limits (issue 5), in creation order. */
  rateLimits(tenantId: string): readonly RateLimitEntry[] {
    return this.p.rateLimits.get(tenantId) ?? EMPTY_RATE_LIMITS;
  }

  /** `GET /v1/models`: route aliases, then enabled models of enabled providers, each id once. */
  modelList(tenantId: string): readonly ModelEntry[] {
    return this.p.modelLists.get(tenantId) ?? EMPTY_MODELS;
  }
}

const EMPTY_FLAGS: ReadonlyMap<string, FlagEntry> = new Map();
const EMPTY_TOOLS: readonly ToolEntry[] = Object.freeze([]);
const defaultEntries = new Map<string, GuardPolicyEntry>();

function defaultPolicyEntry(tenantId: string): GuardPolicyEntry {
  let entry = defaultEntries.get(tenantId);
  if (!entry) {
    entry = Object.freeze({ id: null, tenantId, featureId: null, version: 0, config: DEFAULT_GUARD_POLICY });
    if (defaultEntries.size > 10_000) defaultEntries.clear();
    defaultEntries.set(tenantId, entry);
  }
  return entry;
}
const EMPTY_BUDGETS: readonly BudgetEntry[] = Object.freeze([]);
const EMPTY_RATE_LIMITS: readonly RateLimitEntry[] = Object.freeze([]);

export function buildSnapshot(rows: SnapshotRows, opts: BuildOptions): ConfigSnapshot {
  const problems: string[] = [];

  const tenants = new Map<string, TenantEntry>();
  const tenantsBySlug = new Map<string, TenantEntry>();
  for (const t of rows.tenants) {
    const entry: TenantEntry = Object.freeze({ id: t.id, slug: t.slug, name: t.name, settings: jsonObject(t.settings, `tenant ${t.id} settings`, problems) });
    tenants.set(t.id, entry);
    tenantsBySlug.set(t.slug, entry);
  }

  const keys = new Map<string, ApiKeyRecord>();
  for (const k of rows.apiKeys) {
    const tenant = tenants.get(k.tenantId);
    if (!tenant) {
      problems.push(`api key ${k.id}: unknown tenant ${k.tenantId}`);
      continue;
    }
    keys.set(
      k.hash,
      Object.freeze({
        id: k.id,
        tenantId: k.tenantId,
        tenantSlug: tenant.slug,
        featureId: k.featureId,
        scopes: Object.freeze([...k.scopes]),
        expiresAt: k.expiresAt,
        revokedAt: k.revokedAt,
      }),
    );
  }

  const features = new Map<string, Map<string, FeatureEntry>>();
  const featuresById = new Map<string, FeatureEntry>();
  for (const f of rows.features) {
    const entry: FeatureEntry = Object.freeze({
      id: f.id,
      tenantId: f.tenantId,
      key: f.key,
      name: f.name,
      config: jsonObject(f.config, `feature ${f.id} config`, problems),
      settings: parseFeatureConfig(f.config),
    });
    getOrCreate(features, f.tenantId).set(f.key, entry);
    featuresById.set(f.id, entry);
  }

  const providersById = new Map<string, ProviderEntry>();
  for (const p of rows.providers) {
    let apiKey: string | null = null;
    let secretError = false;
    if (p.secretCiphertext) {
      try {
        apiKey = opts.decrypt(p.secretCiphertext);
      } catch {
        secretError = true;
        problems.push(`provider ${p.id}: secret does not decrypt (check GATEHOUSE_ENCRYPTION_KEY)`);
      }
    }
    providersById.set(
      p.id,
      providerEntry({
        id: p.id,
        tenantId: p.tenantId,
        name: p.name,
        kind: p.kind,
        baseUrl: p.baseUrl,
        apiKey,
        secretError,
        config: jsonObject(p.config, `provider ${p.id} config`, problems),
        enabled: p.enabled,
      }),
    );
  }

  const modelsById = new Map<string, ProviderModelEntry>();
  const usableModelsByName = new Map<string, Map<string, ProviderModelEntry[]>>();
  const usableModels = new Map<string, ProviderModelEntry[]>();
  for (const m of rows.providerModels) {
    const provider = providersById.get(m.providerId);
    if (!provider) {
      problems.push(`model ${m.id}: unknown provider ${m.providerId}`);
      continue;
    }
    const entry: ProviderModelEntry = Object.freeze({
      id: m.id,
      tenantId: m.tenantId,
      providerId: m.providerId,
      name: m.name,
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      tokenizer: m.tokenizer,
      supportsEmbeddings: m.supportsEmbeddings,
      enabled: m.enabled,
      createdAt: m.createdAt,
      provider,
    });
    modelsById.set(m.id, entry);
    if (m.enabled && provider.enabled) {
      const byName = getOrCreate(usableModelsByName, m.tenantId);
      const list = byName.get(m.name);
      if (list) list.push(entry);
      else byName.set(m.name, [entry]);
      const all = usableModels.get(m.tenantId);
      if (all) all.push(entry);
      else usableModels.set(m.tenantId, [entry]);
    }
  }
  for (const byName of usableModelsByName.values()) for (const list of byName.values()) Object.freeze(list);

  const prices = new Map<string, PriceEntry[]>();
  for (const p of rows.modelPrices) {
    const entry: PriceEntry = Object.freeze({
      modelId: p.modelId,
      inputPerMTokMicros: p.inputPerMTokMicros,
      outputPerMTokMicros: p.outputPerMTokMicros,
      cachedInputPerMTokMicros: p.cachedInputPerMTokMicros,
      cacheWritePerMTokMicros: p.cacheWritePerMTokMicros,
      effectiveFrom: p.effectiveFrom,
    });
    const list = prices.get(p.modelId);
    if (list) list.push(entry);
    else prices.set(p.modelId, [entry]);
  }
  for (const list of prices.values()) {
    list.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
    Object.freeze(list);
  }

  const targetsByRoute = new Map<string, RouteTargetEntry[]>();
  for (const t of rows.routeTargets) {
    const model = modelsById.get(t.modelId);
    if (!model) {
      problems.push(`route target ${t.id}: unknown model ${t.modelId}`);
      continue;
    }
    const entry: RouteTargetEntry = Object.freeze({
      id: t.id,
      routeId: t.routeId,
      position: t.position,
      weight: t.weight,
      timeoutMs: t.timeoutMs,
      maxRetries: t.maxRetries,
      failureThreshold: t.failureThreshold,
      cooldownMs: t.cooldownMs,
      circuitOverride: t.circuitOverride,
      enabled: t.enabled,
      model,
      provider: model.provider,
    });
    const list = targetsByRoute.get(t.routeId);
    if (list) list.push(entry);
    else targetsByRoute.set(t.routeId, [entry]);
  }

  const routes = new Map<string, Map<string, RouteEntry>>();
  const routesById = new Map<string, RouteEntry>();
  const routesOfTenant = new Map<string, RouteEntry[]>();
  for (const r of rows.routes) {
    const targets = targetsByRoute.get(r.id) ?? [];
    targets.sort((a, b) => a.position - b.position);
    const entry: RouteEntry = Object.freeze({
      id: r.id,
      tenantId: r.tenantId,
      featureId: r.featureId,
      alias: r.alias,
      totalTimeoutMs: r.totalTimeoutMs,
      staticFallback: r.staticFallback === null || r.staticFallback === undefined ? null : freezeJson(r.staticFallback),
      config: jsonObject(r.config, `route ${r.id} config`, problems),
      targets: Object.freeze(targets),
      createdAt: r.createdAt,
    });
    getOrCreate(routes, r.tenantId).set(r.alias, entry);
    routesById.set(r.id, entry);
    const list = routesOfTenant.get(r.tenantId);
    if (list) list.push(entry);
    else routesOfTenant.set(r.tenantId, [entry]);
  }

  const globalFlagMap = new Map<string, FlagEntry>();
  const tenantFlagMap = new Map<string, Map<string, FlagEntry>>();
  for (const f of rows.flags) {
    let rules: readonly unknown[] = [];
    if (Array.isArray(f.rules)) rules = freezeJson(f.rules) as readonly unknown[];
    else problems.push(`flag ${f.id}: rules is not an array (treated as none)`);
    const entry: FlagEntry = Object.freeze({
      id: f.id,
      tenantId: f.tenantId,
      key: f.key,
      kind: f.kind,
      scope: f.scope,
      featureId: f.featureId,
      routeTargetId: f.routeTargetId,
      providerId: f.providerId,
      enabled: f.enabled,
      rolloutPercent: f.rolloutPercent,
      rules,
      updatedAt: f.updatedAt,
    });
    if (f.tenantId === null) globalFlagMap.set(f.key, entry);
    else getOrCreate(tenantFlagMap, f.tenantId).set(f.key, entry);
  }

  const optOuts = new Map<string, Set<string>>();
  for (const o of rows.optOuts) {
    const set = optOuts.get(o.tenantId);
    if (set) set.add(o.endUserId);
    else optOuts.set(o.tenantId, new Set([o.endUserId]));
  }

  const versionsById = new Map<string, PromptVersionEntry>();
  const versionsByPrompt = new Map<string, Map<number, PromptVersionEntry>>();
  for (const v of rows.promptVersions) {
    const entry: PromptVersionEntry = Object.freeze({
      id: v.id,
      promptId: v.promptId,
      version: v.version,
      template: freezeJson(v.template),
      variables: jsonObject(v.variables, `prompt version ${v.id} variables`, problems),
      params: jsonObject(v.params, `prompt version ${v.id} params`, problems),
      outputSchema: v.outputSchema === null || v.outputSchema === undefined ? null : freezeJson(v.outputSchema),
    });
    versionsById.set(v.id, entry);
    getOrCreate(versionsByPrompt, v.promptId).set(v.version, entry);
  }
  const labelsByPrompt = new Map<string, Map<string, PromptLabelEntry>>();
  for (const l of rows.promptLabels) {
    const version = versionsById.get(l.versionId);
    if (!version || version.promptId !== l.promptId) {
      problems.push(`prompt label ${l.promptId}/${l.name}: version ${l.versionId} is not a version of this prompt`);
      continue;
    }
    let canaryVersion: PromptVersionEntry | null = null;
    if (l.canaryVersionId) {
      const c = versionsById.get(l.canaryVersionId);
      if (c && c.promptId === l.promptId) canaryVersion = c;
      else problems.push(`prompt label ${l.promptId}/${l.name}: canary version ${l.canaryVersionId} is not a version of this prompt`);
    }
    getOrCreate(labelsByPrompt, l.promptId).set(
      l.name,
      Object.freeze({ name: l.name, version, canaryVersion, canaryPercent: canaryVersion ? l.canaryPercent : 0, protected: l.protected }),
    );
  }
  const prompts = new Map<string, Map<string, PromptEntry>>();
  for (const p of rows.prompts) {
    getOrCreate(prompts, p.tenantId).set(
      p.name,
      Object.freeze({
        id: p.id,
        tenantId: p.tenantId,
        featureId: p.featureId,
        name: p.name,
        versions: versionsByPrompt.get(p.id) ?? new Map(),
        labels: labelsByPrompt.get(p.id) ?? new Map(),
      }),
    );
  }

  // GET /v1/models, precomputed: route aliases (by alias), then usable models
  // (by name, then age), each id once; a route alias shadows a model of that name.
  const modelLists = new Map<string, readonly ModelEntry[]>();
  for (const tenantId of tenants.keys()) {
    const seen = new Set<string>();
    const out: ModelEntry[] = [];
    for (const r of routesOfTenant.get(tenantId) ?? []) {
      seen.add(r.alias);
      out.push(Object.freeze({ id: r.alias, kind: "route", created: unixSeconds(r.createdAt), ownedBy: "gatehouse" }));
    }
    for (const m of usableModels.get(tenantId) ?? []) {
      if (seen.has(m.name)) continue;
      seen.add(m.name);
      out.push(Object.freeze({ id: m.name, kind: "model", created: unixSeconds(m.createdAt), ownedBy: m.provider.name }));
    }
    modelLists.set(tenantId, Object.freeze(out));
  }

  const guardPolicies = new Map<string, Map<string, GuardPolicyEntry>>();
  for (const g of rows.guardPolicies ?? []) {
    if (!tenants.has(g.tenantId)) continue;
    const config = freezeJson(parseGuardPolicy(g.config));
    getOrCreate(guardPolicies, g.tenantId).set(g.featureId ?? "", Object.freeze({ id: g.id, tenantId: g.tenantId, featureId: g.featureId, version: g.version, config }));
  }
  const tools = new Map<string, Map<string, ToolEntry[]>>();
  for (const t of rows.toolDefinitions ?? []) {
    const entry: ToolEntry = Object.freeze({
      id: t.id,
      tenantId: t.tenantId,
      featureId: t.featureId,
      name: t.name,
      parameters: jsonObject(t.parameters, `tool ${t.id} parameters`, problems),
      irreversible: t.irreversible,
      requiredRole: t.requiredRole,
    });
    const byFeature = getOrCreate(tools, t.tenantId);
    const list = byFeature.get(t.featureId ?? "");
    if (list) list.push(entry);
    else byFeature.set(t.featureId ?? "", [entry]);
  }
  const budgets = new Map<string, BudgetEntry[]>();
  for (const b of rows.budgets ?? []) {
    if (!b.enabled) continue;
    const entry: BudgetEntry = Object.freeze({
      id: b.id,
      tenantId: b.tenantId,
      name: b.name,
      scope: b.scope,
      featureId: b.featureId,
      apiKeyId: b.apiKeyId,
      endUserId: b.endUserId,
      period: b.period,
      limitMicros: b.limitMicros,
      hard: b.mode === "hard",
      alertThresholds: Object.freeze([...b.alertThresholds]),
      createdAt: b.createdAt,
    });
    const list = budgets.get(b.tenantId);
    if (list) list.push(entry);
    else budgets.set(b.tenantId, [entry]);
  }
  const rateLimits = new Map<string, RateLimitEntry[]>();
  for (const r of rows.rateLimits ?? []) {
    if (!r.enabled) continue;
    const entry: RateLimitEntry = Object.freeze({
      id: r.id,
      tenantId: r.tenantId,
      scope: r.scope,
      featureId: r.featureId,
      apiKeyId: r.apiKeyId,
      requestsPerMinute: r.requestsPerMinute,
      tokensPerMinute: r.tokensPerMinute,
      maxConcurrent: r.maxConcurrent,
    });
    const list = rateLimits.get(r.tenantId);
    if (list) list.push(entry);
    else rateLimits.set(r.tenantId, [entry]);
  }

  const counts: SnapshotCounts = Object.freeze({
    tenants: rows.tenants.length,
    apiKeys: rows.apiKeys.length,
    features: rows.features.length,
    providers: rows.providers.length,
    providerModels: rows.providerModels.length,
    modelPrices: rows.modelPrices.length,
    routes: rows.routes.length,
    routeTargets: rows.routeTargets.length,
    flags: rows.flags.length,
    optOuts: rows.optOuts.length,
    prompts: rows.prompts.length,
    promptVersions: rows.promptVersions.length,
    promptLabels: rows.promptLabels.length,
    guardPolicies: rows.guardPolicies?.length ?? 0,
    toolDefinitions: rows.toolDefinitions?.length ?? 0,
    budgets: rows.budgets?.length ?? 0,
    rateLimits: rows.rateLimits?.length ?? 0,
  });

  return new ConfigSnapshot(opts.version, opts.loadedAt ?? new Date(), counts, problems, {
    keys,
    tenants,
    tenantsBySlug,
    features,
    featuresById,
    providersById,
    modelsById,
    usableModelsByName,
    prices,
    routes,
    routesById,
    globalFlagMap,
    tenantFlagMap,
    optOuts,
    prompts,
    modelLists,
    guardPolicies,
    tools,
    budgets,
    rateLimits,
  });
}

/** An empty snapshot (tests; never served: the server waits for a loaded one). */
export function emptySnapshot(version = 0): ConfigSnapshot {
  return buildSnapshot(
    {
      tenants: [],
      apiKeys: [],
      features: [],
      providers: [],
      providerModels: [],
      modelPrices: [],
      routes: [],
      routeTargets: [],
      flags: [],
      optOuts: [],
      prompts: [],
      promptVersions: [],
      promptLabels: [],
    },
    { version, decrypt: () => "" },
  );
}

/**
 * A provider whose `apiKey` is readable but not enumerable: spreads, JSON,
 * pino and util.inspect never see it, so logging a provider or a route
 * target cannot leak the secret.
 */
function providerEntry(fields: ProviderEntry): ProviderEntry {
  const { apiKey, ...visible } = fields;
  const entry = { ...visible } as ProviderEntry;
  Object.defineProperty(entry, "apiKey", { value: apiKey, enumerable: false });
  Object.defineProperty(entry, inspect.custom, {
    value: () => ({ ...visible, apiKey: apiKey === null ? null : "[redacted]" }),
    enumerable: false,
  });
  return Object.freeze(entry);
}

function getOrCreate<K, IK, V>(map: Map<K, Map<IK, V>>, key: K): Map<IK, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function jsonObject(value: unknown, what: string, problems: string[]): JsonObject {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return freezeJson(value) as JsonObject;
  if (value !== null && value !== undefined) problems.push(`${what}: not a JSON object (treated as {})`);
  return EMPTY_OBJECT;
}

const EMPTY_OBJECT: JsonObject = Object.freeze({});

function freezeJson<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freezeJson(v);
    Object.freeze(value);
  }
  return value;
}

function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
