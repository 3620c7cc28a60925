import type { ReactNode } from "react";

export type BadgeTone = "neutral" | "success" | "danger" | "warning" | "info" | "accent";

export function Badge({ tone = "neutral", children, className }: { tone?: BadgeTone; children: ReactNode; className?: string }) {
  const cls = ["badge", tone === "neutral" ? "" : `badge-${tone}`, className ?? ""].filter(Boolean).join(" ");
  return <span className={cls}>{children}</span>;
}

export function BoolBadge({ value, on = "Enabled", off = "Disabled" }: { value: boolean; on?: string; off?: string }) {
  return <Badge tone={value ? "success" : "neutral"}>{value ? on : off}</Badge>;
}
