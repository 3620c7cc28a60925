import type { Metadata } from "next";
import { GuardsView } from "@/components/guards/guards-view";

export const metadata: Metadata = { title: "Guards" };

export default function Page() {
  return <GuardsView />;
}
