"use client";

import { useState, type FormEvent } from "react";
import { CreateAdminTokenInput, type CreatedAdminToken } from "@/lib/admin-tokens/schema";
import type { TenantRole } from "@/lib/authz/permissions";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { SecretReveal } from "@/components/ui/secret-reveal";
import { ErrorAlert } from "@/components/ui/states";
import { useCreateAdminToken } from "./use-create-admin-token";

const FIELDS = ["name", "role", "expiresAt"] as const;

export function CreateAdminTokenDialog({
  slug,
  roles,
  open,
  onClose,
}: {
  slug: string;
  roles: TenantRole[];
  open: boolean;
  onClose: () => void;
}) {
  const create = useCreateAdminToken(slug);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<CreatedAdminToken | null>(null);

  function close() {
    setCreated(null);
    setErrors({});
    create.reset();
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const expiresOn = String(form.get("expiresAt") ?? "");
    const raw = {
      name: String(form.get("name") ?? "").trim(),
      role: String(form.get("role") ?? ""),
      expiresAt: expiresOn ? `${expiresOn}T23:59:59.999Z` : null,
    };
    const parsed = CreateAdminTokenInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    if (parsed.data.expiresAt && parsed.data.expiresAt <= new Date()) {
      setErrors({ expiresAt: "must be in the future" });
      return;
    }
    setErrors({});
    create.mutate({ ...raw, role: parsed.data.role }, { onSuccess: setCreated });
  }

  const server = serverFieldError(create.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  if (created) {
    return (
      <Dialog open={open} onClose={close} title="Save your admin token">
        <SecretReveal
          kind="admin token"
          title={created.token.name}
          label="Admin token"
          secret={created.secret}
          usage={
            <>
              Send it as <code>Authorization: Bearer {created.token.prefix}…</code> to <code>/api/admin/*</code>.
            </>
          }
          onDone={close}
        />
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={close} title="Create admin token" description="Scripts and CI call the control-plane API with this token, acting with the role you choose.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {create.isError && !server?.field ? <ErrorAlert error={create.error} /> : null}
        <TextField label="Name" name="name" required autoFocus autoComplete="off" placeholder="ci-deploy" maxLength={100} error={fieldError("name")} />
        <SelectField label="Role" name="role" defaultValue={roles.includes("developer") ? "developer" : roles[0]} error={fieldError("role")}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Expires on (optional)"
          name="expiresAt"
          type="date"
          min={new Date().toISOString().slice(0, 10)}
          hint="The token stops working at the end of this day (UTC)."
          error={fieldError("expiresAt")}
        />
        <div className="form-actions">
          <Button onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={create.isPending} pendingLabel="Creating…">
            Create token
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
