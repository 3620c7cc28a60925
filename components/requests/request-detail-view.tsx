"use client";

import Link from "next/link";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { formatDateTime, formatJson, formatMicros, formatMs, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorState, Loading } from "@/components/ui/states";
import { RequestStatusBadge } from "./request-status-badge";
import { useRequest } from "./use-request";

function JsonBlock({ value, empty }: { value: unknown; empty: string }) {
  const isEmpty = value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  return isEmpty ? <p className="muted">{empty}</p> : <pre className="code">{formatJson(value)}</pre>;
}

export function RequestDetailView({ id }: { id: string }) {
  const { slug } = useTenant();
  const request = useRequest(slug, id);
  const featureLabel = useFeatureLabel(slug);

  return (
    <>
      <PageHeader
        title="Request"
        description={<span className="mono">{id}</span>}
        actions={
          <Link className="btn" href={`/t/${slug}/requests`}>
            Back to requests
          </Link>
        }
      />
      {request.isPending ? (
        <Loading label="Loading request…" />
      ) : request.isError ? (
        <ErrorState what="this request" error={request.error} onRetry={() => void request.refetch()} />
      ) : (
        <>
          <div className="card">
            <div className="card-body">
              <dl className="kv">
                <dt>Time</dt>
                <dd>{formatDateTime(request.data.createdAt)}</dd>
                <dt>Status</dt>
                <dd>
                  <RequestStatusBadge status={request.data.status} httpStatus={request.data.httpStatus} />{" "}
                  {request.data.errorCode ?? ""} {request.data.fallbackReason ?? ""}
                </dd>
                <dt>Endpoint</dt>
                <dd className="mono">{request.data.endpoint}</dd>
                <dt>Model → served by</dt>
                <dd className="mono">
                  {request.data.model} → {request.data.servedBy ?? "—"}
                </dd>
                <dt>Feature</dt>
                <dd>{featureLabel(request.data.featureId)}</dd>
                <dt>API key / end user</dt>
                <dd className="mono">
                  {request.data.apiKeyId ?? "—"} / {request.data.endUserId ?? "—"}
                </dd>
                <dt>Prompt version</dt>
                <dd className="mono">{request.data.promptVersionId ?? "—"}</dd>
                <dt>Tokens</dt>
                <dd>
                  {formatNumber(request.data.promptTokens)} in ({formatNumber(request.data.cachedTokens)} cached) /{" "}
                  {formatNumber(request.data.completionTokens)} out ({formatNumber(request.data.reasoningTokens)} reasoning)
                </dd>
                <dt>Cost</dt>
                <dd>{formatMicros(request.data.costMicros)}</dd>
                <dt>Latency</dt>
                <dd>
                  {formatMs(request.data.latencyMs)}
                  {request.data.ttftMs !== null ? ` (first token ${formatMs(request.data.ttftMs)})` : ""}
                  {request.data.streamed ? " · streamed" : ""}
                  {request.data.cache ? ` · cache ${request.data.cache}` : ""}
                </dd>
              </dl>
            </div>
          </div>
          <Section title="Attempts">
            <JsonBlock value={request.data.attempts} empty="No upstream attempts were recorded." />
          </Section>
          <div className="grid-2">
            <Section title="Request (sanitised)">
              <JsonBlock value={request.data.request} empty="Not stored." />
            </Section>
            <Section title="Response">
              <JsonBlock value={request.data.response} empty="No response body." />
            </Section>
          </div>
          <div className="grid-2">
            <Section title="Context documents">
              <JsonBlock value={request.data.contextDocs} empty="No retrieved context was passed." />
            </Section>
            <Section title="Guard verdicts and redactions">
              <JsonBlock value={request.data.guardVerdicts} empty="No guard verdicts." />
              <JsonBlock value={request.data.redactions} empty="Nothing was redacted." />
            </Section>
          </div>
          <Section title="Feedback">
            {request.data.feedback.length === 0 ? (
              <p className="muted">No feedback on this answer.</p>
            ) : (
              <ul>
                {request.data.feedback.map((f) => (
                  <li key={f.id}>
                    {f.score < 0 ? "Bad" : f.score > 0 ? "Good" : "Neutral"} ({f.score}) · {formatDateTime(f.createdAt)}
                    {f.comment ? `: ${f.comment}` : ""}
                  </li>
                ))}
              </ul>
            )}
          </Section>
        </>
      )}
    </>
  );
}
