"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal on the native <dialog> element: focus is trapped and restored by the
 * browser, Escape closes it, and it has role "dialog" with its title as name.
 * Rendered only while open so its form state starts fresh every time.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  if (!open) return null;
  return (
    <OpenDialog onClose={onClose} title={title} description={description}>
      {children}
    </OpenDialog>
  );
}

function OpenDialog({
  onClose,
  title,
  description,
  children,
}: {
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descId = useId();

  // Open as a modal on mount; unmounting (the parent's open=false) closes it.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!el.open) el.showModal();
    return () => {
      if (el.open) el.close();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={description ? descId : undefined}
      onCancel={(e) => {
        // Escape: let the parent decide (it unmounts us), so state stays in one place.
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        {description ? <p id={descId}>{description}</p> : null}
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
