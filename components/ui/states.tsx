"use client";

import type { ReactNode } from "react";
import { apiErrorMessage, ApiError } from "@/components/api/client";
import { Button } from "./button";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const message = apiErrorMessage(error);
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <div className="alert alert-error" role="alert">
      {title ? <strong>{title}: </strong> : forbidden ? <strong>Not allowed: </strong> : null}
      {message}
    </div>
  );
}

export function ErrorState({ error, onRetry, what }: { error: unknown; onRetry?: () => void; what: string }) {
  return (
    <div className="alert alert-error row" role="alert" style={{ justifyContent: "space-between" }}>
      <span>
        <strong>Could not load {what}.</strong> {apiErrorMessage(error)}
      </span>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      <p>{children}</p>
      {action ? <div style={{ marginTop: 12 }}>{action}</div> : null}
    </div>
  );
}
