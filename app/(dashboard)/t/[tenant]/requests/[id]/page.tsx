import type { Metadata } from "next";
import { RequestDetailView } from "@/components/requests/request-detail-view";

export const metadata: Metadata = { title: "Request" };

export default async function Page({ params }: { params: Promise<{ tenant: string; id: string }> }) {
  const { id } = await params;
  return <RequestDetailView id={id} />;
}
