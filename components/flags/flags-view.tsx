"use client";

import type { Flag } from "@/lib/flags/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { PageHeader, Section } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { EmptyState } from "@/components/ui/states";
import { useFlags } from "./use-flags";

function FlagTable({ flags, kill, featureLabel }: { flags: Flag[]; kill: boolean; featureLabel: (id: string | null, none?: string) => string }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={kill ? "Kill switches" : "Flags"}>
        <thead>
          <tr>
            <th>Key</th>
            <th>State</th>
            {kill ? null : <th>Kind</th>}
            <th>Scope</th>
            {kill ? null : <th className="num">Rollout</th>}
            <th>Owner</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {flags.map((f) => (
            <tr key={f.id}>
              <td>
                <div className="mono">{f.key}</div>
                {f.isGlobal ? <Badge tone="info">platform-wide</Badge> : null}
              </td>
              <td>
                {kill ? (
                  <Badge tone={f.enabled ? "danger" : "success"}>{f.enabled ? "Engaged: traffic blocked" : "Off: traffic flows"}</Badge>
                ) : (
                  <Badge tone={f.enabled ? "success" : "neutral"}>{f.enabled ? "On" : "Off"}</Badge>
                )}
              </td>
              {kill ? null : (
                <td>
                  <Badge>{f.kind.replace("_", " ")}</Badge>
                </td>
              )}
              <td>
                <div>{f.scope}</div>
                {f.scope === "feature" ? <div className="sub">{featureLabel(f.featureId)}</div> : null}
                {f.providerId ? <div className="sub mono">{f.providerId}</div> : null}
                {f.routeTargetId ? <div className="sub mono">{f.routeTargetId}</div> : null}
              </td>
              {kill ? null : <td className="num">{f.rolloutPercent}%</td>}
              <td>{f.owner || <span className="muted">—</span>}</td>
              <td>{f.description || <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FlagsView() {
  const { slug } = useTenant();
  const flags = useFlags(slug);
  const featureLabel = useFeatureLabel(slug);

  return (
    <>
      <PageHeader
        title="Flags & kill switches"
        description="Kill switches stop AI traffic globally, for this tenant, a feature or a provider within a second. Flags ramp features and experiments."
      />
      <QueryView
        query={flags}
        what="flags"
        emptyTitle="No flags or kill switches"
        empty="Kill switches (global, tenant, feature, provider) and release or experiment flags appear here with their state and rollout."
      >
        {(rows) => {
          const kill = rows.filter((f) => f.kind === "kill_switch");
          const other = rows.filter((f) => f.kind !== "kill_switch");
          return (
            <>
              <Section title="Kill switches" description="When engaged, matching requests are refused before they reach a provider.">
                {kill.length ? (
                  <FlagTable flags={kill} kill featureLabel={featureLabel} />
                ) : (
                  <EmptyState title="No kill switches">Kill switches for the tenant, a feature or a provider appear here.</EmptyState>
                )}
              </Section>
              <Section title="Flags" description="Release, experiment, operational and permission flags with their rollout.">
                {other.length ? (
                  <FlagTable flags={other} kill={false} featureLabel={featureLabel} />
                ) : (
                  <EmptyState title="No flags">Flags that ramp a feature 5% → 50% → 100% appear here.</EmptyState>
                )}
              </Section>
            </>
          );
        }}
      </QueryView>
    </>
  );
}
