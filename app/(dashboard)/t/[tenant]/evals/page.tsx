import type { Metadata } from "next";
import { EvalsView } from "@/components/evals/evals-view";

export const metadata: Metadata = { title: "Evals" };

export default function Page() {
  return <EvalsView />;
}
