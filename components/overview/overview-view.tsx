"use client";

import Link from "next/link";
import type { UseQueryResult } from "@tanstack/react-query";
import { useApiKeys } from "@/components/api-keys/use-api-keys";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useFeatures } from "@/components/features/use-features";
import { useFlags } from "@/components/flags/use-flags";
import { useIncidents } from "@/components/incidents/use-incidents";
import { useMembers } from "@/components/members/use-members";
import { usePrompts } from "@/components/prompts/use-prompts";
import { RequestsTable } from "@/components/requests/requests-table";
import { useRequests } from "@/components/requests/use-requests";
import { useRoutes } from "@/components/routes/use-routes";
import { useTenant } from "@/components/tenant/tenant-context";
import { PageHeader, Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";

function Stat<T>({ label, href, query, count }: { label: string; href: string; query: UseQueryResult<T>; count: (data: T) => number | string }) {
  return (
    <div className="stat">
      <Link href={href}>
        <div className="stat-label">{label}</div>
        <div className="stat-value">{query.isPending ? "…" : query.isError ? "—" : count(query.data)}</div>
      </Link>
    </div>
  );
}

export function OverviewView() {
  const { slug, name } = useTenant();
  const base = `/t/${slug}`;
  const keys = useApiKeys(slug);
  const members = useMembers(slug);
  const features = useFeatures(slug);
  const routes = useRoutes(slug);
  const prompts = usePrompts(slug);
  const flags = useFlags(slug);
  const openIncidents = useIncidents(slug, "open");
  const recent = useRequests(slug, {}, 10);
  const featureLabel = useFeatureLabel(slug);
  const recentRows = recent.data?.pages[0]?.data ?? [];
  const engaged = flags.data?.filter((f) => f.kind === "kill_switch" && f.enabled) ?? [];

  return (
    <>
      <PageHeader title={name} description="What this tenant has configured and what its traffic looks like right now." />

      {engaged.length > 0 ? (
        <div className="alert alert-warning" role="status" style={{ marginBottom: 16 }}>
          <strong>Kill switch engaged:</strong> {engaged.map((f) => f.key).join(", ")}. Matching AI traffic is being refused.{" "}
          <Link href={`${base}/flags`}>See flags</Link>
        </div>
      ) : null}

      <div className="stats" aria-label="Counts">
        <Stat label="Active API keys" href={`${base}/api-keys`} query={keys} count={(d) => d.filter((k) => k.status === "active").length} />
        <Stat label="Members" href={`${base}/members`} query={members} count={(d) => d.length} />
        <Stat label="Features" href={`${base}/routes`} query={features} count={(d) => d.length} />
        <Stat label="Routes" href={`${base}/routes`} query={routes} count={(d) => d.length} />
        <Stat label="Prompts" href={`${base}/prompts`} query={prompts} count={(d) => d.length} />
        <Stat label="Flags & kill switches" href={`${base}/flags`} query={flags} count={(d) => d.length} />
        <div className="stat">
          <Link href={`${base}/incidents`}>
            <div className="stat-label">Open incidents</div>
            <div className="stat-value">
              {openIncidents.isPending
                ? "…"
                : openIncidents.isError
                  ? "—"
                  : `${openIncidents.data.pages[0]?.data.length ?? 0}${openIncidents.data.pages[0]?.nextCursor ? "+" : ""}`}
            </div>
          </Link>
        </div>
      </div>

      <Section title="Recent requests" actions={<Link href={`${base}/requests`}>All requests →</Link>}>
        {recent.isPending ? (
          <Loading label="Loading recent requests…" />
        ) : recent.isError ? (
          <ErrorState what="recent requests" error={recent.error} onRetry={() => void recent.refetch()} />
        ) : recentRows.length === 0 ? (
          <EmptyState title="No traffic yet">
            The last ten calls to /v1/* with this tenant&apos;s API keys appear here. Create a key on the API keys page and call{" "}
            <code>GET /v1/models</code> or <code>POST /v1/chat/completions</code>.
          </EmptyState>
        ) : (
          <RequestsTable slug={slug} rows={recentRows} featureLabel={featureLabel} />
        )}
      </Section>
    </>
  );
}
