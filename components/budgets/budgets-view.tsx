"use client";

import { useState } from "react";
import type { Budget, BudgetStatus, RateLimit } from "@/lib/budgets/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge, BoolBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime, formatMicros, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { ErrorAlert } from "@/components/ui/states";
import { BudgetDialog } from "./budget-dialog";
import { usedShare } from "./money";
import { RATE_SCOPES, RateLimitDialog } from "./rate-limit-dialog";
import { useBudgetStatus } from "./use-budget-status";
import { useBudgets } from "./use-budgets";
import { useRateLimits } from "./use-rate-limits";
import { useDeleteBudget, useSaveBudget } from "./use-save-budget";
import { useDeleteRateLimit, useSaveRateLimit } from "./use-save-rate-limit";

const PERIOD: Record<Budget["period"], string> = { day: "per day", month: "per month", total: "in total" };

type Editing<T> = { item: T | null } | null;

/** Spent, reserved and the limit of one budget this period, live; per-key / per-user budgets list their biggest counters. */
function LiveUsage({ budget, status, statusError }: { budget: Budget; status: BudgetStatus | undefined; statusError: boolean }) {
  if (!budget.enabled) return <span className="muted">Not enforced</span>;
  if (!status) return <span className="muted">{statusError ? "Live figures unavailable" : "Loading…"}</span>;
  if (status.counters.length === 0) return <span className="muted">Nothing spent this period</span>;
  return (
    <div className="stack">
      {status.counters.slice(0, 5).map((c) => {
        const share = usedShare(c.spentMicros, c.reservedMicros, status.limitMicros);
        return (
          <div key={c.subject} aria-label={`Usage ${c.subject === "-" ? budget.name : c.subject}`}>
            {c.subject === "-" ? null : <div className="sub mono">{c.subject}</div>}
            <meter min={0} max={1} low={0.8} high={0.95} optimum={0} value={Math.min(1, share)} title={`${Math.round(share * 100)}% of the limit`} />{" "}
            <span className="nowrap" data-testid="budget-usage">
              {formatMicros(c.spentMicros)} spent · {formatMicros(c.reservedMicros)} reserved · of {formatMicros(status.limitMicros)}
            </span>
            {c.seeded ? null : <div className="sub">Counter not built yet: rebuilt from the request log at the next request</div>}
          </div>
        );
      })}
      {status.truncated || status.counters.length > 5 ? <div className="sub">Biggest spenders shown; more counters exist.</div> : null}
      <div className="sub">
        Period {formatDateTime(status.periodStart)} – {status.periodEnd ? formatDateTime(status.periodEnd) : "no end"}
      </div>
    </div>
  );
}

