"use client";

import { useState, type FormEvent } from "react";
import { AddMemberInput, MIN_PASSWORD_LENGTH } from "@/lib/members/schema";
import type { TenantRole } from "@/lib/authz/permissions";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField, serverFieldError, zodFieldErrors, type FieldErrors } from "@/components/ui/form";
import { ErrorAlert } from "@/components/ui/states";
import { useAddMember } from "./use-add-member";

const FIELDS = ["email", "name", "role", "password"] as const;

export function AddMemberDialog({
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
  const add = useAddMember(slug);
  const [errors, setErrors] = useState<FieldErrors>({});

  function close() {
    add.reset();
    setErrors({});
    onClose();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const raw = {
      email: String(form.get("email") ?? ""),
      role: String(form.get("role") ?? ""),
      ...(String(form.get("name") ?? "").trim() ? { name: String(form.get("name")) } : {}),
      ...(String(form.get("password") ?? "") ? { password: String(form.get("password")) } : {}),
    };
    const parsed = AddMemberInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      return;
    }
    setErrors({});
    add.mutate(parsed.data, { onSuccess: close });
  }

  const server = serverFieldError(add.error, FIELDS);
  const fieldError = (name: string) => errors[name] ?? (server?.field === name ? server.message : undefined);

  return (
    <Dialog open={open} onClose={close} title="Add member" description="Add an existing user by email, or create a user by also giving a password.">
      <form className="form" onSubmit={onSubmit} noValidate>
        {add.isError && !server?.field ? <ErrorAlert error={add.error} /> : null}
        <TextField label="Email" name="email" type="email" autoComplete="off" required autoFocus error={fieldError("email")} />
        <SelectField label="Role" name="role" defaultValue={roles.includes("developer") ? "developer" : roles[0]} error={fieldError("role")}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <TextField label="Name (optional)" name="name" autoComplete="off" hint="Used when a new user is created." error={fieldError("name")} />
        <TextField
          label="Password (new users only)"
          name="password"
          type="password"
          autoComplete="new-password"
          hint={`Leave empty to add an existing user. At least ${MIN_PASSWORD_LENGTH} characters.`}
          error={fieldError("password")}
        />
        <div className="form-actions">
          <Button onClick={close} disabled={add.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" pending={add.isPending} pendingLabel="Adding…">
            Add member
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
