import type { Metadata } from "next";
import { Suspense } from "react";
import { RequestsView } from "@/components/requests/requests-view";
import { Loading } from "@/components/ui/states";

export const metadata: Metadata = { title: "Requests" };

export default function Page() {
  // RequestsView reads its filters from the URL (useSearchParams).
  return (
    <Suspense fallback={<Loading label="Loading requests…" />}>
      <RequestsView />
    </Suspense>
  );
}
