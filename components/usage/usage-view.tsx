"use client";

import { useState } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import type { UsageGranularity, UsageGroupBy, UsageSeries } from "@/lib/usage/schema";
import { useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { formatMicros, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { bucketsOf, microsToDollars, pivot, topKeys } from "./pivot";
import { StackedAreas, StackedBars } from "./usage-charts";
import { RANGE_OPTIONS, useBlockedUsage, useCacheUsage, useTopEndUsers, useUsageSeries, type UsageRange } from "./use-usage";

const GROUPS: Array<{ value: UsageGroupBy; label: string }> = [
  { value: "tenant", label: "Whole tenant" },
  { value: "feature", label: "By feature" },
  { value: "model", label: "By model" },
];

const dollars = (v: number) => (v >= 1 ? `$${v.toFixed(2)}` : v === 0 ? "$0" : `$${v.toPrecision(2)}`);
const count = (v: number) => formatNumber(Math.round(v));

function States<T>({ query, what, children }: { query: UseQueryResult<T>; what: string; children: (data: T) => React.ReactNode }) {
  if (query.isPending) return <Loading label={`Loading ${what}…`} />;
  if (query.isError) return <ErrorState what={what} error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}

function SeriesCharts({ data }: { data: UsageSeries }) {
  if (data.points.length === 0) {
    return <EmptyState title="No usage in this range">Cost and tokens appear here within seconds of the first requests (the worker rolls the request log up per hour and per day).</EmptyState>;
  }
  const buckets = bucketsOf(data.granularity, data.from, data.to);
  const keys = topKeys(data.points, 6);
  const labels = { all: "All traffic", ...data.labels };
  const cost = pivot(data.points, buckets, keys, (p) => microsToDollars(p.costMicros));
  const tokens = pivot(data.points, buckets, keys, (p) => p.promptTokens + p.completionTokens);
  const totalMicros = data.points.reduce((s, p) => s + BigInt(p.costMicros), 0n);
  const totalTokens = data.points.reduce((s, p) => s + p.promptTokens + p.completionTokens, 0);
  const totalRequests = data.points.reduce((s, p) => s + p.requests, 0);
  return (
    <>
      <div className="stats" aria-label="Usage totals">
        <div className="stat">
          <div className="stat-label">Cost</div>
          <div className="stat-value" data-testid="usage-total-cost">{formatMicros(totalMicros)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Tokens</div>
          <div className="stat-value">{formatNumber(totalTokens)}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Requests</div>
          <div className="stat-value" data-testid="usage-total-requests">{formatNumber(totalRequests)}</div>
        </div>
      </div>
      <h3 className="section-subtitle">Cost</h3>
      <StackedBars rows={cost.rows} columns={cost.columns} labels={labels} granularity={data.granularity} format={dollars} ariaLabel="Cost over time" />
      <h3 className="section-subtitle">Tokens (prompt + completion)</h3>
      <StackedAreas rows={tokens.rows} columns={tokens.columns} labels={labels} granularity={data.granularity} format={count} ariaLabel="Tokens over time" />
    </>
  );
}

export function UsageView() {
  const { slug } = useTenant();
  const [granularity, setGranularity] = useState<UsageGranularity>("hour");
  const [spanHours, setSpanHours] = useState(24);
  const [groupBy, setGroupBy] = useState<UsageGroupBy>("tenant");
  const range: UsageRange = { granularity, spanHours };

  const series = useUsageSeries(slug, range, groupBy);
  const endUsers = useTopEndUsers(slug, range);
  const cache = useCacheUsage(slug, range);
  const blocked = useBlockedUsage(slug, range);

  function pickGranularity(g: UsageGranularity) {
    setGranularity(g);
    const options = RANGE_OPTIONS[g];
    if (!options.some((o) => o.spanHours === spanHours)) setSpanHours(g === "hour" ? 24 : 30 * 24);
  }

  return (
    <>
      <PageHeader title="Usage" description="What this tenant's AI traffic costs: by feature, model and end-user, what the cache saved, and what budgets and rate limits refused. Times in UTC." />

      <div className="filters" role="group" aria-label="Usage range">
        <div className="row" role="radiogroup" aria-label="Bucket size">
          {(["hour", "day"] as const).map((g) => (
            <Button key={g} size="sm" variant={granularity === g ? "primary" : undefined} role="radio" aria-checked={granularity === g} onClick={() => pickGranularity(g)}>
              {g === "hour" ? "Hourly" : "Daily"}
            </Button>
          ))}
        </div>
        <label>
          <span className="sr-only">Time range</span>
          <select className="select select-sm" aria-label="Time range" value={spanHours} onChange={(e) => setSpanHours(Number(e.target.value))}>
            {RANGE_OPTIONS[granularity].map((o) => (
              <option key={o.spanHours} value={o.spanHours}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="sr-only">Group by</span>
          <select className="select select-sm" aria-label="Group by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageGroupBy)}>
            {GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <Section title="Cost and tokens over time">
        <States query={series} what="usage">
          {(data) => <SeriesCharts data={data} />}
        </States>
      </Section>

      <Section title="Blocked requests" description="Requests refused with budget_exceeded or rate_limit_exceeded (from the request log).">
        <States query={blocked} what="blocked requests">
          {(data) => (
            <>
              <div className="stats" aria-label="Blocked totals">
                <div className="stat">
                  <div className="stat-label">Blocked by budget</div>
                  <div className="stat-value" data-testid="blocked-budget">{formatNumber(data.budget)}</div>
                </div>
                <div className="stat">
                  <div className="stat-label">Blocked by rate limit</div>
                  <div className="stat-value" data-testid="blocked-rate-limit">{formatNumber(data.rateLimit)}</div>
                </div>
              </div>
              {data.points.length === 0 ? (
                <EmptyState title="Nothing blocked in this range">Budgets and rate limits have not refused any request.</EmptyState>
              ) : (
                <StackedBars
                  rows={bucketsOf(data.granularity, data.from, data.to).map((t) => {
                    const p = data.points.find((x) => new Date(x.bucketStart).getTime() === t);
                    return { t, "Budget": p?.budget ?? 0, "Rate limit": p?.rateLimit ?? 0 } as { t: number } & Record<string, number>;
                  })}
                  columns={["Budget", "Rate limit"]}
                  granularity={data.granularity}
                  format={count}
                  ariaLabel="Blocked requests over time"
                />
              )}
            </>
          )}
        </States>
      </Section>

      <Section title="Cache" description="Responses served from the cache, and what they would have cost upstream.">
        <States query={cache} what="cache usage">
          {(data) => (
            <div className="stats" aria-label="Cache totals">
              <div className="stat">
                <div className="stat-label">Hit rate</div>
                <div className="stat-value" data-testid="cache-hit-rate">{data.requests > 0 ? `${(data.hitRate * 100).toFixed(1)}%` : "—"}</div>
              </div>
              <div className="stat">
                <div className="stat-label">Cache hits</div>
                <div className="stat-value">{formatNumber(data.cacheHits)}</div>
              </div>
              <div className="stat">
                <div className="stat-label">Money saved</div>
                <div className="stat-value">{formatMicros(data.savedMicros)}</div>
              </div>
            </div>
          )}
        </States>
      </Section>

      <Section title="Top end-users by cost">
        <States query={endUsers} what="end-users">
          {(data) =>
            data.endUsers.length === 0 ? (
              <EmptyState title="No end-users in this range">Requests that name an end-user (the `user` field, or the `x-gatehouse-user` header) are ranked here by cost.</EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table" aria-label="Top end-users">
                  <thead>
                    <tr>
                      <th>End-user</th>
                      <th className="num">Requests</th>
                      <th className="num">Tokens</th>
                      <th className="num">Cost</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.endUsers.map((u) => (
                      <tr key={u.endUserId}>
                        <td className="mono">{u.endUserId}</td>
                        <td className="num">{formatNumber(u.requests)}</td>
                        <td className="num">{formatNumber(u.promptTokens + u.completionTokens)}</td>
                        <td className="num">{formatMicros(u.costMicros)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </States>
      </Section>
    </>
  );
}
