"use client";

import { useState } from "react";
import type { Flag } from "@/lib/flags/schema";
import { useFeatureLabel } from "@/components/features/use-feature-label";
import { useFeatures } from "@/components/features/use-features";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { PageHeader, Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { FlagEditor } from "./flag-editor";
import { FlagHistoryDialog } from "./flag-history";
import { FlagTable } from "./flag-table";
import { KillSwitchPanel } from "./kill-switch-panel";
import { useFlags } from "./use-flags";
import { useTargetOptions } from "./use-target-options";

type Editing = { flag: Flag | null } | null;

export function FlagsView() {
  const { slug } = useTenant();
  const canWriteFlags = useCan("flags:write");
  const canKill = useCan("kill_switches:write");
  const flags = useFlags(slug);
  const features = useFeatures(slug);
  const featureLabel = useFeatureLabel(slug);
  const targets = useTargetOptions(slug);
  const [editing, setEditing] = useState<Editing>(null);
  const [history, setHistory] = useState<Flag | null>(null);

  // Developers edit flags; kill switches (their kind, and flipping them) are for owners and admins.
  const canEdit = (f: Flag) => !f.isGlobal && (f.kind === "kill_switch" ? canKill : canWriteFlags);

  return (
    <>
      <PageHeader
        title="Flags & kill switches"
        description="Kill switches stop AI traffic globally, for this tenant, a feature or a provider within a second. Flags ramp features and experiments to a share of end-users."
        actions={
          canWriteFlags ? (
            <Button variant="primary" onClick={() => setEditing({ flag: null })} disabled={editing !== null}>
              New flag
            </Button>
          ) : null
        }
      />
      {flags.isPending ? (
        <Loading label="Loading flags…" />
      ) : flags.isError ? (
        <ErrorState what="flags" error={flags.error} onRetry={() => void flags.refetch()} />
      ) : (
        <>
          {features.isError ? <ErrorState what="features" error={features.error} onRetry={() => void features.refetch()} /> : null}
          <KillSwitchPanel flags={flags.data} features={features.data ?? []} targetLabel={targets.labelOf} onHistory={setHistory} />

          <Section title="Flags" description="Every flag and kill switch: kind, scope, state, rollout and owner. Stale flags have outlived their expected lifetime.">
            {editing ? (
              <FlagEditor
                key={editing.flag?.id ?? "new"}
                slug={slug}
                flag={editing.flag}
                features={features.data ?? []}
                targets={targets.options}
                onDone={() => setEditing(null)}
              />
            ) : null}
            {flags.data.length ? (
              <FlagTable
                flags={flags.data}
                featureLabel={featureLabel}
                targetLabel={targets.labelOf}
                canEdit={canEdit}
                onEdit={(f) => setEditing({ flag: f })}
                onHistory={setHistory}
              />
            ) : (
              <EmptyState title="No flags">Release, experiment, operational and permission flags appear here with their rollout.</EmptyState>
            )}
          </Section>
        </>
      )}
      <FlagHistoryDialog slug={slug} flag={history} onClose={() => setHistory(null)} />
    </>
  );
}
