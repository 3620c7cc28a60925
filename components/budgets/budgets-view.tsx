"use client";

import type { Budget } from "@/lib/budgets/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge, BoolBadge } from "@/components/ui/badge";
import { formatMicros } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { useBudgets } from "./use-budgets";

const PERIOD: Record<Budget["period"], string> = { day: "per day", month: "per month", total: "in total" };

export function BudgetsView() {
  const { slug } = useTenant();
  const budgets = useBudgets(slug);
  const featureLabel = useFeatureLabel(slug);

  const subject = (b: Budget) => {
    switch (b.scope) {
      case "tenant":
        return "Whole tenant";
      case "feature":
      case "tenant_feature":
        return `Feature: ${featureLabel(b.featureId)}`;
      case "api_key":
        return `API key: ${b.apiKeyId ?? "—"}`;
      case "end_user":
        return `End user: ${b.endUserId ?? "each end user"}`;
    }
  };

  return (
    <>
      <PageHeader
        title="Budgets"
        description="Spending limits checked on every request: a hard budget refuses calls once spent (429 budget_exceeded), a soft one alerts."
      />
      <QueryView
        query={budgets}
        what="budgets"
        emptyTitle="No budgets"
        empty="Budgets per tenant, feature, API key or end user appear here with their limit, period, mode and alert thresholds."
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
                  <th>Alerts at</th>
                  <th>Status</th>
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
                    <td>{b.alertThresholds.length ? b.alertThresholds.map((t) => `${t}%`).join(", ") : "—"}</td>
                    <td>
                      <BoolBadge value={b.enabled} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </>
  );
}
