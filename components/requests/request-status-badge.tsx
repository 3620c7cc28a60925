import type { RequestLogSummary } from "@/lib/requests/schema";
import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONE: Record<RequestLogSummary["status"], BadgeTone> = { ok: "success", fallback: "warning", error: "danger", blocked: "neutral" };

export function RequestStatusBadge({ status, httpStatus }: { status: RequestLogSummary["status"]; httpStatus: number }) {
  return (
    <Badge tone={TONE[status]}>
      {status} · {httpStatus}
    </Badge>
  );
}
