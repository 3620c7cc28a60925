import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ALL_PERMISSIONS, type Permission } from "@/lib/authz/permissions";
import { CursorQuery, ErrorBody, dataOf, pageOf } from "@/lib/http/schema";
import { AuditLogEntry, ListAuditLogQuery } from "@/lib/audit/schema";
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from "@/lib/api-keys/schema";
import { AdminToken, CreateAdminTokenInput, CreatePlatformAdminTokenInput, CreatedAdminToken } from "@/lib/admin-tokens/schema";
import { AddMemberInput, Member, UpdateMemberInput } from "@/lib/members/schema";
import { CreateProviderInput, Provider, UpdateProviderInput } from "@/lib/providers/schema";
import { CreatePriceInput, ModelPrices } from "@/lib/prices/schema";
import { CreateTenantInput, Me, Tenant, TenantListItem } from "@/lib/tenants/schema";
import { Feature } from "@/lib/features/schema";
import { CircuitStatus, Route, RouteTarget, RouteTargetsHealth, UpdateRouteInput, UpdateRouteTargetInput } from "@/lib/routes/schema";
import { BadAnswer, ListBadAnswersQuery } from "@/lib/feedback/schema";
import { CreateFlagInput, Flag, FlagRule, ListOptOutsQuery, OptOut, OptOutInput, RemoveOptOutInput, UpdateFlagInput, UpdateGlobalFlagInput } from "@/lib/flags/schema";
import {
  CreatePromptInput,
  CreatePromptVersionInput,
  MovePromptLabelInput,
  PlaygroundInput,
  PlaygroundResult,
  Prompt,
  PromptDiffQuery,
  PromptLabel,
  PromptStats,
  PromptVersion,
  PromptVersionDiff,
} from "@/lib/prompts/schema";
import { Budget, BudgetStatus, CreateBudgetInput, CreateRateLimitInput, RateLimit, UpdateBudgetInput, UpdateRateLimitInput } from "@/lib/budgets/schema";
import { CreateToolInput, EffectiveGuardPolicy, EffectiveGuardPolicyQuery, GuardPolicy, GuardTestInput, GuardTestResult, PutGuardPolicyInput, ToolDefinition, UpdateToolInput } from "@/lib/guards/schema";
import { EvalRun, GoldenSet } from "@/lib/evals/schema";
import { Incident, ListIncidentsQuery } from "@/lib/incidents/schema";
import { Runbook } from "@/lib/runbooks/schema";
import { AlertRule } from "@/lib/alerts/schema";
import { AlertChannel, AlertChannelTestResult, CreateAlertChannelInput, UpdateAlertChannelInput } from "@/lib/alerts/schema";
import { BlockedUsage, CacheUsage, TopEndUsers, UsageRangeQuery, UsageSeries, UsageSeriesQuery, UsageTopQuery } from "@/lib/usage/schema";
import { FlaggedRequest, ListFlaggedQuery, ListRequestsQuery, RequestLogDetail, RequestLogSummary } from "@/lib/requests/schema";

/**
 * The OpenAPI 3.1 document of /api/admin, generated from the same zod schemas
 * the handlers parse with and the dashboard reads responses with. Every route
 * file under app/api/admin is listed here (lib/openapi/document.int.test.ts
 * fails otherwise).
 */
extendZodWithOpenApi(z);

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Operation {
  method: Method;
  path: string;
  summary: string;
  /** Tenant permission, or who may call a platform route. */
  auth: Permission | "authenticated" | "platform_admin" | "public";
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  status?: 200 | 201;
}

