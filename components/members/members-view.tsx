"use client";

import { useState } from "react";
import { grantableRoles, roleCan, TENANT_ROLES, type TenantRole } from "@/lib/authz/permissions";
import type { Member } from "@/lib/members/schema";
import { useTenant } from "@/components/tenant/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorAlert, ErrorState, Loading } from "@/components/ui/states";
import { AddMemberDialog } from "./add-member-dialog";
import { useMembers } from "./use-members";
import { useRemoveMember } from "./use-remove-member";
import { useUpdateMemberRole } from "./use-update-member-role";

const ROLE_HELP: Record<TenantRole, string> = {
  owner: "everything, including ownership",
  admin: "everything but ownership changes",
  developer: "reads; prompts, flags, routes, evals and API keys",
  support: "reads; request logs, feedback and golden sets",
  viewer: "read-only",
};

export function MembersView() {
  const { slug, role } = useTenant();
  const members = useMembers(slug);
  const update = useUpdateMemberRole(slug);
  const remove = useRemoveMember(slug);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);

  const canWrite = roleCan(role, "members:write");
  const canTouchOwners = roleCan(role, "owners:write");
  const grantable = grantableRoles(role);

  return (
    <>
      <PageHeader
        title="Members"
        description="People who can sign in to this tenant and what their role lets them do."
        actions={
          canWrite ? (
            <Button variant="primary" onClick={() => setAdding(true)}>
              Add member
            </Button>
          ) : null
        }
      />

      {update.isError ? (
        <div style={{ marginBottom: 12 }}>
          <ErrorAlert error={update.error} title="Role not changed" />
        </div>
      ) : null}

      {members.isPending ? (
        <Loading label="Loading members…" />
      ) : members.isError ? (
        <ErrorState what="members" error={members.error} onRetry={() => void members.refetch()} />
      ) : members.data.length === 0 ? (
        <EmptyState title="No members yet">People you add appear here with their role.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Member</th>
                <th>Role</th>
                <th>Added</th>
                {canWrite ? <th className="actions">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => {
                const editable = canWrite && (m.role !== "owner" || canTouchOwners);
                const pendingRow = update.isPending && update.variables.id === m.id;
                return (
                  <tr key={m.id}>
                    <td>
                      <div>{m.name || m.email}</div>
                      <div className="sub">{m.email}</div>
                    </td>
                    <td>
                      {editable ? (
                        <select
                          className="select select-sm"
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          disabled={pendingRow}
                          onChange={(e) => {
                            const next = e.target.value as TenantRole;
                            if (next !== m.role) update.mutate({ id: m.id, role: next });
                          }}
                        >
                          {TENANT_ROLES.filter((r) => grantable.includes(r) || r === m.role).map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <Badge className="badge-role" tone={m.role === "owner" ? "accent" : "neutral"}>
                          {m.role}
                        </Badge>
                      )}
                      <div className="sub">{ROLE_HELP[m.role]}</div>
                    </td>
                    <td className="nowrap">{formatDateTime(m.createdAt)}</td>
                    {canWrite ? (
                      <td className="actions">
                        {editable ? (
                          <Button variant="ghost-danger" size="sm" aria-label={`Remove ${m.email}`} onClick={() => setRemoving(m)}>
                            Remove
                          </Button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {canWrite ? <AddMemberDialog slug={slug} roles={grantable} open={adding} onClose={() => setAdding(false)} /> : null}

      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.email ?? "member"}?`}
        description={`${removing?.name || removing?.email || "This member"} loses access to this tenant at once. Their user account and other tenants are not affected.`}
        confirmLabel="Remove member"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => {
          if (removing) remove.mutate(removing.id, { onSuccess: () => setRemoving(null) });
        }}
        onClose={() => {
          remove.reset();
          setRemoving(null);
        }}
      />
    </>
  );
}
