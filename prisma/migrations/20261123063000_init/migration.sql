-- Gatehouse initial schema.
--
-- Generated from prisma/schema.prisma with Prisma's own schema engine, offline
-- (`npx tsx scripts/migration-diff.ts --from-empty`, the same SQL as
-- `prisma migrate diff --from-empty --to-schema prisma/schema.prisma --script`),
-- then edited by hand where Postgres can do what schema.prisma cannot say.
-- Every edit is marked "Gatehouse" below:
--   * request_logs is PARTITION BY RANGE (created_at), so its primary key is
--     (id, created_at); monthly partitions + a DEFAULT partition (end of file);
--   * the unique keys that contain a nullable column whose NULL means "global"
--     or "the tenant default" are NULLS NOT DISTINCT (flags.tenant_id,
--     guard_policies.feature_id, tool_definitions.feature_id);
--   * CHECK constraints on percentages, counters and money (end of file);
--   * no `CREATE SCHEMA IF NOT EXISTS "public"` (the schema comes from the URL).
-- tests/schema-drift.int.test.ts fails if this and schema.prisma disagree.
-- Applied by scripts/migrate.ts (or `prisma migrate deploy`); never edit an
-- applied migration: its sha256 is recorded in _prisma_migrations.

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'developer', 'support', 'viewer');

-- CreateEnum
CREATE TYPE "ProviderKind" AS ENUM ('openai', 'azure_openai', 'anthropic', 'gemini', 'openai_compatible');

-- CreateEnum
CREATE TYPE "CircuitOverride" AS ENUM ('none', 'forced_open', 'forced_closed');

-- CreateEnum
CREATE TYPE "FlagKind" AS ENUM ('kill_switch', 'release', 'experiment', 'operational', 'permission');

-- CreateEnum
CREATE TYPE "FlagScope" AS ENUM ('global', 'tenant', 'feature', 'target', 'segment');

-- CreateEnum
CREATE TYPE "BudgetScope" AS ENUM ('tenant', 'feature', 'api_key', 'end_user', 'tenant_feature');

-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('day', 'month', 'total');

-- CreateEnum
CREATE TYPE "BudgetMode" AS ENUM ('hard', 'soft');

-- CreateEnum
CREATE TYPE "RateLimitScope" AS ENUM ('api_key', 'end_user', 'tenant', 'feature', 'ip');

-- CreateEnum
CREATE TYPE "EvalStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('ok', 'fallback', 'error', 'blocked');

-- CreateEnum
CREATE TYPE "IncidentSignal" AS ENUM ('circuit_open', 'error_spike', 'latency', 'budget', 'malformed_output', 'policy_violation', 'manual');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('open', 'acknowledged', 'resolved');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "AlertChannelKind" AS ENUM ('webhook', 'slack');

