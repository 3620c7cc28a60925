"use client";

import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import type { z } from "zod";
import { ApiError } from "@/components/api/client";

export type FieldErrors = Partial<Record<string, string>>;

/** zod issues -> first message per top-level field, for showing under the inputs. */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_form");
    out[key] ??= issue.message;
  }
  return out;
}

/** The server names the offending field in `param` (400/409): show it there, otherwise above the form. */
export function serverFieldError(error: unknown, fields: readonly string[]): { field: string | null; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  const full = error.param;
  const param = full?.split(".")[0] ?? null;
  if (full && param && fields.includes(param)) {
    // validationError messages read "email: must be ..."; drop the repeated field name.
    const prefix = `${full}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return { field: param, message };
  }
  return { field: null, message: error.message };
}

type FieldShellProps = { label: string; hint?: ReactNode; error?: string | undefined; children: (ids: { id: string; describedBy: string | undefined }) => ReactNode };

/** Schema messages read "is required", "must be ..."; under a field they read better with its name. */
function sentence(label: string, message: string): string {
  const name = label.replace(/\s*\(.*\)\s*$/, "");
  return /^(is|must|should|has|already) /.test(message) ? `${name} ${message}` : message;
}

function FieldShell({ label, hint, error, children }: FieldShellProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {hint ? (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={errorId} className="field-error">
          {sentence(label, error)}
        </span>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  hint,
  error,
  ...input
}: { label: string; hint?: ReactNode; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <FieldShell label={label} hint={hint} error={error}>
      {({ id, describedBy }) => (
        <input id={id} className="input" aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      )}
    </FieldShell>
  );
}

export function SelectField({
  label,
  hint,
  error,
  children,
  ...select
}: { label: string; hint?: ReactNode; error?: string | undefined; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FieldShell label={label} hint={hint} error={error}>
      {({ id, describedBy }) => (
        <select id={id} className="select" aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...select}>
          {children}
        </select>
      )}
    </FieldShell>
  );
}
