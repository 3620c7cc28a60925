import type { Metadata } from "next";
import { Suspense } from "react";
import { BadAnswersView } from "@/components/bad-answers/bad-answers-view";
import { Loading } from "@/components/ui/states";

export const metadata: Metadata = { title: "Bad answers" };

export default function Page() {
  // BadAnswersView reads its filter from the URL (useSearchParams).
  return (
    <Suspense fallback={<Loading label="Loading bad answers…" />}>
      <BadAnswersView />
    </Suspense>
  );
}
