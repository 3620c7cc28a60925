import type { Metadata } from "next";
import { PricesView } from "@/components/prices/prices-view";

export const metadata: Metadata = { title: "Prices" };

export default function Page() {
  return <PricesView />;
}