export function BudgetsView() {
  const { slug } = useTenant();
  const canWrite = useCan("budgets:write");
  const budgets = useBudgets(slug);
  const status = useBudgetStatus(slug);
  const limits = useRateLimits(slug);
  const featureLabel = useFeatureLabel(slug);
  const [editBudget, setEditBudget] = useState<Editing<Budget>>(null);
  const [editLimit, setEditLimit] = useState<Editing<RateLimit>>(null);
  const [deleting, setDeleting] = useState<{ kind: "budget"; item: Budget } | { kind: "limit"; item: RateLimit } | null>(null);
  const toggleBudget = useSaveBudget(slug);
  const toggleLimit = useSaveRateLimit(slug);
  const deleteBudget = useDeleteBudget(slug);
  const deleteLimit = useDeleteRateLimit(slug);

  const subject = (b: Budget) => {
    switch (b.scope) {
      case "tenant":
        return "Whole tenant";
      case "feature":
        return `Feature: ${featureLabel(b.featureId)}`;
      case "tenant_feature":
        return "Each feature";
      case "api_key":
        return b.apiKeyId ? `API key: ${b.apiKeyId}` : "Each API key";
      case "end_user":
        return b.endUserId ? `End user: ${b.endUserId}` : "Each end user";
    }
  };

  const statusOf = (id: string) => status.data?.find((s) => s.budgetId === id);
  const deletePending = deleteBudget.isPending || deleteLimit.isPending;

  return (
    <>
      <PageHeader
        title="Budgets"
        description="Spending limits and rate limits checked on every request, in one atomic Redis call shared by every gateway. A hard budget refuses calls whose worst-case cost no longer fits (429 budget_exceeded); a soft one only counts and alerts."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => setEditBudget({ item: null })}>
              New budget
            </Button>
          ) : null
        }
      />
      {toggleBudget.isError ? <ErrorAlert error={toggleBudget.error} title="Could not change the budget" /> : null}
      <QueryView
        query={budgets}
        what="budgets"
        emptyTitle="No budgets"
        empty="Budgets per tenant, feature, API key or end user appear here with what is spent and reserved right now against their limit."
      >
        {(rows) => (
          <div className="table-wrap">
            <table className="table" aria-label="Budgets">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Applies to</th>
                  <th className="num">Limit</th>
                  <th>Mode</th>
                  <th>This period (live)</th>
                  <th>Alerts at</th>
                  <th>Status</th>
                  {canWrite ? <th aria-label="Actions" /> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((b) => (
                  <tr key={b.id}>
                    <td>{b.name}</td>
                    <td>{subject(b)}</td>
                    <td className="num nowrap">
                      {formatMicros(b.limitMicros)} <span className="sub">{PERIOD[b.period]}</span>
                    </td>
                    <td>
                      <Badge tone={b.mode === "hard" ? "warning" : "info"}>{b.mode === "hard" ? "Hard: blocks" : "Soft: alerts"}</Badge>
                    </td>
                    <td>
                      <LiveUsage budget={b} status={statusOf(b.id)} statusError={status.isError} />
                    </td>
                    <td>{b.alertThresholds.length ? b.alertThresholds.map((t) => `${t}%`).join(", ") : "—"}</td>
                    <td>
                      <BoolBadge value={b.enabled} />
                    </td>
                    {canWrite ? (
                      <td className="nowrap">
                        <Button size="sm" variant="ghost" onClick={() => setEditBudget({ item: b })}>
                          Edit
                        </Button>
                        <Button
                          size="sm"
                          variant="ghost"
                          pending={toggleBudget.isPending && toggleBudget.variables?.id === b.id}
                          onClick={() => toggleBudget.mutate({ id: b.id, input: { enabled: !b.enabled } })}
                        >
                          {b.enabled ? "Disable" : "Enable"}
                        </Button>
                        <Button size="sm" variant="ghost-danger" onClick={() => setDeleting({ kind: "budget", item: b })}>
                          Delete
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>

      <Section
        title="Rate limits"
        description="Requests and tokens per rolling minute, and requests in flight per key. Every response they apply to carries x-ratelimit-limit-*, x-ratelimit-remaining-* and x-ratelimit-reset-* (OpenAI's names); refusals are 429 rate_limit_exceeded with retry-after."
        actions={
          canWrite ? (
            <Button onClick={() => setEditLimit({ item: null })}>New rate limit</Button>
          ) : null
        }
      >
        {toggleLimit.isError ? <ErrorAlert error={toggleLimit.error} title="Could not change the rate limit" /> : null}
        <QueryView query={limits} what="rate limits" emptyTitle="No rate limits" empty="Limits per API key, end user, tenant, feature or client IP appear here.">
          {(rows) => (
            <div className="table-wrap">
              <table className="table" aria-label="Rate limits">
                <thead>
                  <tr>
                    <th>Counted per</th>
                    <th>Only feature</th>
                    <th className="num">Requests / min</th>
                    <th className="num">Tokens / min</th>
                    <th className="num">Concurrent</th>
                    <th>Status</th>
                    {canWrite ? <th aria-label="Actions" /> : null}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.id}>
                      <td>
                        {RATE_SCOPES[r.scope]}
                        {r.apiKeyId ? <div className="sub mono">{r.apiKeyId}</div> : null}
                      </td>
                      <td>{featureLabel(r.featureId, "All")}</td>
                      <td className="num">{formatNumber(r.requestsPerMinute)}</td>
                      <td className="num">{formatNumber(r.tokensPerMinute)}</td>
                      <td className="num">{formatNumber(r.maxConcurrent)}</td>
                      <td>
                        <BoolBadge value={r.enabled} />
                      </td>
                      {canWrite ? (
                        <td className="nowrap">
                          <Button size="sm" variant="ghost" onClick={() => setEditLimit({ item: r })}>
                            Edit
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            pending={toggleLimit.isPending && toggleLimit.variables?.id === r.id}
                            onClick={() => toggleLimit.mutate({ id: r.id, input: { enabled: !r.enabled } })}
                          >
                            {r.enabled ? "Disable" : "Enable"}
                          </Button>
                          <Button size="sm" variant="ghost-danger" onClick={() => setDeleting({ kind: "limit", item: r })}>
                            Delete
                          </Button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Section>

      {editBudget ? <BudgetDialog key={editBudget.item?.id ?? "new"} slug={slug} budget={editBudget.item} open onClose={() => setEditBudget(null)} /> : null}
      {editLimit ? <RateLimitDialog key={editLimit.item?.id ?? "new"} slug={slug} limit={editLimit.item} open onClose={() => setEditLimit(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={deleting?.kind === "budget" ? `Delete budget ${deleting.item.name}?` : "Delete this rate limit?"}
        description="Gateways stop enforcing it within a second. To pause it and keep its settings, disable it instead."
        confirmLabel="Delete"
        pending={deletePending}
        error={deleteBudget.error ?? deleteLimit.error}
        onConfirm={() => {
          if (!deleting) return;
          const done = { onSuccess: () => setDeleting(null) };
          if (deleting.kind === "budget") deleteBudget.mutate(deleting.item.id, done);
          else deleteLimit.mutate(deleting.item.id, done);
        }}
        onClose={() => {
          deleteBudget.reset();
          deleteLimit.reset();
          setDeleting(null);
        }}
      />
    </>
  );
}
