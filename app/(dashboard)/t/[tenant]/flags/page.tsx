import type { Metadata } from "next";
import { FlagsView } from "@/components/flags/flags-view";

export const metadata: Metadata = { title: "Flags & kill switches" };

export default function Page() {
  return <FlagsView />;
}
