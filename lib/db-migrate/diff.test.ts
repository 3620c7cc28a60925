import { describe, expect, test } from "vitest";
import { filterKnownDeviations } from "./diff";

describe("filterKnownDeviations", () => {
  test("drops the partition primary-key revert Prisma always proposes", () => {
    const script = `-- AlterTable
ALTER TABLE "request_logs" DROP CONSTRAINT "request_logs_pkey",
ADD CONSTRAINT "request_logs_pkey" PRIMARY KEY ("id");
`;
    const { script: out, removed } = filterKnownDeviations(script);
    expect(out).toBe("");
    expect(removed).toHaveLength(2);
  });

  test("keeps real changes, including other clauses of the same ALTER TABLE", () => {
    const script = `-- AlterTable
ALTER TABLE "request_logs" ADD COLUMN     "note" TEXT,
DROP CONSTRAINT "request_logs_pkey",
ADD CONSTRAINT "request_logs_pkey" PRIMARY KEY ("id");

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "region" TEXT NOT NULL DEFAULT 'eu';
`;
    expect(filterKnownDeviations(script).script).toBe(`-- AlterTable
ALTER TABLE "request_logs" ADD COLUMN     "note" TEXT;

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "region" TEXT NOT NULL DEFAULT 'eu';
`);
  });

  test("the same clause on another table is a real change", () => {
    const script = `-- AlterTable
ALTER TABLE "feedback" DROP CONSTRAINT "request_logs_pkey";
`;
    expect(filterKnownDeviations(script)).toEqual({ script, removed: [] });
  });
});
