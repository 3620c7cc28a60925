import type { Metadata } from "next";
import { Suspense } from "react";
import { FlaggedView } from "@/components/flagged/flagged-view";
import { Loading } from "@/components/ui/states";

export const metadata: Metadata = { title: "Flagged" };

export default function Page() {
  // FlaggedView reads its filters from the URL (useSearchParams).
  return (
    <Suspense fallback={<Loading label="Loading flagged requests…" />}>
      <FlaggedView />
    </Suspense>
  );
}
