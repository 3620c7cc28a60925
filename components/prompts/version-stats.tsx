"use client";

import type { Prompt } from "@/lib/prompts/schema";
import { formatDateTime, formatMicros, formatMs, formatNumber } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";
import { LabelBadge } from "./label-badge";
import { usePromptStats } from "./use-prompt-stats";

const pct = (rate: number, requests: number) => (requests ? `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 2 : 1)}%` : "—");

/** Per version: traffic, error rate, median latency, cost and negative-feedback rate from the request log. */
export function VersionStats({ slug, prompt }: { slug: string; prompt: Prompt }) {
  const stats = usePromptStats(slug, prompt.id);
  if (stats.isPending) return <Loading label="Loading traffic…" />;
  if (stats.isError) return <ErrorState what="per-version traffic" error={stats.error} onRetry={() => void stats.refetch()} />;
  return (
    <>
      <div className="table-wrap">
        <table className="table" aria-label="Traffic per version">
          <thead>
            <tr>
              <th>Version</th>
              <th className="num">Requests</th>
              <th className="num">Error rate</th>
              <th className="num">p50 latency</th>
              <th className="num">Cost</th>
              <th className="num">Negative feedback</th>
            </tr>
          </thead>
          <tbody>
            {stats.data.versions.map((s) => (
              <tr key={s.versionId} data-version={s.version}>
                <td>
                  <div className="row" style={{ flexWrap: "wrap", gap: 4 }}>
                    v{s.version}
                    {prompt.labels
                      .filter((l) => l.versionId === s.versionId || (l.canaryVersionId === s.versionId && l.canaryPercent > 0))
                      .map((l) => (
                        <LabelBadge key={l.id} label={l} versions={prompt.versions} />
                      ))}
                  </div>
                </td>
                <td className="num">{formatNumber(s.requests)}</td>
                <td className="num">
                  {pct(s.errorRate, s.requests)}
                  {s.errors ? <div className="sub">{formatNumber(s.errors)} errors</div> : null}
                </td>
                <td className="num">{formatMs(s.p50LatencyMs)}</td>
                <td className="num">{formatMicros(s.costMicros)}</td>
                <td className="num">
                  {pct(s.negativeFeedbackRate, s.requests)}
                  {s.negativeFeedback ? <div className="sub">{formatNumber(s.negativeFeedback)} answers</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted" style={{ margin: "6px 0 0", fontSize: 12.5 }}>
        Last {stats.data.windowDays} days (since {formatDateTime(stats.data.since)}), from the request log.
      </p>
    </>
  );
}
