import type { Metadata } from "next";
import { IncidentsView } from "@/components/incidents/incidents-view";

export const metadata: Metadata = { title: "Incidents & runbooks" };

export default function Page() {
  return <IncidentsView />;
}