-- CreateTable
CREATE TABLE "tenants" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT,
    "is_platform_admin" BOOLEAN NOT NULL DEFAULT false,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "feature_id" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_tokens" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "is_platform" BOOLEAN NOT NULL DEFAULT false,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "providers" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ProviderKind" NOT NULL,
    "base_url" TEXT NOT NULL,
    "secret_ciphertext" TEXT,
    "config" JSONB NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_models" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "provider_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "context_window" INTEGER NOT NULL DEFAULT 128000,
    "max_output_tokens" INTEGER NOT NULL DEFAULT 4096,
    "tokenizer" TEXT NOT NULL DEFAULT 'o200k_base',
    "supports_embeddings" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_prices" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "input_per_mtok_micros" BIGINT NOT NULL,
    "output_per_mtok_micros" BIGINT NOT NULL,
    "cached_input_per_mtok_micros" BIGINT NOT NULL DEFAULT 0,
    "cache_write_per_mtok_micros" BIGINT NOT NULL DEFAULT 0,
    "effective_from" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "features" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "features_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routes" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "alias" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "total_timeout_ms" INTEGER NOT NULL DEFAULT 60000,
    "static_fallback" JSONB,
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "routes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "route_targets" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "route_id" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 1,
    "timeout_ms" INTEGER NOT NULL DEFAULT 30000,
    "max_retries" INTEGER NOT NULL DEFAULT 2,
    "failure_threshold" INTEGER NOT NULL DEFAULT 5,
    "cooldown_ms" INTEGER NOT NULL DEFAULT 30000,
    "circuit_override" "CircuitOverride" NOT NULL DEFAULT 'none',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "route_targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "flags" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "key" TEXT NOT NULL,
    "kind" "FlagKind" NOT NULL,
    "scope" "FlagScope" NOT NULL,
    "feature_id" TEXT,
    "route_target_id" TEXT,
    "provider_id" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "rollout_percent" INTEGER NOT NULL DEFAULT 100,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "owner" TEXT NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    "expected_lifetime_days" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "end_user_opt_outs" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "end_user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "end_user_opt_outs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompts" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "prompts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_versions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "prompt_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "template" JSONB NOT NULL,
    "variables" JSONB NOT NULL DEFAULT '{}',
    "params" JSONB NOT NULL DEFAULT '{}',
    "output_schema" JSONB,
    "commit_message" TEXT NOT NULL DEFAULT '',
    "author_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prompt_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prompt_labels" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "prompt_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "canary_version_id" TEXT,
    "canary_percent" INTEGER NOT NULL DEFAULT 0,
    "protected" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "prompt_labels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "BudgetScope" NOT NULL,
    "feature_id" TEXT,
    "api_key_id" TEXT,
    "end_user_id" TEXT,
    "period" "BudgetPeriod" NOT NULL,
    "limit_micros" BIGINT NOT NULL,
    "mode" "BudgetMode" NOT NULL DEFAULT 'hard',
    "alert_thresholds" INTEGER[] DEFAULT ARRAY[50, 80, 100]::INTEGER[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_alerts" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "budget_id" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "threshold" INTEGER NOT NULL,
    "spent_micros" BIGINT NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budget_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limits" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "scope" "RateLimitScope" NOT NULL,
    "feature_id" TEXT,
    "api_key_id" TEXT,
    "requests_per_minute" INTEGER,
    "tokens_per_minute" INTEGER,
    "max_concurrent" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "guard_policies" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "guard_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_definitions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "irreversible" BOOLEAN NOT NULL DEFAULT false,
    "required_role" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tool_definitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "golden_sets" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "golden_sets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "golden_cases" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "golden_set_id" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "expected" JSONB,
    "source_request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "golden_cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "eval_runs" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "golden_set_id" TEXT NOT NULL,
    "prompt_version_id" TEXT,
    "status" "EvalStatus" NOT NULL DEFAULT 'queued',
    "summary" JSONB NOT NULL DEFAULT '{}',
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "eval_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "eval_results" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "eval_run_id" TEXT NOT NULL,
    "golden_case_id" TEXT NOT NULL,
    "output" JSONB,
    "score" DOUBLE PRECISION,
    "passed" BOOLEAN,
    "latency_ms" INTEGER,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "eval_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "request_logs" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tenant_id" TEXT NOT NULL,
    "feature_id" TEXT,
    "api_key_id" TEXT,
    "end_user_id" TEXT,
    "endpoint" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "served_by" TEXT,
    "prompt_version_id" TEXT,
    "status" "RequestStatus" NOT NULL,
    "http_status" INTEGER NOT NULL,
    "error_code" TEXT,
    "fallback_reason" TEXT,
    "streamed" BOOLEAN NOT NULL DEFAULT false,
    "cache" TEXT,
    "request" JSONB NOT NULL,
    "response" JSONB,
    "context_docs" JSONB NOT NULL DEFAULT '[]',
    "attempts" JSONB NOT NULL DEFAULT '[]',
    "guard_verdicts" JSONB NOT NULL DEFAULT '[]',
    "redactions" JSONB NOT NULL DEFAULT '[]',
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cached_tokens" INTEGER NOT NULL DEFAULT 0,
    "reasoning_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "ttft_ms" INTEGER,
    "metadata" JSONB NOT NULL DEFAULT '{}',

    -- Gatehouse: the partition key must be part of the primary key.
    CONSTRAINT "request_logs_pkey" PRIMARY KEY ("id", "created_at")
) PARTITION BY RANGE ("created_at");

