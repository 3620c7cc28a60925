"use client";

import type { EvalRun } from "@/lib/evals/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatJson, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useEvalRuns } from "./use-eval-runs";
import { useGoldenSets } from "./use-golden-sets";

const RUN_TONE: Record<EvalRun["status"], BadgeTone> = { queued: "neutral", running: "info", succeeded: "success", failed: "danger" };

export function EvalsView() {
  const { slug } = useTenant();
  const sets = useGoldenSets(slug);
  const runs = useEvalRuns(slug);
  const featureLabel = useFeatureLabel(slug);
  const runRows = runs.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <>
      <PageHeader
        title="Evals"
        description="Golden sets are the cases a prompt or route must keep answering well; eval runs score a prompt version against them before it is promoted."
      />
      <Section title="Golden sets">
        <QueryView
          query={sets}
          what="golden sets"
          emptyTitle="No golden sets"
          empty="Golden sets appear here with their feature and number of cases. Support adds bad answers from the request log to them."
        >
          {(rows) => (
            <div className="table-wrap">
              <table className="table" aria-label="Golden sets">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Feature</th>
                    <th className="num">Cases</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <div>{s.name}</div>
                        {s.description ? <div className="sub">{s.description}</div> : null}
                      </td>
                      <td>{featureLabel(s.featureId)}</td>
                      <td className="num">{formatNumber(s.caseCount)}</td>
                      <td className="nowrap">{formatDateTime(s.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </Section>

      <Section title="Eval runs">
        {runs.isPending ? (
          <Loading label="Loading eval runs…" />
        ) : runs.isError ? (
          <ErrorState what="eval runs" error={runs.error} onRetry={() => void runs.refetch()} />
        ) : runRows.length === 0 ? (
          <EmptyState title="No eval runs yet">Each run of a prompt version against a golden set appears here with its status and scores.</EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" aria-label="Eval runs">
                <thead>
                  <tr>
                    <th>Golden set</th>
                    <th>Prompt version</th>
                    <th>Status</th>
                    <th>Started</th>
                    <th>Finished</th>
                    <th>Summary</th>
                  </tr>
                </thead>
                <tbody>
                  {runRows.map((r) => (
                    <tr key={r.id}>
                      <td>{r.goldenSetName}</td>
                      <td className="mono">{r.promptVersionId ?? "—"}</td>
                      <td>
                        <Badge tone={RUN_TONE[r.status]}>{r.status}</Badge>
                      </td>
                      <td className="nowrap">{formatDateTime(r.startedAt ?? r.createdAt)}</td>
                      <td className="nowrap">{formatDateTime(r.finishedAt)}</td>
                      <td>
                        {Object.keys(r.summary).length ? (
                          <details>
                            <summary>Scores</summary>
                            <pre className="code">{formatJson(r.summary)}</pre>
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
            {runs.hasNextPage ? (
              <div className="table-footer">
                <span />
                <Button pending={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
                  Load older runs
                </Button>
              </div>
            ) : null}
          </>
        )}
      </Section>
    </>
  );
}
