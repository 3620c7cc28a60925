import type { PromptLabel, PromptVersion } from "@/lib/prompts/schema";
import { Badge } from "@/components/ui/badge";

/** `production → v3 (+10% v4) · protected` */
export function LabelBadge({ label, versions }: { label: PromptLabel; versions: PromptVersion[] }) {
  const canary = label.canaryVersionId && label.canaryPercent > 0 ? versions.find((v) => v.id === label.canaryVersionId) : undefined;
  return (
    <Badge tone={label.name === "production" ? "success" : "accent"}>
      {label.name} → v{label.version}
      {label.canaryVersionId && label.canaryPercent > 0 ? ` (+${label.canaryPercent}% ${canary ? `v${canary.version}` : "canary"})` : ""}
      {label.protected ? " · protected" : ""}
    </Badge>
  );
}
