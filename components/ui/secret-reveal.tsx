"use client";

import type { ReactNode } from "react";
import { Button } from "./button";
import { CopyButton } from "./copy-button";

/**
 * The one-time display of a new secret (API key, admin token): a warning, the
 * value in a read-only field and a copy button. The caller holds the secret in
 * component state only and drops it on close.
 */
export function SecretReveal({
  title,
  secret,
  kind,
  label,
  usage,
  onDone,
}: {
  title: string;
  secret: string;
  /** What was created, for the panel's accessible name: "API key", "admin token". */
  kind: string;
  /** Accessible name of the field holding the secret. */
  label: string;
  usage?: ReactNode;
  onDone: () => void;
}) {
  return (
    <>
      <div className="secret-panel" role="region" aria-label={`New ${kind}`}>
        <h2>{title}</h2>
        <p>
          <strong>This is the only time the secret is shown.</strong> Copy it now and store it in your secret manager.
          Gatehouse keeps only a hash; if you lose it, revoke it and create a new one.
        </p>
        <div className="secret-row">
          <input className="secret-value" readOnly aria-label={label} value={secret} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton value={secret} />
        </div>
      </div>
      {usage ? (
        <p className="muted" style={{ marginTop: 0 }}>
          {usage}
        </p>
      ) : null}
      <div className="form-actions">
        <Button variant="primary" onClick={onDone}>
          I have saved it
        </Button>
      </div>
    </>
  );
}
