"use client";

import { useState } from "react";
import type { Incident } from "@/lib/incidents/schema";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge, BoolBadge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useAlertRules } from "./use-alert-rules";
import { useIncidents, type IncidentStatusFilter } from "./use-incidents";
import { useRunbooks } from "./use-runbooks";

const SEVERITY_TONE: Record<Incident["severity"], BadgeTone> = { low: "neutral", medium: "info", high: "warning", critical: "danger" };
const STATUS_TONE: Record<Incident["status"], BadgeTone> = { open: "danger", acknowledged: "warning", resolved: "success" };
const signalLabel = (s: string) => s.replace(/_/g, " ");

function IncidentsSection() {
  const { slug } = useTenant();
  const [status, setStatus] = useState<IncidentStatusFilter>("all");
  const incidents = useIncidents(slug, status);
  const rows = incidents.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <Section
      title="Incidents"
      description="Opened by a signal (circuit open, error spike, latency, budget, malformed output, policy violation) with the matching runbook."
      actions={
        <label className="row">
          <span className="field-label">Status</span>
          <select className="select select-sm" value={status} onChange={(e) => setStatus(e.target.value as IncidentStatusFilter)}>
            <option value="all">All</option>
            <option value="open">Open</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
      }
    >
      {incidents.isPending ? (
        <Loading label="Loading incidents…" />
      ) : incidents.isError ? (
        <ErrorState what="incidents" error={incidents.error} onRetry={() => void incidents.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={status === "all" ? "No incidents" : `No ${status} incidents`}>
          When an alert rule fires, the incident appears here with its severity, status and runbook.
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" aria-label="Incidents">
              <thead>
                <tr>
                  <th>Incident</th>
                  <th>Signal</th>
                  <th>Severity</th>
                  <th>Status</th>
                  <th>Opened</th>
                  <th>Runbook</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((i) => (
                  <tr key={i.id}>
                    <td>
                      <div>{i.title}</div>
                      {Object.keys(i.details).length ? (
                        <details>
                          <summary className="sub">Details</summary>
                          <pre className="code">{formatJson(i.details)}</pre>
                        </details>
                      ) : null}
                    </td>
                    <td>{signalLabel(i.signal)}</td>
                    <td>
                      <Badge tone={SEVERITY_TONE[i.severity]}>{i.severity}</Badge>
                    </td>
                    <td>
                      <Badge tone={STATUS_TONE[i.status]}>{i.status}</Badge>
                      {i.resolvedAt ? <div className="sub">resolved {formatDateTime(i.resolvedAt)}</div> : null}
                    </td>
                    <td className="nowrap">{formatDateTime(i.openedAt)}</td>
                    <td>{i.runbookTitle ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {incidents.hasNextPage ? (
            <div className="table-footer">
              <span />
              <Button pending={incidents.isFetchingNextPage} onClick={() => void incidents.fetchNextPage()}>
                Load older incidents
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Section>
  );
}

export function IncidentsView() {
  const { slug } = useTenant();
  const runbooks = useRunbooks(slug);
  const rules = useAlertRules(slug);
  return (
    <>
      <PageHeader title="Incidents & runbooks" description="What is going wrong now, what to do about it, and the rules that decide when to call someone." />
      <IncidentsSection />

      <Section title="Runbooks" description="Steps and one-click mitigations for each kind of incident.">
        <QueryView
          query={runbooks}
          what="runbooks"
          emptyTitle="No runbooks"
          empty="Runbooks appear here with the signal they answer, their steps and their one-click mitigations."
        >
          {(rows) => (
            <div className="stack">
              {rows.map((r) => (
                <section key={r.id} className="card" aria-label={`Runbook ${r.title}`}>
                  <div className="card-body">
                    <div className="section-header">
                      <h3>{r.title}</h3>
                      <Badge tone="info">{r.signal ? signalLabel(r.signal) : "general"}</Badge>
                    </div>
                    {r.body ? <pre className="code">{r.body}</pre> : <p className="muted">No steps written yet.</p>}
                    {r.mitigations.length ? (
                      <details style={{ marginTop: 8 }}>
                        <summary>
                          {r.mitigations.length} {r.mitigations.length === 1 ? "mitigation" : "mitigations"}
                        </summary>
                        <pre className="code">{formatJson(r.mitigations)}</pre>
                      </details>
                    ) : null}
                  </div>
                </section>
              ))}
            </div>
          )}
        </QueryView>
      </Section>

      <Section title="Alert rules" description="Conditions on live metrics that open an incident.">
        <QueryView
          query={rules}
          what="alert rules"
          emptyTitle="No alert rules"
          empty="Alert rules appear here with their signal, condition, severity and whether they are enabled."
        >
          {(rows) => (
            <div className="table-wrap">
              <table className="table" aria-label="Alert rules">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Signal</th>
                    <th>Condition</th>
                    <th>Severity</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.id}>
                      <td>{a.name}</td>
                      <td>{signalLabel(a.signal)}</td>
                      <td className="mono">{formatJson(a.condition).replace(/\s+/g, " ")}</td>
                      <td>
                        <Badge tone={SEVERITY_TONE[a.severity]}>{a.severity}</Badge>
                      </td>
                      <td>
                        <BoolBadge value={a.enabled} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Section>
    </>
  );
}
