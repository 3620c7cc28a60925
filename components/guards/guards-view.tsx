"use client";

import { useState } from "react";
import { useFeatures } from "@/components/features/use-features";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorState, Loading } from "@/components/ui/states";
import { DEFAULT_GUARD_POLICY } from "@/lib/guards/schema";
import type { GuardPolicy } from "@/lib/guards/schema";
import { PolicyEditor } from "./policy-editor";
import { ToolsSection } from "./tools-section";
import { useDeleteGuardPolicy } from "./use-delete-guard-policy";
import { useGuardPolicies } from "./use-guard-policies";

const TENANT = "__tenant__";

/**
 * Guards: pick the tenant default or a feature, edit its policy (a feature
 * without its own policy starts from what it inherits: the tenant default,
 * else the built-in policy), test a text against it, and edit its tool surface.
 */
export function GuardsView() {
  const { slug } = useTenant();
  const canWrite = useCan("guards:write");
  const policies = useGuardPolicies(slug);
  const features = useFeatures(slug);
  const [scope, setScope] = useState<string>(TENANT);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [saved, setSaved] = useState<{ scope: string; version: number } | null>(null);
  const remove = useDeleteGuardPolicy(slug);

  const featureId = scope === TENANT ? null : scope;
  const scopeLabel = featureId ? `feature ${features.data?.find((f) => f.id === featureId)?.name ?? featureId}` : "the tenant default";

  let body;
  if (policies.isPending) body = <Loading label="Loading guard policies…" />;
  else if (policies.isError) body = <ErrorState what="guard policies" error={policies.error} onRetry={() => void policies.refetch()} />;
  else {
    const rows: GuardPolicy[] = policies.data;
    const own = rows.find((p) => p.featureId === featureId) ?? null;
    const tenantDefault = rows.find((p) => p.featureId === null) ?? null;
    const inherited = own ? null : featureId && tenantDefault ? "the tenant default" : "the built-in policy";
    const initial = own?.config ?? tenantDefault?.config ?? DEFAULT_GUARD_POLICY;
    body = (
      <>
        <div className="row" style={{ flexWrap: "wrap", marginBottom: 12 }} data-testid="policy-status">
          {own ? (
            <>
              <Badge tone="accent">version {own.version}</Badge>
              <span className="muted">Own policy, updated {formatDateTime(own.updatedAt)}</span>
              {canWrite ? (
                <Button size="sm" variant="ghost-danger" onClick={() => setConfirmRemove(true)}>
                  {featureId ? "Remove override" : "Reset to built-in"}
                </Button>
              ) : null}
            </>
          ) : (
            <span className="muted">No own policy: inherits {inherited}. Saving creates one for {scopeLabel}.</span>
          )}
        </div>
        {saved && saved.scope === scope ? (
          <div className="alert alert-success" role="status" style={{ marginBottom: 12 }}>
            Saved: {scopeLabel} is at version {saved.version}.
          </div>
        ) : null}
        {/* Keyed by scope and policy id: another scope, a removal or a first save starts the form from the stored policy. */}
        <PolicyEditor
          key={`${scope}:${own?.id ?? "none"}`}
          slug={slug}
          featureId={featureId}
          scopeLabel={scopeLabel}
          initial={initial}
          canWrite={canWrite}
          onSaved={(version) => setSaved(version === null ? null : { scope, version })}
        />
        <ConfirmDialog
          open={confirmRemove && own !== null}
          title={featureId ? `Remove the policy of ${scopeLabel}?` : "Reset the tenant default?"}
          description={featureId ? "The feature falls back to the tenant default (or the built-in policy)." : "Features without their own policy fall back to the built-in policy."}
          confirmLabel={featureId ? "Remove override" : "Reset"}
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() =>
            own &&
            remove.mutate(own.id, {
              onSuccess: () => {
                setConfirmRemove(false);
                setSaved(null);
              },
            })
          }
          onClose={() => {
            setConfirmRemove(false);
            remove.reset();
          }}
        />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Guards"
        description="Checks on the way in (prompt injection, PII redaction) and on the way out (moderation, output schema, tool calls). A feature's policy overrides the tenant default."
      />
      <div className="filters" style={{ marginBottom: 16 }}>
        <div className="field">
          <label htmlFor="guard-scope">Policy for</label>
          <select id="guard-scope" className="select" value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value={TENANT}>Tenant default</option>
            {(features.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                Feature: {f.name}
                {policies.data?.some((p) => p.featureId === f.id) ? " (own policy)" : ""}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Section title="Policy" description={`What each guard does for ${scopeLabel}.`}>
        {body}
      </Section>
      <ToolsSection key={scope} slug={slug} featureId={featureId} scopeLabel={featureId ? scopeLabel : "every feature"} canWrite={canWrite} />
    </>
  );
}
