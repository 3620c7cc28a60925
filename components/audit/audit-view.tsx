"use client";

import { useState, type FormEvent } from "react";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useAuditLog, type AuditFilters } from "./use-audit-log";

export function AuditView() {
  const { slug } = useTenant();
  const [filters, setFilters] = useState<AuditFilters>({});
  const query = useAuditLog(slug, filters);
  const rows = query.data?.pages.flatMap((p) => p.data) ?? [];

  function onFilter(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const action = String(form.get("action") ?? "").trim();
    const resourceType = String(form.get("resourceType") ?? "").trim();
    setFilters({ ...(action ? { action } : {}), ...(resourceType ? { resourceType } : {}) });
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change made in this tenant, by whom and when, with the state before and after. Written in the same transaction as the change."
      />
      <form className="filters" onSubmit={onFilter} aria-label="Filter audit log">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input id="audit-action" name="action" className="input" placeholder="api_key:create" defaultValue={filters.action} />
        </div>
        <div className="field">
          <label htmlFor="audit-resource">Resource type</label>
          <input id="audit-resource" name="resourceType" className="input" placeholder="api_key" defaultValue={filters.resourceType} />
        </div>
        <Button type="submit">Apply filters</Button>
        {filters.action || filters.resourceType ? (
          <Button variant="ghost" onClick={() => setFilters({})}>
            Clear
          </Button>
        ) : null}
      </form>

      {query.isPending ? (
        <Loading label="Loading audit log…" />
      ) : query.isError ? (
        <ErrorState what="the audit log" error={query.error} onRetry={() => void query.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title="No audit entries">
          {filters.action || filters.resourceType
            ? "Nothing matches these filters."
            : "Changes to keys, members, prompts, flags, routes and budgets appear here as soon as someone makes them."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Resource</th>
                  <th>Change</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td className="nowrap">{formatDateTime(r.createdAt)}</td>
                    <td>
                      <div>{r.actorLabel || r.actorId || r.actorType}</div>
                      <div className="sub">
                        {r.actorType === "admin_token" ? "admin token" : r.actorType}
                        {r.ip ? ` · ${r.ip}` : ""}
                      </div>
                    </td>
                    <td>
                      <Badge tone="accent">{r.action}</Badge>
                    </td>
                    <td>
                      <div>{r.resourceType}</div>
                      {r.resourceId ? <div className="sub mono">{r.resourceId}</div> : null}
                    </td>
                    <td>
                      {r.before !== null || r.after !== null ? (
                        <details>
                          <summary>Before / after</summary>
                          {r.before !== null ? (
                            <>
                              <div className="sub">Before</div>
                              <pre className="code">{formatJson(r.before)}</pre>
                            </>
                          ) : null}
                          {r.after !== null ? (
                            <>
                              <div className="sub">After</div>
                              <pre className="code">{formatJson(r.after)}</pre>
                            </>
                          ) : null}
                        </details>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-footer">
            <span>{rows.length} entries shown</span>
            {query.hasNextPage ? (
              <Button pending={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
                Load older entries
              </Button>
            ) : (
              <span>End of the log</span>
            )}
          </div>
        </>
      )}
    </>
  );
}
