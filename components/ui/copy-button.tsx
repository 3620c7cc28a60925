"use client";

import { useState } from "react";
import { Button } from "./button";

export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <Button
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied("copied");
        } catch {
          setCopied("failed");
        }
      }}
    >
      {copied === "copied" ? "Copied" : copied === "failed" ? "Select and copy" : label}
    </Button>
  );
}
