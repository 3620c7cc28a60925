"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTenant, useCan } from "@/components/tenant/tenant-context";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { RequestStatusBadge } from "@/components/requests/request-status-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatMicros, formatMs } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorAlert, ErrorState, Loading } from "@/components/ui/states";
import { useBadAnswers, type BadAnswerFilter } from "./use-bad-answers";
import { useResolveBadAnswer } from "./use-resolve-bad-answer";

const FILTERS: Array<{ value: BadAnswerFilter; label: string }> = [
  { value: "open", label: "Open" },
  { value: "resolved", label: "Resolved" },
  { value: "all", label: "All" },
];

const EMPTY: Record<BadAnswerFilter, { title: string; body: string }> = {
  open: { title: "No open bad answers", body: "When an end-user gives an answer a negative score (POST /v1/feedback), it lands here for support to look into." },
  resolved: { title: "Nothing resolved yet", body: "Bad answers you resolve move here, with when they were resolved." },
  all: { title: "No bad answers", body: "Negative feedback from end-users (POST /v1/feedback) appears here, newest first." },
};

export function BadAnswersView() {
  const { slug } = useTenant();
  const canResolve = useCan("feedback:write");
  const featureLabel = useFeatureLabel(slug);
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const show = params.get("show");
  const filter: BadAnswerFilter = show === "resolved" || show === "all" ? show : "open";
  const answers = useBadAnswers(slug, filter);
  const resolve = useResolveBadAnswer(slug);
  const rows = answers.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <>
      <PageHeader
        title="Bad answers"
        description="Answers end-users marked as bad, newest first. Open one to see the prompt, the retrieved context with its sources, every attempt and fallback, cost and latency; resolve it once it is handled."
      />
      <div className="row" role="group" aria-label="Show" style={{ marginBottom: 12 }}>
        {FILTERS.map((f) => (
          <Button
            key={f.value}
            size="sm"
            variant={f.value === filter ? "primary" : "default"}
            aria-pressed={f.value === filter}
            onClick={() => router.replace(f.value === "open" ? pathname : `${pathname}?show=${f.value}`)}
          >
            {f.label}
          </Button>
        ))}
      </div>
      {resolve.isError ? <ErrorAlert error={resolve.error} title="Not resolved" /> : null}

      {answers.isPending ? (
        <Loading label="Loading bad answers…" />
      ) : answers.isError ? (
        <ErrorState what="bad answers" error={answers.error} onRetry={() => void answers.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={EMPTY[filter].title}>{EMPTY[filter].body}</EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" aria-label="Bad answers">
              <thead>
                <tr>
                  <th>Reported</th>
                  <th>Feedback</th>
                  <th>Request</th>
                  <th>Feature</th>
                  <th className="num">Cost</th>
                  <th className="num">Latency</th>
                  <th>State</th>
                  {canResolve ? <th className="actions">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id}>
                    <td className="nowrap">
                      <Link href={`/t/${slug}/requests/${a.requestId}`} aria-label={`Open request ${a.requestId}`}>
                        {formatDateTime(a.createdAt)}
                      </Link>
                      <div className="sub">{a.endUserId ? `by ${a.endUserId}` : "end-user unknown"}</div>
                    </td>
                    <td>
                      <Badge tone="danger">score {a.score}</Badge>
                      {a.comment ? <div>“{a.comment}”</div> : <div className="sub">No comment</div>}
                    </td>
                    <td>
                      {a.request ? (
                        <>
                          <RequestStatusBadge status={a.request.status} httpStatus={a.request.httpStatus} />
                          <div className="mono">
                            {a.request.model}
                            {a.request.servedBy && a.request.servedBy !== a.request.model ? ` → ${a.request.servedBy}` : ""}
                          </div>
                          <div className="sub">
                            {formatDateTime(a.request.createdAt)}
                            {a.request.fallbackReason ? ` · ${a.request.fallbackReason}` : ""}
                          </div>
                        </>
                      ) : (
                        <>
                          <span className="mono">{a.requestId}</span>
                          <div className="sub">Request log not written yet</div>
                        </>
                      )}
                    </td>
                    <td>{a.request ? featureLabel(a.request.featureId) : "—"}</td>
                    <td className="num">{a.request ? formatMicros(a.request.costMicros) : "—"}</td>
                    <td className="num nowrap">{a.request ? formatMs(a.request.latencyMs) : "—"}</td>
                    <td className="nowrap">
                      {a.resolvedAt ? (
                        <>
                          <Badge tone="success">resolved</Badge>
                          <div className="sub">{formatDateTime(a.resolvedAt)}</div>
                        </>
                      ) : (
                        <Badge tone="warning">open</Badge>
                      )}
                    </td>
                    {canResolve ? (
                      <td className="actions">
                        {a.resolvedAt ? null : (
                          <Button
                            size="sm"
                            pending={resolve.isPending && resolve.variables === a.id}
                            disabled={resolve.isPending}
                            aria-label={`Resolve bad answer ${a.id}`}
                            onClick={() => resolve.mutate(a.id)}
                          >
                            Resolve
                          </Button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-footer">
            <span>{rows.length} shown</span>
            {answers.hasNextPage ? (
              <Button pending={answers.isFetchingNextPage} onClick={() => void answers.fetchNextPage()}>
                Load older
              </Button>
            ) : (
              <span>No older bad answers</span>
            )}
          </div>
        </>
      )}
    </>
  );
}
