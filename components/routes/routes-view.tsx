"use client";

import type { RouteTargetHealth } from "@/lib/routes/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { ErrorAlert } from "@/components/ui/states";
import { ProvidersTable } from "./providers-table";
import { RouteCard } from "./route-card";
import { useProviders } from "./use-providers";
import { useRouteTargetsHealth } from "./use-route-targets-health";
import { useRoutes } from "./use-routes";

export function RoutesView() {
  const { slug } = useTenant();
  const canWrite = useCan("routes:write");
  const routes = useRoutes(slug);
  const providers = useProviders(slug);
  const health = useRouteTargetsHealth(slug);
  const byTarget = new Map<string, RouteTargetHealth>((health.data?.targets ?? []).map((h) => [h.targetId, h]));

  return (
    <>
      <PageHeader
        title="Routes & providers"
        description="A route is what applications call as a model name: an ordered chain of provider targets, tried in turn with retries, timeouts and circuit breakers, closing with an optional static answer."
      />
      <Section
        title="Routes"
        description={
          health.data ? (
            <>
              Circuit states are live (shared by every gateway instance), refreshed every few seconds; error rates cover the last {health.data.windowMinutes} minutes
              {health.data.sampledRequests >= health.data.sampleLimit ? ` (newest ${health.data.sampleLimit.toLocaleString("en-US")} requests)` : ""}. Checked{" "}
              {formatDateTime(health.data.checkedAt)}.
            </>
          ) : (
            "Circuit states and error rates load after the routes."
          )
        }
      >
        {health.isError ? <ErrorAlert error={health.error} title="Live circuit state unavailable" /> : null}
        <QueryView
          query={routes}
          what="routes"
          emptyTitle="No routes"
          empty="Routes appear here with their alias (the model name callers use), their targets in order and their static fallback."
        >
          {(rows) => (
            <div className="stack">
              {rows.map((r) => (
                <RouteCard
                  key={r.id}
                  slug={slug}
                  route={r}
                  health={byTarget}
                  windowMinutes={health.data?.windowMinutes}
                  providers={providers.data}
                  canWrite={canWrite}
                />
              ))}
            </div>
          )}
        </QueryView>
      </Section>

      <Section title="Providers" description="Upstream LLM APIs. Secrets are encrypted at rest and never shown; only whether one is set.">
        <QueryView
          query={providers}
          what="providers"
          emptyTitle="No providers"
          empty="Providers (OpenAI, Anthropic, Azure OpenAI, Gemini, OpenAI-compatible servers) appear here with their models and prices."
        >
          {(rows) => <ProvidersTable rows={rows} />}
        </QueryView>
      </Section>
    </>
  );
}
