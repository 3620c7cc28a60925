"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import type { FormEvent } from "react";
import { FlaggedVerdict, GuardName, type FlaggedRequest } from "@/lib/requests/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useFeatures } from "@/components/features/use-features";
import { RequestStatusBadge } from "@/components/requests/request-status-badge";
import { VerdictBadge } from "@/components/requests/guard-verdicts";
import { useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { formatDateTime, localInputToIso } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useFlagged, type FlaggedFilters } from "./use-flagged";

const FILTER_KEYS = ["guard", "verdict", "featureId", "from", "to"] as const;

function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function Row({ slug, r, featureLabel }: { slug: string; r: FlaggedRequest; featureLabel: (id: string | null) => string }) {
  const shown = r.guardVerdicts.filter((v) => v.verdict !== "pass");
  return (
    <tr>
      <td className="nowrap">
        <Link href={`/t/${slug}/requests/${r.id}`}>{formatDateTime(r.createdAt)}</Link>
        <div className="sub mono">{r.id}</div>
      </td>
      <td>
        <RequestStatusBadge status={r.status} httpStatus={r.httpStatus} />
        {r.errorCode ? <div className="sub">{r.errorCode}</div> : null}
      </td>
      <td>
        <div className="row" style={{ flexWrap: "wrap", gap: 6 }}>
          {shown.map((v, i) => (
            <span key={`${v.guard}-${i}`} className="nowrap" data-testid="flagged-verdict">
              <span style={{ textTransform: "capitalize" }}>{v.guard}</span> <VerdictBadge verdict={v.verdict} />
              {typeof v.score === "number" ? <span className="muted"> {v.score.toFixed(2)}</span> : null}
            </span>
          ))}
        </div>
      </td>
      <td>{featureLabel(r.featureId)}</td>
      <td className="mono">{r.model}</td>
      <td className="mono">{r.endUserId ?? <span className="muted">—</span>}</td>
    </tr>
  );
}

export function FlaggedView() {
  const { slug } = useTenant();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const features = useFeatures(slug);
  const featureLabel = useFeatureLabel(slug);

  const filters: FlaggedFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const active = Object.keys(filters).length > 0;
  const flagged = useFlagged(slug, filters);
  const rows = flagged.data?.pages.flatMap((p) => p.data) ?? [];

  function apply(next: FlaggedFilters) {
    const q = new URLSearchParams();
    for (const k of FILTER_KEYS) {
      const v = next[k];
      if (v) q.set(k, v);
    }
    const qs = q.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname);
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim() || undefined;
    apply({
      guard: text("guard"),
      verdict: text("verdict"),
      featureId: text("featureId"),
      from: localInputToIso(String(form.get("from") ?? "")) ?? undefined,
      to: localInputToIso(String(form.get("to") ?? "")) ?? undefined,
    });
  }

  return (
    <>
      <PageHeader
        title="Flagged"
        description="Requests a guard blocked, flagged or redacted, newest first. Open one to see every verdict and where PII was redacted (kinds and positions, never the values)."
      />
      <form key={params.toString()} className="filters" onSubmit={onSubmit} aria-label="Filter flagged requests">
        <div className="field">
          <label htmlFor="fl-guard">Guard</label>
          <select id="fl-guard" name="guard" className="select" defaultValue={filters.guard ?? ""}>
            <option value="">Any guard</option>
            {GuardName.options.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fl-verdict">Verdict</label>
          <select id="fl-verdict" name="verdict" className="select" defaultValue={filters.verdict ?? ""}>
            <option value="">Any verdict</option>
            {FlaggedVerdict.options.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fl-feature">Feature</label>
          <select id="fl-feature" name="featureId" className="select" defaultValue={filters.featureId ?? ""}>
            <option value="">Any feature</option>
            {(features.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="fl-from">From (local time)</label>
          <input id="fl-from" name="from" type="datetime-local" className="input" defaultValue={isoToLocalInput(filters.from)} />
        </div>
        <div className="field">
          <label htmlFor="fl-to">To (local time)</label>
          <input id="fl-to" name="to" type="datetime-local" className="input" defaultValue={isoToLocalInput(filters.to)} />
        </div>
        <Button type="submit">Apply filters</Button>
        {active ? (
          <Button variant="ghost" onClick={() => apply({})}>
            Clear
          </Button>
        ) : null}
      </form>

      {flagged.isPending ? (
        <Loading label="Loading flagged requests…" />
      ) : flagged.isError ? (
        <ErrorState what="flagged requests" error={flagged.error} onRetry={() => void flagged.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={active ? "No matching flagged requests" : "Nothing flagged yet"}>
          {active ? "Nothing matches these filters. Widen the time range or clear a filter." : "Requests a guard blocks, flags or redacts appear here within seconds, newest first."}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" aria-label="Flagged requests">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Status</th>
                  <th>Verdicts</th>
                  <th>Feature</th>
                  <th>Model</th>
                  <th>End user</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <Row key={r.id} slug={slug} r={r} featureLabel={featureLabel} />
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-footer">
            <span>{rows.length} requests shown</span>
            {flagged.hasNextPage ? (
              <Button pending={flagged.isFetchingNextPage} onClick={() => void flagged.fetchNextPage()}>
                Load older requests
              </Button>
            ) : (
              <span>No older requests</span>
            )}
          </div>
        </>
      )}
    </>
  );
}
