"use client";

import Link from "next/link";
import type { RequestLogSummary } from "@/lib/requests/schema";
import { formatDateTime, formatMicros, formatMs, formatNumber } from "@/components/ui/format";
import { RequestStatusBadge } from "./request-status-badge";

export function RequestsTable({
  slug,
  rows,
  featureLabel,
}: {
  slug: string;
  rows: RequestLogSummary[];
  featureLabel: (id: string | null, none?: string) => string;
}) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Requests">
        <thead>
          <tr>
            <th>Time</th>
            <th>Status</th>
            <th>Model</th>
            <th>Feature</th>
            <th>End user</th>
            <th className="num">Tokens in / out</th>
            <th className="num">Cost</th>
            <th className="num">Latency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="nowrap">
                <Link href={`/t/${slug}/requests/${r.id}`}>{formatDateTime(r.createdAt)}</Link>
                <div className="sub">
                  {r.endpoint}
                  {r.streamed ? " · stream" : ""}
                  {r.cache ? ` · cache ${r.cache}` : ""}
                </div>
              </td>
              <td>
                <RequestStatusBadge status={r.status} httpStatus={r.httpStatus} />
                {r.errorCode ? <div className="sub">{r.errorCode}</div> : null}
                {r.fallbackReason ? <div className="sub">{r.fallbackReason}</div> : null}
              </td>
              <td>
                <div className="mono">{r.model}</div>
                {r.servedBy && r.servedBy !== r.model ? <div className="sub mono">→ {r.servedBy}</div> : null}
              </td>
              <td>{featureLabel(r.featureId)}</td>
              <td className="mono">{r.endUserId ?? <span className="muted">—</span>}</td>
              <td className="num nowrap">
                {formatNumber(r.promptTokens)} / {formatNumber(r.completionTokens)}
              </td>
              <td className="num">{formatMicros(r.costMicros)}</td>
              <td className="num nowrap">
                {formatMs(r.latencyMs)}
                {r.ttftMs !== null ? <div className="sub">TTFT {formatMs(r.ttftMs)}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
