"use client";

import { useState } from "react";
import type { ApiKey, ApiKeyStatus } from "@/lib/api-keys/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { useFeatures } from "@/components/features/use-features";
import { CreateApiKeyDialog } from "./create-api-key-dialog";
import { useApiKeys } from "./use-api-keys";
import { useRevokeApiKey } from "./use-revoke-api-key";

const STATUS_TONE: Record<ApiKeyStatus, BadgeTone> = { active: "success", revoked: "danger", expired: "warning" };

export function ApiKeysView() {
  const { slug } = useTenant();
  const canWrite = useCan("api_keys:write");
  const keys = useApiKeys(slug);
  const features = useFeatures(slug);
  const revoke = useRevokeApiKey(slug);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const featureName = (id: string | null) => {
    if (!id) return "All features";
    const f = features.data?.find((x) => x.id === id);
    return f ? f.name : id;
  };

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys your applications use to call the gateway (/v1/*). Only a hash is stored; the secret is shown once, when the key is created."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create API key
            </Button>
          ) : null
        }
      />

      {keys.isPending ? (
        <Loading label="Loading API keys…" />
      ) : keys.isError ? (
        <ErrorState what="API keys" error={keys.error} onRetry={() => void keys.refetch()} />
      ) : keys.data.length === 0 ? (
        <EmptyState title="No API keys yet">
          Keys you create appear here with their prefix, status, feature, expiry and when they were last used.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="API keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Status</th>
                <th>Feature</th>
                <th>Expires</th>
                <th>Last used</th>
                <th>Created</th>
                {canWrite ? <th className="actions">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <td>
                    <div>{k.name}</div>
                    {k.scopes.length > 0 ? <div className="sub">scopes: {k.scopes.join(", ")}</div> : null}
                  </td>
                  <td className="mono nowrap">{k.prefix}…</td>
                  <td>
                    <Badge tone={STATUS_TONE[k.status]}>{k.status}</Badge>
                  </td>
                  <td>{featureName(k.featureId)}</td>
                  <td className="nowrap">{k.expiresAt ? formatDateTime(k.expiresAt) : "Never"}</td>
                  <td className="nowrap">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "Never"}</td>
                  <td className="nowrap">{formatDateTime(k.createdAt)}</td>
                  {canWrite ? (
                    <td className="actions">
                      {k.status !== "revoked" ? (
                        <Button variant="ghost-danger" size="sm" aria-label={`Revoke ${k.name}`} onClick={() => setRevoking(k)}>
                          Revoke
                        </Button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {canWrite ? <CreateApiKeyDialog slug={slug} open={creating} onClose={() => setCreating(false)} /> : null}

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke API key “${revoking?.name ?? ""}”?`}
        description={`Requests with ${revoking?.prefix ?? "this key"}… are refused at once (401). This cannot be undone.`}
        confirmLabel="Revoke key"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => {
          if (revoking) revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) });
        }}
        onClose={() => {
          revoke.reset();
          setRevoking(null);
        }}
      />
    </>
  );
}
