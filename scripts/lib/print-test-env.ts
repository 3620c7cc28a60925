// Prints the settings of lib/testing/env.ts as JSON for the plain-Node
// scripts (scripts/test.mjs): `tsx scripts/lib/print-test-env.ts e2e|int`.
import { e2eEnv, testEnv } from "@/lib/testing/env";

const which = process.argv[2] ?? "e2e";
if (which !== "e2e" && which !== "int") {
  console.error("usage: tsx scripts/lib/print-test-env.ts e2e|int");
  process.exit(2);
}
process.stdout.write(JSON.stringify(which === "e2e" ? e2eEnv : testEnv));