function build(): ReturnType<OpenApiGeneratorV31["generateDocument"]> {
  const registry = new OpenAPIRegistry();
  // Schemas built before extendZodWithOpenApi ran lack `.openapi`; a clone made now has it.
  const r = <T extends z.ZodType>(name: string, schema: T): T => registry.register(name, schema.clone() as T);

  registry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "next-auth.session-token",
    description: "The dashboard's next-auth session cookie (`__Secure-next-auth.session-token` over https).",
  });
  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "gh_admin_...",
    description: "An admin token created in the dashboard (tenant-scoped with a role) or by a platform admin (platform-wide).",
  });

  const Error = r("Error", ErrorBody);
  // A rule's `value` is any JSON value (z.json(), recursive): documented as `{}` (any), the rest as parsed.
  const FlagRuleDoc = FlagRule.extend({ value: z.unknown().optional() });
  const flagInputDoc = <T extends typeof CreateFlagInput | typeof UpdateFlagInput>(schema: T) => schema.extend({ rules: z.array(FlagRuleDoc).optional() });
  const S = {
    Me: r("Me", Me),
    Tenant: r("Tenant", Tenant),
    TenantListItem: r("TenantListItem", TenantListItem),
    CreateTenantInput: r("CreateTenantInput", CreateTenantInput),
    ApiKey: r("ApiKey", ApiKey),
    CreateApiKeyInput: r("CreateApiKeyInput", CreateApiKeyInput),
    CreatedApiKey: r("CreatedApiKey", CreatedApiKey),
    AdminToken: r("AdminToken", AdminToken),
    CreateAdminTokenInput: r("CreateAdminTokenInput", CreateAdminTokenInput),
    CreatePlatformAdminTokenInput: r("CreatePlatformAdminTokenInput", CreatePlatformAdminTokenInput),
    CreatedAdminToken: r("CreatedAdminToken", CreatedAdminToken),
    Member: r("Member", Member),
    AddMemberInput: r("AddMemberInput", AddMemberInput),
    UpdateMemberInput: r("UpdateMemberInput", UpdateMemberInput),
    Provider: r("Provider", Provider),
    CreateProviderInput: r("CreateProviderInput", CreateProviderInput),
    UpdateProviderInput: r("UpdateProviderInput", UpdateProviderInput),
    ModelPrices: r("ModelPrices", ModelPrices),
    CreatePriceInput: r("CreatePriceInput", CreatePriceInput),
    Feature: r("Feature", Feature),
    Route: r("Route", Route),
    RouteTarget: r("RouteTarget", RouteTarget),
    UpdateRouteInput: r("UpdateRouteInput", UpdateRouteInput),
    UpdateRouteTargetInput: r("UpdateRouteTargetInput", UpdateRouteTargetInput),
    RouteTargetsHealth: r("RouteTargetsHealth", RouteTargetsHealth),
    CircuitStatus: r("CircuitStatus", CircuitStatus),
    BadAnswer: r("BadAnswer", BadAnswer),
    Flag: r("Flag", Flag),
    Prompt: r("Prompt", Prompt),
    Budget: r("Budget", Budget),
    RateLimit: r("RateLimit", RateLimit),
    CreateBudgetInput: r("CreateBudgetInput", CreateBudgetInput),
    UpdateBudgetInput: r("UpdateBudgetInput", UpdateBudgetInput),
    BudgetStatus: r("BudgetStatus", BudgetStatus),
    CreateRateLimitInput: r("CreateRateLimitInput", CreateRateLimitInput),
    UpdateRateLimitInput: r("UpdateRateLimitInput", UpdateRateLimitInput),
    GuardPolicy: r("GuardPolicy", GuardPolicy),
    PutGuardPolicyInput: r("PutGuardPolicyInput", PutGuardPolicyInput),
    EffectiveGuardPolicy: r("EffectiveGuardPolicy", EffectiveGuardPolicy),
    GuardTestInput: r("GuardTestInput", GuardTestInput),
    GuardTestResult: r("GuardTestResult", GuardTestResult),
    ToolDefinition: r("ToolDefinition", ToolDefinition),
    CreateToolInput: r("CreateToolInput", CreateToolInput),
    UpdateToolInput: r("UpdateToolInput", UpdateToolInput),
    GoldenSet: r("GoldenSet", GoldenSet),
    EvalRun: r("EvalRun", EvalRun),
    Incident: r("Incident", Incident),
    Runbook: r("Runbook", Runbook),
    AlertRule: r("AlertRule", AlertRule),
    AlertChannel: r("AlertChannel", AlertChannel),
    CreateAlertChannelInput: r("CreateAlertChannelInput", CreateAlertChannelInput),
    UpdateAlertChannelInput: r("UpdateAlertChannelInput", UpdateAlertChannelInput),
    AlertChannelTestResult: r("AlertChannelTestResult", AlertChannelTestResult),
    UsageSeries: r("UsageSeries", UsageSeries),
    TopEndUsers: r("TopEndUsers", TopEndUsers),
    CacheUsage: r("CacheUsage", CacheUsage),
    BlockedUsage: r("BlockedUsage", BlockedUsage),
    RequestLogSummary: r("RequestLogSummary", RequestLogSummary),
    RequestLogDetail: r("RequestLogDetail", RequestLogDetail),
    FlaggedRequest: r("FlaggedRequest", FlaggedRequest),
    AuditLogEntry: r("AuditLogEntry", AuditLogEntry),
    CreateFlagInput: r("CreateFlagInput", flagInputDoc(CreateFlagInput)),
    UpdateFlagInput: r("UpdateFlagInput", flagInputDoc(UpdateFlagInput)),
    UpdateGlobalFlagInput: r("UpdateGlobalFlagInput", UpdateGlobalFlagInput),
    OptOut: r("OptOut", OptOut),
    OptOutInput: r("OptOutInput", OptOutInput),
    CreatePromptInput: r("CreatePromptInput", CreatePromptInput),
    PromptVersion: r("PromptVersion", PromptVersion),
    CreatePromptVersionInput: r("CreatePromptVersionInput", CreatePromptVersionInput),
    PromptVersionDiff: r("PromptVersionDiff", PromptVersionDiff),
    PromptLabel: r("PromptLabel", PromptLabel),
    MovePromptLabelInput: r("MovePromptLabelInput", MovePromptLabelInput),
    PromptStats: r("PromptStats", PromptStats),
    PlaygroundInput: r("PlaygroundInput", PlaygroundInput),
    PlaygroundResult: r("PlaygroundResult", PlaygroundResult),
  };

  const T = "/api/admin/tenants/{tenant}";
  const ops: Operation[] = [
    { method: "get", path: "/api/admin/me", summary: "The caller and the tenants they can open", auth: "authenticated", response: dataOf(S.Me) },
    { method: "get", path: "/api/admin/tenants", summary: "Tenants the caller can open", auth: "authenticated", response: dataOf(z.array(S.TenantListItem)) },
    { method: "post", path: "/api/admin/tenants", summary: "Create a tenant", auth: "platform_admin", body: S.CreateTenantInput, response: dataOf(S.Tenant), status: 201 },
    { method: "get", path: "/api/admin/admin-tokens", summary: "Platform-wide admin tokens", auth: "platform_admin", response: dataOf(z.array(S.AdminToken)) },
    { method: "post", path: "/api/admin/admin-tokens", summary: "Create a platform-wide admin token (secret shown once)", auth: "platform_admin", body: S.CreatePlatformAdminTokenInput, response: dataOf(S.CreatedAdminToken), status: 201 },
    { method: "delete", path: "/api/admin/admin-tokens/{id}", summary: "Revoke a platform-wide admin token", auth: "platform_admin", response: dataOf(S.AdminToken) },
    { method: "get", path: "/api/admin/openapi.json", summary: "This document", auth: "public" },
    { method: "get", path: `${T}/settings`, summary: "The tenant row", auth: "tenant:read", response: dataOf(S.Tenant) },
    { method: "get", path: `${T}/api-keys`, summary: "API keys (never the secret)", auth: "api_keys:read", response: dataOf(z.array(S.ApiKey)) },
    { method: "post", path: `${T}/api-keys`, summary: "Create an API key (secret shown once)", auth: "api_keys:write", body: S.CreateApiKeyInput, response: dataOf(S.CreatedApiKey), status: 201 },
    { method: "get", path: `${T}/api-keys/{id}`, summary: "One API key", auth: "api_keys:read", response: dataOf(S.ApiKey) },
    { method: "delete", path: `${T}/api-keys/{id}`, summary: "Revoke an API key", auth: "api_keys:write", response: dataOf(S.ApiKey) },
    { method: "get", path: `${T}/members`, summary: "Members and their roles", auth: "members:read", response: dataOf(z.array(S.Member)) },
    { method: "post", path: `${T}/members`, summary: "Add an existing user, or create one with a password", auth: "members:write", body: S.AddMemberInput, response: dataOf(S.Member), status: 201 },
    { method: "patch", path: `${T}/members/{id}`, summary: "Change a member's role (owner changes: owners only; the last owner stays)", auth: "members:write", body: S.UpdateMemberInput, response: dataOf(S.Member) },
    { method: "delete", path: `${T}/members/{id}`, summary: "Remove a member (not the last owner)", auth: "members:write", response: dataOf(S.Member) },
    { method: "get", path: `${T}/admin-tokens`, summary: "Admin tokens of the tenant", auth: "admin_tokens:read", response: dataOf(z.array(S.AdminToken)) },
    { method: "post", path: `${T}/admin-tokens`, summary: "Create a tenant admin token with a role (secret shown once)", auth: "admin_tokens:write", body: S.CreateAdminTokenInput, response: dataOf(S.CreatedAdminToken), status: 201 },
    { method: "delete", path: `${T}/admin-tokens/{id}`, summary: "Revoke a tenant admin token", auth: "admin_tokens:write", response: dataOf(S.AdminToken) },
    { method: "get", path: `${T}/providers`, summary: "Providers and their models (never the secret: hasSecret only)", auth: "providers:read", response: dataOf(z.array(S.Provider)) },
    { method: "post", path: `${T}/providers`, summary: "Create a provider (secret stored encrypted)", auth: "providers:write", body: S.CreateProviderInput, response: dataOf(S.Provider), status: 201 },
    { method: "get", path: `${T}/providers/{id}`, summary: "One provider", auth: "providers:read", response: dataOf(S.Provider) },
    { method: "patch", path: `${T}/providers/{id}`, summary: "Update a provider (secret: string replaces, null removes, absent keeps)", auth: "providers:write", body: S.UpdateProviderInput, response: dataOf(S.Provider) },
    { method: "get", path: `${T}/prices`, summary: "Every model with its current price and price history (micro-dollars per million tokens)", auth: "providers:read", response: dataOf(z.array(S.ModelPrices)) },
    { method: "post", path: `${T}/prices`, summary: "Add a model price effective from a time (default now; never in the past; history is never rewritten; audited, live within 1 s)", auth: "providers:write", body: S.CreatePriceInput, response: dataOf(S.ModelPrices), status: 201 },
    { method: "get", path: `${T}/features`, summary: "Features (named AI use cases)", auth: "features:read", response: dataOf(z.array(S.Feature)) },
    { method: "get", path: `${T}/routes`, summary: "Routes with their ordered targets", auth: "routes:read", response: dataOf(z.array(S.Route)) },
    { method: "get", path: `${T}/routes/{id}`, summary: "One route with its ordered targets", auth: "routes:read", response: dataOf(S.Route) },
    { method: "patch", path: `${T}/routes/{id}`, summary: "Edit a route: description, time budget, static fallback, the whole chain of targets (audited)", auth: "routes:write", body: S.UpdateRouteInput, response: dataOf(S.Route) },
    { method: "get", path: `${T}/route-targets/health`, summary: "Live circuit state and recent error rate of every target", auth: "routes:read", response: dataOf(S.RouteTargetsHealth) },
    { method: "patch", path: `${T}/route-targets/{id}`, summary: "Force a target's circuit open or closed, clear the override, or switch the target off (audited)", auth: "routes:write", body: S.UpdateRouteTargetInput, response: dataOf(S.RouteTarget) },
    { method: "post", path: `${T}/route-targets/{id}/reset-circuit`, summary: "Close a target's circuit and forget its failures (audited)", auth: "routes:write", response: dataOf(S.CircuitStatus) },
    { method: "get", path: `${T}/bad-answers`, summary: "Negative feedback, newest first, with the request summary", auth: "requests:read", query: ListBadAnswersQuery, response: pageOf(S.BadAnswer) },
    { method: "post", path: `${T}/bad-answers/{id}/resolve`, summary: "Mark a bad answer resolved (audited)", auth: "feedback:write", response: dataOf(S.BadAnswer) },
    { method: "get", path: `${T}/flags`, summary: "Flags and kill switches (the tenant's and the global ones)", auth: "flags:read", response: dataOf(z.array(S.Flag)) },
    { method: "post", path: `${T}/flags`, summary: "Create a flag (a kill switch also needs kill_switches:write; audited, live within 1 s)", auth: "flags:write", body: S.CreateFlagInput, response: dataOf(S.Flag), status: 201 },
    { method: "get", path: `${T}/flags/{id}`, summary: "One flag (the tenant's, or a platform-wide one)", auth: "flags:read", response: dataOf(S.Flag) },
    { method: "patch", path: `${T}/flags/{id}`, summary: "Edit or flip a flag (a kill switch also needs kill_switches:write; audited, live within 1 s)", auth: "flags:write", body: S.UpdateFlagInput, response: dataOf(S.Flag) },
    { method: "get", path: `${T}/flags/{id}/history`, summary: "The flag's audit rows, newest first", auth: "flags:read", response: dataOf(z.array(S.AuditLogEntry)) },
    { method: "get", path: "/api/admin/global-flags", summary: "Platform-wide flags (the global kill switch)", auth: "platform_admin", response: dataOf(z.array(S.Flag)) },
    { method: "patch", path: "/api/admin/global-flags/{id}", summary: "Turn a platform-wide flag on or off (audited, live within 1 s)", auth: "platform_admin", body: S.UpdateGlobalFlagInput, response: dataOf(S.Flag) },
    { method: "get", path: `${T}/opt-outs`, summary: "End-users who opted out of AI processing, newest first", auth: "flags:read", query: ListOptOutsQuery, response: pageOf(S.OptOut) },
    { method: "post", path: `${T}/opt-outs`, summary: "Opt an end-user out of AI processing (201; 200 when already on the list)", auth: "flags:write", body: S.OptOutInput, response: dataOf(S.OptOut), status: 201 },
    { method: "delete", path: `${T}/opt-outs`, summary: "Take an end-user off the opt-out list (endUserId in the body or the query)", auth: "flags:write", body: RemoveOptOutInput, query: RemoveOptOutInput, response: dataOf(S.OptOut) },
    { method: "get", path: `${T}/prompts`, summary: "Prompts with versions and labels", auth: "prompts:read", response: dataOf(z.array(S.Prompt)) },
    { method: "post", path: `${T}/prompts`, summary: "Create a prompt", auth: "prompts:write", body: S.CreatePromptInput, response: dataOf(S.Prompt), status: 201 },
    { method: "get", path: `${T}/prompts/{id}`, summary: "One prompt with its versions (newest first) and labels", auth: "prompts:read", response: dataOf(S.Prompt) },
    { method: "post", path: `${T}/prompts/{id}/versions`, summary: "Save a new immutable version (400 naming an undeclared variable)", auth: "prompts:write", body: S.CreatePromptVersionInput, response: dataOf(S.PromptVersion), status: 201 },
    { method: "get", path: `${T}/prompts/{id}/diff`, summary: "Side-by-side and unified diff of two versions", auth: "prompts:read", query: PromptDiffQuery, response: dataOf(S.PromptVersionDiff) },
    { method: "put", path: `${T}/prompts/{id}/labels/{name}`, summary: "Create or move a label: release, rollback, canary split (protected labels need prompts:promote)", auth: "prompts:write", body: S.MovePromptLabelInput, response: dataOf(S.PromptLabel) },
    { method: "get", path: `${T}/prompts/{id}/stats`, summary: "Per version over 7 days: requests, error rate, p50 latency, cost, negative feedback", auth: "prompts:read", response: dataOf(S.PromptStats) },
    { method: "post", path: `${T}/prompts/{id}/playground`, summary: "Run a version through the gateway (real pipeline, this tenant) and return its answer", auth: "prompts:write", body: S.PlaygroundInput, response: dataOf(S.PlaygroundResult) },
    { method: "get", path: `${T}/budgets`, summary: "Budgets", auth: "budgets:read", response: dataOf(z.array(S.Budget)) },
    { method: "post", path: `${T}/budgets`, summary: "Create a budget: tenant, feature, API key, end-user or tenant x feature; day, month or total; hard or soft (audited, enforced within 1 s)", auth: "budgets:write", body: S.CreateBudgetInput, response: dataOf(S.Budget), status: 201 },
    { method: "get", path: `${T}/budgets/status`, summary: "Spent and reserved this period per budget, live from Redis", auth: "budgets:read", response: dataOf(z.array(S.BudgetStatus)) },
    { method: "get", path: `${T}/budgets/{id}`, summary: "One budget", auth: "budgets:read", response: dataOf(S.Budget) },
    { method: "patch", path: `${T}/budgets/{id}`, summary: "Edit, disable or enable a budget (audited, enforced within 1 s)", auth: "budgets:write", body: S.UpdateBudgetInput, response: dataOf(S.Budget) },
    { method: "delete", path: `${T}/budgets/{id}`, summary: "Delete a budget (audited)", auth: "budgets:write", response: dataOf(S.Budget) },
    { method: "get", path: `${T}/rate-limits`, summary: "Rate limits", auth: "budgets:read", response: dataOf(z.array(S.RateLimit)) },
    { method: "post", path: `${T}/rate-limits`, summary: "Create a rate limit: requests / tokens per minute per key, end-user, tenant, feature or IP; concurrency per key (audited, enforced within 1 s)", auth: "budgets:write", body: S.CreateRateLimitInput, response: dataOf(S.RateLimit), status: 201 },
    { method: "patch", path: `${T}/rate-limits/{id}`, summary: "Edit, disable or enable a rate limit (audited, enforced within 1 s)", auth: "budgets:write", body: S.UpdateRateLimitInput, response: dataOf(S.RateLimit) },
    { method: "delete", path: `${T}/rate-limits/{id}`, summary: "Delete a rate limit (audited)", auth: "budgets:write", response: dataOf(S.RateLimit) },
    { method: "get", path: `${T}/guard-policies`, summary: "Guard policies", auth: "guards:read", response: dataOf(z.array(S.GuardPolicy)) },
    { method: "put", path: `${T}/guard-policies`, summary: "Create or replace the guard policy of a feature or the tenant default (version bumped, audited)", auth: "guards:write", body: S.PutGuardPolicyInput, response: dataOf(S.GuardPolicy) },
    { method: "delete", path: `${T}/guard-policies/{id}`, summary: "Remove a guard policy (falls back to the tenant default, then the built-in policy)", auth: "guards:write", response: dataOf(S.GuardPolicy) },
    { method: "get", path: `${T}/guard-policies/effective`, summary: "The policy a request of a feature gets, and its source", auth: "guards:read", query: EffectiveGuardPolicyQuery, response: dataOf(S.EffectiveGuardPolicy) },
    { method: "post", path: `${T}/guards/test`, summary: "Run the text guards on a text under a policy: verdicts and spans (nothing stored)", auth: "guards:read", body: S.GuardTestInput, response: dataOf(S.GuardTestResult) },
    { method: "get", path: `${T}/tools`, summary: "Tool definitions: the tool surface of each feature", auth: "guards:read", response: dataOf(z.array(S.ToolDefinition)) },
    { method: "post", path: `${T}/tools`, summary: "Declare a tool for a feature (or every feature)", auth: "guards:write", body: S.CreateToolInput, response: dataOf(S.ToolDefinition), status: 201 },
    { method: "patch", path: `${T}/tools/{id}`, summary: "Edit a tool definition", auth: "guards:write", body: S.UpdateToolInput, response: dataOf(S.ToolDefinition) },
    { method: "delete", path: `${T}/tools/{id}`, summary: "Remove a tool definition", auth: "guards:write", response: dataOf(S.ToolDefinition) },
    { method: "get", path: `${T}/golden-sets`, summary: "Golden sets", auth: "evals:read", response: dataOf(z.array(S.GoldenSet)) },
    { method: "get", path: `${T}/eval-runs`, summary: "Eval runs, newest first", auth: "evals:read", query: CursorQuery, response: pageOf(S.EvalRun) },
    { method: "get", path: `${T}/incidents`, summary: "Incidents, most recently opened first", auth: "incidents:read", query: ListIncidentsQuery, response: pageOf(S.Incident) },
    { method: "get", path: `${T}/runbooks`, summary: "Runbooks", auth: "runbooks:read", response: dataOf(z.array(S.Runbook)) },
    { method: "get", path: `${T}/alert-rules`, summary: "Alert rules", auth: "alerts:read", response: dataOf(z.array(S.AlertRule)) },
    { method: "get", path: `${T}/alert-channels`, summary: "Alert channels (webhook, Slack); the URL as a preview only", auth: "alerts:read", response: dataOf(z.array(S.AlertChannel)) },
    { method: "post", path: `${T}/alert-channels`, summary: "Add an alert channel (audited)", auth: "alerts:write", body: S.CreateAlertChannelInput, response: dataOf(S.AlertChannel), status: 201 },
    { method: "patch", path: `${T}/alert-channels/{id}`, summary: "Rename, re-point, enable or disable an alert channel (audited)", auth: "alerts:write", body: S.UpdateAlertChannelInput, response: dataOf(S.AlertChannel) },
    { method: "delete", path: `${T}/alert-channels/{id}`, summary: "Remove an alert channel (audited)", auth: "alerts:write", response: dataOf(S.AlertChannel) },
    { method: "post", path: `${T}/alert-channels/{id}/test`, summary: "Send a test alert now; says what the receiver answered (audited)", auth: "alerts:write", response: dataOf(S.AlertChannelTestResult) },
    { method: "get", path: `${T}/usage/series`, summary: "Cost, tokens and requests per hour or day, for the tenant or per feature or model", auth: "budgets:read", query: UsageSeriesQuery, response: dataOf(S.UsageSeries) },
    { method: "get", path: `${T}/usage/end-users`, summary: "Top end-users by cost in a range", auth: "budgets:read", query: UsageTopQuery, response: dataOf(S.TopEndUsers) },
    { method: "get", path: `${T}/usage/cache`, summary: "Cache hit rate and money saved, per hour or day", auth: "budgets:read", query: UsageRangeQuery, response: dataOf(S.CacheUsage) },
    { method: "get", path: `${T}/usage/blocked`, summary: "Requests refused by a budget or a rate limit, per hour or day", auth: "budgets:read", query: UsageRangeQuery, response: dataOf(S.BlockedUsage) },
    { method: "get", path: `${T}/requests`, summary: "Request log, newest first, with filters", auth: "requests:read", query: ListRequestsQuery, response: pageOf(S.RequestLogSummary) },
    { method: "get", path: `${T}/requests/{id}`, summary: "One request with attempts, guard verdicts and feedback", auth: "requests:read", response: dataOf(S.RequestLogDetail) },
    { method: "get", path: `${T}/flagged`, summary: "Requests a guard flagged, redacted or blocked, newest first, with their verdicts", auth: "requests:read", query: ListFlaggedQuery, response: pageOf(S.FlaggedRequest) },
    { method: "get", path: `${T}/audit-log`, summary: "Audit log, newest first", auth: "audit:read", query: ListAuditLogQuery, response: pageOf(S.AuditLogEntry) },
  ];

  const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: Error } } });

  for (const op of ops) {
    const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
    const params = names.length ? z.object(Object.fromEntries(names.map((n) => [n, z.string().openapi({ description: n === "tenant" ? "Tenant slug" : n === "name" ? "Label name" : "Resource id" })]))) : undefined;
    const isTenant = op.path.startsWith(T);
    const who =
      op.auth === "public" ? "No authentication." :
      op.auth === "authenticated" ? "Any signed-in user or admin token." :
      op.auth === "platform_admin" ? "Platform admins only." :
      `Requires permission \`${op.auth}\`.`;
    registry.registerPath({
      method: op.method,
      path: op.path,
      summary: op.summary,
      description: who,
      tags: [isTenant ? (op.path.slice(T.length + 1).split("/")[0] ?? "tenant") : "platform"],
      ...(op.auth === "public" ? { security: [] } : {}),
      request: {
        ...(params ? { params } : {}),
        ...(op.query ? { query: op.query } : {}),
        ...(op.body ? { body: { required: true, content: { "application/json": { schema: op.body } } } } : {}),
      },
      responses: {
        [op.status ?? 200]: op.response
          ? { description: "OK", content: { "application/json": { schema: op.response } } }
          : { description: "OK", content: { "application/json": { schema: z.object({}).loose() } } },
        ...(op.body || op.query ? { 400: errorResponse("Malformed input; `param` names the field") } : {}),
        ...(op.auth !== "public" ? { 401: errorResponse("Not signed in, session expired, or admin token invalid/revoked/expired") } : {}),
        ...(op.auth !== "public" && op.auth !== "authenticated" ? { 403: errorResponse("The caller's role lacks the permission") } : {}),
        ...(isTenant ? { 404: errorResponse("Unknown tenant (or not a member), or unknown id in this tenant") } : {}),
        ...(op.method !== "get" ? { 409: errorResponse("Conflict (duplicate, or the last owner)") } : {}),
      },
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Gatehouse control-plane API",
      version: "1.0.0",
      description:
        "Everything the dashboard does, as JSON under /api/admin. Authenticate with the dashboard session cookie " +
        "or `Authorization: Bearer gh_admin_...`. Success: `{ data }` (cursor lists: `{ data, nextCursor }`); " +
        "failure: `{ error: { message, type, param, code } }`. Money is integer micro-dollars as strings. " +
        `Permissions: ${ALL_PERMISSIONS.join(", ")}.`,
    },
    servers: [{ url: "/" }],
    security: [{ session: [] }, { adminToken: [] }],
  });
}

let cached: ReturnType<typeof build> | undefined;

export function getOpenApiDocument(): ReturnType<typeof build> {
  cached ??= build();
  return cached;
}
