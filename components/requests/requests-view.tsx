"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import type { FormEvent } from "react";
import { RequestStatus } from "@/lib/requests/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useFeatures } from "@/components/features/use-features";
import { useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { localInputToIso } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { RequestsTable } from "./requests-table";
import { useRequests, type RequestFilters } from "./use-requests";

const FILTER_KEYS = ["featureId", "status", "model", "endUserId", "from", "to"] as const;

/** ISO -> the value a datetime-local input shows (the browser's local time). */
function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function RequestsView() {
  const { slug } = useTenant();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const features = useFeatures(slug);
  const featureLabel = useFeatureLabel(slug);

  // Filters live in the URL, so a filtered view can be shared and survives reload.
  const filters: RequestFilters = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const active = Object.keys(filters).length > 0;
  const requests = useRequests(slug, filters);
  const rows = requests.data?.pages.flatMap((p) => p.data) ?? [];

  function apply(next: RequestFilters) {
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
      featureId: text("featureId"),
      status: text("status"),
      model: text("model"),
      endUserId: text("endUserId"),
      from: localInputToIso(String(form.get("from") ?? "")) ?? undefined,
      to: localInputToIso(String(form.get("to") ?? "")) ?? undefined,
    });
  }

  return (
    <>
      <PageHeader
        title="Requests"
        description="Every call through the gateway: who made it, which target answered, tokens, cost and latency. Open one to see its prompt, context, attempts and guard verdicts."
      />
      <form key={params.toString()} className="filters" onSubmit={onSubmit} aria-label="Filter requests">
        <div className="field">
          <label htmlFor="f-feature">Feature</label>
          <select id="f-feature" name="featureId" className="select" defaultValue={filters.featureId ?? ""}>
            <option value="">Any feature</option>
            {(features.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" name="status" className="select" defaultValue={filters.status ?? ""}>
            <option value="">Any status</option>
            {RequestStatus.options.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-model">Model</label>
          <input id="f-model" name="model" className="input" placeholder="support-reply" defaultValue={filters.model ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-user">End user</label>
          <input id="f-user" name="endUserId" className="input" placeholder="user-123" defaultValue={filters.endUserId ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-from">From (local time)</label>
          <input id="f-from" name="from" type="datetime-local" className="input" defaultValue={isoToLocalInput(filters.from)} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To (local time)</label>
          <input id="f-to" name="to" type="datetime-local" className="input" defaultValue={isoToLocalInput(filters.to)} />
        </div>
        <Button type="submit">Apply filters</Button>
        {active ? (
          <Button variant="ghost" onClick={() => apply({})}>
            Clear
          </Button>
        ) : null}
      </form>

      {requests.isPending ? (
        <Loading label="Loading requests…" />
      ) : requests.isError ? (
        <ErrorState what="requests" error={requests.error} onRetry={() => void requests.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={active ? "No matching requests" : "No requests yet"}>
          {active
            ? "Nothing matches these filters. Widen the time range or clear a filter."
            : "Requests to /v1/* with this tenant's API keys appear here within seconds, newest first."}
        </EmptyState>
      ) : (
        <>
          <RequestsTable slug={slug} rows={rows} featureLabel={featureLabel} />
          <div className="table-footer">
            <span>{rows.length} requests shown</span>
            {requests.hasNextPage ? (
              <Button pending={requests.isFetchingNextPage} onClick={() => void requests.fetchNextPage()}>
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
