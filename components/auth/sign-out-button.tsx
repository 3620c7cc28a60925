"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { Button, type ButtonProps } from "@/components/ui/button";

export function SignOutButton(props: Omit<ButtonProps, "onClick" | "pending">) {
  const [pending, setPending] = useState(false);
  return (
    <Button
      {...props}
      pending={pending}
      onClick={() => {
        setPending(true);
        void signOut({ callbackUrl: "/sign-in" });
      }}
    >
      Sign out
    </Button>
  );
}
