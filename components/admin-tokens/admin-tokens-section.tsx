"use client";

import { useState } from "react";
import { grantableRoles } from "@/lib/authz/permissions";
import type { AdminToken } from "@/lib/admin-tokens/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { Section } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { CreateAdminTokenDialog } from "./create-admin-token-dialog";
import { useAdminTokens } from "./use-admin-tokens";
import { useRevokeAdminToken } from "./use-revoke-admin-token";

const TONE = { active: "success", revoked: "danger", expired: "warning" } as const;

export function AdminTokensSection() {
  const { slug, role } = useTenant();
  const canRead = useCan("admin_tokens:read");
  const canWrite = useCan("admin_tokens:write");
  const tokens = useAdminTokens(slug, canRead);
  const revoke = useRevokeAdminToken(slug);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AdminToken | null>(null);

  if (!canRead) return null;

  return (
    <Section
      title="Admin tokens"
      description="Credentials for scripting the control-plane API (/api/admin) from CI. Each acts with a role in this tenant."
      actions={
        canWrite ? (
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create admin token
          </Button>
        ) : null
      }
    >
      {tokens.isPending ? (
        <Loading label="Loading admin tokens…" />
      ) : tokens.isError ? (
        <ErrorState what="admin tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : tokens.data.length === 0 ? (
        <EmptyState title="No admin tokens">Tokens created for CI and scripts appear here with their role, status and last use.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Admin tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Token</th>
                <th>Role</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Last used</th>
                {canWrite ? <th className="actions">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td className="mono nowrap">{t.prefix}…</td>
                  <td>
                    <Badge className="badge-role">{t.isPlatform ? "platform" : t.role}</Badge>
                  </td>
                  <td>
                    <Badge tone={TONE[t.status]}>{t.status}</Badge>
                  </td>
                  <td className="nowrap">{t.expiresAt ? formatDateTime(t.expiresAt) : "Never"}</td>
                  <td className="nowrap">{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "Never"}</td>
                  {canWrite ? (
                    <td className="actions">
                      {t.status !== "revoked" ? (
                        <Button variant="ghost-danger" size="sm" aria-label={`Revoke ${t.name}`} onClick={() => setRevoking(t)}>
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

      {canWrite ? <CreateAdminTokenDialog slug={slug} roles={grantableRoles(role)} open={creating} onClose={() => setCreating(false)} /> : null}

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke admin token “${revoking?.name ?? ""}”?`}
        description="Scripts using it get 401 at once. This cannot be undone."
        confirmLabel="Revoke token"
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
    </Section>
  );
}
