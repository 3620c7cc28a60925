import type { Metadata } from "next";
import { RoutesView } from "@/components/routes/routes-view";

export const metadata: Metadata = { title: "Routes & providers" };

export default function Page() {
  return <RoutesView />;
}