-- CreateTable
CREATE TABLE "feedback" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "end_user_id" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_rollups" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "granularity" TEXT NOT NULL,
    "bucket_start" TIMESTAMPTZ(3) NOT NULL,
    "feature_id" TEXT NOT NULL DEFAULT '',
    "model" TEXT NOT NULL DEFAULT '',
    "api_key_id" TEXT NOT NULL DEFAULT '',
    "end_user_id" TEXT NOT NULL DEFAULT '',
    "requests" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "cache_hits" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" BIGINT NOT NULL DEFAULT 0,
    "completion_tokens" BIGINT NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,
    "saved_micros" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "usage_rollups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "semantic_cache_entries" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "scope_key" TEXT NOT NULL,
    "embedding" DOUBLE PRECISION[],
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "semantic_cache_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "signal" "IncidentSignal" NOT NULL,
    "severity" "Severity" NOT NULL DEFAULT 'medium',
    "status" "IncidentStatus" NOT NULL DEFAULT 'open',
    "dedupe_key" TEXT NOT NULL,
    "runbook_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledged_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_events" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "incident_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "actor_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runbooks" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "signal" "IncidentSignal",
    "body" TEXT NOT NULL DEFAULT '',
    "mitigations" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runbooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "signal" "IncidentSignal" NOT NULL,
    "condition" JSONB NOT NULL DEFAULT '{}',
    "severity" "Severity" NOT NULL DEFAULT 'medium',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_channels" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AlertChannelKind" NOT NULL,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_label" TEXT NOT NULL DEFAULT '',
    "action" TEXT NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "memberships_user_id_idx" ON "memberships"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "memberships_tenant_id_user_id_key" ON "memberships"("tenant_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_created_at_idx" ON "api_keys"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "admin_tokens_hash_key" ON "admin_tokens"("hash");

-- CreateIndex
CREATE INDEX "admin_tokens_tenant_id_created_at_idx" ON "admin_tokens"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "providers_tenant_id_name_key" ON "providers"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "provider_models_tenant_id_provider_id_name_key" ON "provider_models"("tenant_id", "provider_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "model_prices_tenant_id_model_id_effective_from_key" ON "model_prices"("tenant_id", "model_id", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "features_tenant_id_key_key" ON "features"("tenant_id", "key");

-- CreateIndex
CREATE UNIQUE INDEX "routes_tenant_id_alias_key" ON "routes"("tenant_id", "alias");

-- CreateIndex
CREATE UNIQUE INDEX "route_targets_tenant_id_route_id_position_key" ON "route_targets"("tenant_id", "route_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "flags_tenant_id_key_key" ON "flags"("tenant_id", "key") NULLS NOT DISTINCT;

-- CreateIndex
CREATE UNIQUE INDEX "end_user_opt_outs_tenant_id_end_user_id_key" ON "end_user_opt_outs"("tenant_id", "end_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "prompts_tenant_id_name_key" ON "prompts"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_versions_tenant_id_prompt_id_version_key" ON "prompt_versions"("tenant_id", "prompt_id", "version");

-- CreateIndex
CREATE UNIQUE INDEX "prompt_labels_tenant_id_prompt_id_name_key" ON "prompt_labels"("tenant_id", "prompt_id", "name");

-- CreateIndex
CREATE INDEX "budgets_tenant_id_scope_idx" ON "budgets"("tenant_id", "scope");

-- CreateIndex
CREATE UNIQUE INDEX "budget_alerts_tenant_id_budget_id_period_start_threshold_key" ON "budget_alerts"("tenant_id", "budget_id", "period_start", "threshold");

-- CreateIndex
CREATE INDEX "rate_limits_tenant_id_scope_idx" ON "rate_limits"("tenant_id", "scope");

-- CreateIndex
CREATE UNIQUE INDEX "guard_policies_tenant_id_feature_id_key" ON "guard_policies"("tenant_id", "feature_id") NULLS NOT DISTINCT;

-- CreateIndex
CREATE UNIQUE INDEX "tool_definitions_tenant_id_feature_id_name_key" ON "tool_definitions"("tenant_id", "feature_id", "name") NULLS NOT DISTINCT;

-- CreateIndex
CREATE UNIQUE INDEX "golden_sets_tenant_id_name_key" ON "golden_sets"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "golden_cases_tenant_id_golden_set_id_idx" ON "golden_cases"("tenant_id", "golden_set_id");

-- CreateIndex
CREATE INDEX "eval_runs_tenant_id_created_at_idx" ON "eval_runs"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "eval_results_tenant_id_eval_run_id_idx" ON "eval_results"("tenant_id", "eval_run_id");

-- CreateIndex
CREATE INDEX "request_logs_tenant_id_created_at_idx" ON "request_logs"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "request_logs_tenant_id_feature_id_created_at_idx" ON "request_logs"("tenant_id", "feature_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "request_logs_tenant_id_status_created_at_idx" ON "request_logs"("tenant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "request_logs_tenant_id_end_user_id_created_at_idx" ON "request_logs"("tenant_id", "end_user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "request_logs_tenant_id_model_created_at_idx" ON "request_logs"("tenant_id", "model", "created_at" DESC);

-- CreateIndex
CREATE INDEX "feedback_tenant_id_request_id_idx" ON "feedback"("tenant_id", "request_id");

-- CreateIndex
CREATE INDEX "feedback_tenant_id_score_created_at_idx" ON "feedback"("tenant_id", "score", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "usage_rollups_tenant_id_granularity_bucket_start_feature_id_key" ON "usage_rollups"("tenant_id", "granularity", "bucket_start", "feature_id", "model", "api_key_id", "end_user_id");

-- CreateIndex
CREATE INDEX "semantic_cache_entries_tenant_id_scope_key_idx" ON "semantic_cache_entries"("tenant_id", "scope_key");

-- CreateIndex
CREATE INDEX "incidents_tenant_id_status_opened_at_idx" ON "incidents"("tenant_id", "status", "opened_at" DESC);

-- CreateIndex
CREATE INDEX "incidents_tenant_id_dedupe_key_idx" ON "incidents"("tenant_id", "dedupe_key");

-- CreateIndex
CREATE INDEX "incident_events_tenant_id_incident_id_created_at_idx" ON "incident_events"("tenant_id", "incident_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "runbooks_tenant_id_title_key" ON "runbooks"("tenant_id", "title");

-- CreateIndex
CREATE UNIQUE INDEX "alert_rules_tenant_id_name_key" ON "alert_rules"("tenant_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "alert_channels_tenant_id_name_key" ON "alert_channels"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "audit_logs_tenant_id_created_at_idx" ON "audit_logs"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_logs_tenant_id_resource_type_resource_id_idx" ON "audit_logs"("tenant_id", "resource_type", "resource_id");

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "admin_tokens" ADD CONSTRAINT "admin_tokens_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "providers" ADD CONSTRAINT "providers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_models" ADD CONSTRAINT "provider_models_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_models" ADD CONSTRAINT "provider_models_provider_id_fkey" FOREIGN KEY ("provider_id") REFERENCES "providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "provider_models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "features" ADD CONSTRAINT "features_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routes" ADD CONSTRAINT "routes_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_route_id_fkey" FOREIGN KEY ("route_id") REFERENCES "routes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "provider_models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "flags" ADD CONSTRAINT "flags_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "flags" ADD CONSTRAINT "flags_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "flags" ADD CONSTRAINT "flags_route_target_id_fkey" FOREIGN KEY ("route_target_id") REFERENCES "route_targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "end_user_opt_outs" ADD CONSTRAINT "end_user_opt_outs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompts" ADD CONSTRAINT "prompts_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_versions" ADD CONSTRAINT "prompt_versions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_versions" ADD CONSTRAINT "prompt_versions_prompt_id_fkey" FOREIGN KEY ("prompt_id") REFERENCES "prompts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_prompt_id_fkey" FOREIGN KEY ("prompt_id") REFERENCES "prompts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "prompt_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_canary_version_id_fkey" FOREIGN KEY ("canary_version_id") REFERENCES "prompt_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "guard_policies" ADD CONSTRAINT "guard_policies_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "guard_policies" ADD CONSTRAINT "guard_policies_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_definitions" ADD CONSTRAINT "tool_definitions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_definitions" ADD CONSTRAINT "tool_definitions_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "golden_sets" ADD CONSTRAINT "golden_sets_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "golden_sets" ADD CONSTRAINT "golden_sets_feature_id_fkey" FOREIGN KEY ("feature_id") REFERENCES "features"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "golden_cases" ADD CONSTRAINT "golden_cases_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "golden_cases" ADD CONSTRAINT "golden_cases_golden_set_id_fkey" FOREIGN KEY ("golden_set_id") REFERENCES "golden_sets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_golden_set_id_fkey" FOREIGN KEY ("golden_set_id") REFERENCES "golden_sets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_runs" ADD CONSTRAINT "eval_runs_prompt_version_id_fkey" FOREIGN KEY ("prompt_version_id") REFERENCES "prompt_versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_results" ADD CONSTRAINT "eval_results_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_results" ADD CONSTRAINT "eval_results_eval_run_id_fkey" FOREIGN KEY ("eval_run_id") REFERENCES "eval_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "eval_results" ADD CONSTRAINT "eval_results_golden_case_id_fkey" FOREIGN KEY ("golden_case_id") REFERENCES "golden_cases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "request_logs" ADD CONSTRAINT "request_logs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "semantic_cache_entries" ADD CONSTRAINT "semantic_cache_entries_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_runbook_id_fkey" FOREIGN KEY ("runbook_id") REFERENCES "runbooks"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runbooks" ADD CONSTRAINT "runbooks_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_channels" ADD CONSTRAINT "alert_channels_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------- Gatehouse: CHECK constraints
-- Only invariants no code path may ever break. Prisma ignores CHECKs, so they
-- never show up as drift.

ALTER TABLE "provider_models" ADD CONSTRAINT "provider_models_context_window_check" CHECK ("context_window" > 0);
ALTER TABLE "provider_models" ADD CONSTRAINT "provider_models_max_output_tokens_check" CHECK ("max_output_tokens" > 0);

ALTER TABLE "model_prices" ADD CONSTRAINT "model_prices_non_negative_check" CHECK (
    "input_per_mtok_micros" >= 0 AND "output_per_mtok_micros" >= 0
    AND "cached_input_per_mtok_micros" >= 0 AND "cache_write_per_mtok_micros" >= 0
);

ALTER TABLE "routes" ADD CONSTRAINT "routes_total_timeout_ms_check" CHECK ("total_timeout_ms" > 0);

ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_position_check" CHECK ("position" >= 0);
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_weight_check" CHECK ("weight" >= 0);
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_timeout_ms_check" CHECK ("timeout_ms" > 0);
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_max_retries_check" CHECK ("max_retries" >= 0);
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_failure_threshold_check" CHECK ("failure_threshold" > 0);
ALTER TABLE "route_targets" ADD CONSTRAINT "route_targets_cooldown_ms_check" CHECK ("cooldown_ms" >= 0);

ALTER TABLE "flags" ADD CONSTRAINT "flags_rollout_percent_check" CHECK ("rollout_percent" BETWEEN 0 AND 100);
ALTER TABLE "flags" ADD CONSTRAINT "flags_expected_lifetime_days_check" CHECK ("expected_lifetime_days" > 0);

ALTER TABLE "prompt_versions" ADD CONSTRAINT "prompt_versions_version_check" CHECK ("version" >= 1);
ALTER TABLE "prompt_labels" ADD CONSTRAINT "prompt_labels_canary_percent_check" CHECK ("canary_percent" BETWEEN 0 AND 100);

ALTER TABLE "budgets" ADD CONSTRAINT "budgets_limit_micros_check" CHECK ("limit_micros" >= 0);
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_threshold_check" CHECK ("threshold" >= 0);

ALTER TABLE "rate_limits" ADD CONSTRAINT "rate_limits_non_negative_check" CHECK (
    "requests_per_minute" >= 0 AND "tokens_per_minute" >= 0 AND "max_concurrent" >= 0
);

ALTER TABLE "guard_policies" ADD CONSTRAINT "guard_policies_version_check" CHECK ("version" >= 1);

ALTER TABLE "eval_results" ADD CONSTRAINT "eval_results_non_negative_check" CHECK ("cost_micros" >= 0 AND "latency_ms" >= 0);

ALTER TABLE "request_logs" ADD CONSTRAINT "request_logs_non_negative_check" CHECK (
    "prompt_tokens" >= 0 AND "completion_tokens" >= 0 AND "cached_tokens" >= 0
    AND "reasoning_tokens" >= 0 AND "cost_micros" >= 0 AND "latency_ms" >= 0 AND "ttft_ms" >= 0
);

ALTER TABLE "usage_rollups" ADD CONSTRAINT "usage_rollups_non_negative_check" CHECK (
    "requests" >= 0 AND "errors" >= 0 AND "cache_hits" >= 0 AND "prompt_tokens" >= 0
    AND "completion_tokens" >= 0 AND "cost_micros" >= 0 AND "saved_micros" >= 0
);

-- ---------------------------------------------------------------- Gatehouse: request_logs partitions
-- Plan: one partition per calendar month (UTC), named request_logs_pYYYYMM,
-- holding [first instant of the month, first instant of the next month).
-- gatehouse_ensure_request_log_partitions(months_ahead) creates the current
-- month and `months_ahead` months after it; scripts/migrate.ts calls it after
-- every migrate (with 3), and the worker should call it daily so there are
-- always months ahead. Rows that fit no monthly partition (far past, clock
-- skew, a month nobody created) land in request_logs_default, so an insert
-- never fails; when a month is created later, its rows move out of the
-- default partition first (Postgres refuses the new partition otherwise).
-- Retention = drop whole months: gatehouse_drop_request_log_partitions(cutoff)
-- drops every monthly partition that ends at or before `cutoff` and deletes the
-- default partition's rows older than it. DROP is instant and leaves no bloat,
-- unlike DELETE. Indexes, the primary key, the CHECK and the tenant foreign
-- key are declared on the parent, so every partition gets them.

CREATE TABLE "request_logs_default" PARTITION OF "request_logs" DEFAULT;

CREATE OR REPLACE FUNCTION gatehouse_ensure_request_log_partitions(months_ahead int DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    first_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    lower_ts timestamp;
    lower_bound timestamptz;
    upper_bound timestamptz;
    part text;
BEGIN
    IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, got %', months_ahead;
    END IF;
    -- One maintainer at a time (two migrators or workers racing on CREATE TABLE).
    PERFORM pg_advisory_xact_lock(hashtext('gatehouse_request_log_partitions'));

    IF to_regclass('request_logs_default') IS NULL THEN
        CREATE TABLE request_logs_default PARTITION OF request_logs DEFAULT;
    END IF;

    FOR i IN 0..months_ahead LOOP
        lower_ts := first_month + make_interval(months => i);
        lower_bound := lower_ts AT TIME ZONE 'UTC';
        upper_bound := (lower_ts + interval '1 month') AT TIME ZONE 'UTC';
        part := 'request_logs_p' || to_char(lower_ts, 'YYYYMM');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;

        IF EXISTS (SELECT 1 FROM request_logs_default WHERE created_at >= lower_bound AND created_at < upper_bound) THEN
            EXECUTE format('CREATE TABLE %I (LIKE request_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format(
                'WITH moved AS (DELETE FROM request_logs_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) '
                'INSERT INTO %I SELECT * FROM moved', part)
                USING lower_bound, upper_bound;
            EXECUTE format('ALTER TABLE request_logs ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                part, lower_bound, upper_bound);
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF request_logs FOR VALUES FROM (%L) TO (%L)',
                part, lower_bound, upper_bound);
        END IF;
        RETURN NEXT part;
    END LOOP;
END;
$$;

CREATE OR REPLACE FUNCTION gatehouse_drop_request_log_partitions(cutoff timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
    part record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('gatehouse_request_log_partitions'));
    FOR part IN
        SELECT c.relname AS name
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'request_logs'::regclass
          AND c.relname ~ '^request_logs_p[0-9]{6}$'
          AND (to_timestamp(substr(c.relname, 15), 'YYYYMM')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= cutoff
        ORDER BY c.relname
    LOOP
        EXECUTE format('DROP TABLE %I', part.name);
        RETURN NEXT part.name;
    END LOOP;
    DELETE FROM request_logs_default WHERE created_at < cutoff;
END;
$$;

SELECT gatehouse_ensure_request_log_partitions(3);
