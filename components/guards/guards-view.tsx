"use client";

import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { useGuardPolicies } from "./use-guard-policies";

export function GuardsView() {
  const { slug } = useTenant();
  const policies = useGuardPolicies(slug);
  const featureLabel = useFeatureLabel(slug);
  return (
    <>
      <PageHeader
        title="Guards"
        description="Checks on the way in (prompt injection, PII redaction, token limits) and on the way out (output schema, moderation). A feature's policy overrides the tenant default."
      />
      <QueryView
        query={policies}
        what="guard policies"
        emptyTitle="No guard policies"
        empty="The tenant's default guard policy and per-feature overrides appear here with their settings and version."
      >
        {(rows) => (
          <div className="stack">
            {rows.map((p) => (
              <section key={p.id} className="card" aria-label={p.featureId ? `Guard policy for ${featureLabel(p.featureId)}` : "Default guard policy"}>
                <div className="card-body">
                  <div className="section-header">
                    <div>
                      <h2>{p.featureId ? `Feature: ${featureLabel(p.featureId)}` : "Tenant default"}</h2>
                      <p>Updated {formatDateTime(p.updatedAt)}</p>
                    </div>
                    <Badge tone="accent">version {p.version}</Badge>
                  </div>
                  {Object.keys(p.config).length === 0 ? (
                    <p className="muted">No guards configured: defaults apply.</p>
                  ) : (
                    <div className="grid-2">
                      {Object.entries(p.config).map(([name, value]) => (
                        <div key={name}>
                          <h3 style={{ textTransform: "capitalize" }}>{name}</h3>
                          <pre className="code">{formatJson(value)}</pre>
                        </div>
                      ))}
                    </div>
                  )}
                </div>
              </section>
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}
