import type { Metadata } from "next";
import { PromptDetailView } from "@/components/prompts/prompt-detail-view";

export const metadata: Metadata = { title: "Prompt" };

export default async function Page({ params }: { params: Promise<{ tenant: string; id: string }> }) {
  const { id } = await params;
  return <PromptDetailView id={id} />;
}
