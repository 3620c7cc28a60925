"use client";

import Link from "next/link";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useResolveBadAnswer } from "@/components/bad-answers/use-resolve-bad-answer";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime, formatMicros, formatMs, formatNumber } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorAlert, ErrorState, Loading } from "@/components/ui/states";
import type { RequestLogDetail } from "@/lib/requests/schema";
import { AttemptTimeline } from "./attempt-timeline";
import { GuardVerdicts } from "./guard-verdicts";
import { ContextDocuments } from "./context-documents";
import { PromptView, ResponseView } from "./message-view";
import { RequestStatusBadge } from "./request-status-badge";
import { useRequest } from "./use-request";

function Feedback({ slug, request }: { slug: string; request: RequestLogDetail }) {
  const canResolve = useCan("feedback:write");
  const resolve = useResolveBadAnswer(slug);
  if (request.feedback.length === 0) return <p className="muted">No feedback on this answer.</p>;
  return (
    <>
      {resolve.isError ? <ErrorAlert error={resolve.error} title="Not resolved" /> : null}
      <ul className="stack" style={{ listStyle: "none", paddingLeft: 0, margin: 0 }} aria-label="Feedback">
        {request.feedback.map((f) => (
          <li key={f.id} className="row" style={{ flexWrap: "wrap" }}>
            <Badge tone={f.score < 0 ? "danger" : f.score > 0 ? "success" : "neutral"}>
              {f.score < 0 ? "bad" : f.score > 0 ? "good" : "neutral"} ({f.score})
            </Badge>
            <span>{f.comment ? `“${f.comment}”` : <span className="muted">No comment</span>}</span>
            <span className="muted">
              {f.endUserId ? `${f.endUserId} · ` : ""}
              {formatDateTime(f.createdAt)}
            </span>
            {f.score < 0 ? (
              f.resolvedAt ? (
                <Badge tone="success">resolved {formatDateTime(f.resolvedAt)}</Badge>
              ) : canResolve ? (
                <Button size="sm" pending={resolve.isPending && resolve.variables === f.id} onClick={() => resolve.mutate(f.id)}>
                  Resolve
                </Button>
              ) : (
                <Badge tone="warning">open</Badge>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </>
  );
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
          <>
            <Link className="btn" href={`/t/${slug}/bad-answers`}>
              Bad answers
            </Link>
            <Link className="btn" href={`/t/${slug}/requests`}>
              Back to requests
            </Link>
          </>
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
                  {request.data.errorCode ? <span className="mono">{request.data.errorCode}</span> : null}{" "}
                  {request.data.fallbackReason ? <span className="muted">fallback: {request.data.fallbackReason}</span> : null}
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
                <dd data-testid="request-cost">{formatMicros(request.data.costMicros)}</dd>
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
          <Section title="Feedback">
            <Feedback slug={slug} request={request.data} />
          </Section>
          <Section title="Attempts" description="Each upstream call in order: retries on the same target, then fallbacks down the route's chain.">
            <AttemptTimeline request={request.data} />
          </Section>
          <Section title="Context documents" description="Retrieved context the application sent with the request, passed to the model as untrusted data.">
            <ContextDocuments docs={request.data.contextDocs} />
          </Section>
          <div className="grid-2">
            <Section title="Prompt (sanitised)">
              <PromptView request={request.data.request} />
            </Section>
            <Section title="Response">
              <ResponseView response={request.data.response} streamed={request.data.streamed} />
            </Section>
          </div>
          <Section title="Guard verdicts and redactions" description="Each guard's verdict with where it found something (kind and position); PII values were replaced by placeholders before anything was stored.">
            <GuardVerdicts verdicts={request.data.guardVerdicts} redactions={request.data.redactions} />
          </Section>
        </>
      )}
    </>
  );
}
