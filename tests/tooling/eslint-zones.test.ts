import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

// The import arrows of STYLE.md, enforced by eslint.config.mjs: lint small
// snippets as if they lived at a given path and check which imports are refused.
const root = path.resolve(import.meta.dirname, "../..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, "eslint.config.mjs") });
});

async function refused(file: string, specifier: string, typeOnly = false): Promise<boolean> {
  const code = typeOnly
    ? `import type { X } from "${specifier}";\nexport type Y = X;\n`
    : `import * as m from "${specifier}";\nexport const y = m;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).some((m) => m.ruleId === "@typescript-eslint/no-restricted-imports");
}

describe("import zones", () => {
  it.each([
    ["components/x/view.tsx", "@/lib/db"],
    ["components/x/view.tsx", "@/lib/redis"],
    ["components/x/view.tsx", "@/lib/auth/options"],
    ["components/x/view.tsx", "@/lib/prompts/service"],
    ["components/x/view.tsx", "@/lib/generated/prisma/client"],
    ["components/x/view.tsx", "../../lib/db"],
    ["components/x/view.tsx", "@prisma/client"],
    ["lib/gateway/handle.ts", "next/server"],
    ["lib/gateway/handle.ts", "@/app/layout"],
    ["lib/gateway/handle.ts", "@/components/ui/button"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/db"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/redis"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/queues/request-log"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/tenants/access"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/generated/prisma/client"],
    ["lib/gateway/providers/openai/request.ts", "next/server"],
    ["lib/simulator/server.ts", "@/lib/db"],
    ["lib/simulator/server.ts", "ioredis"],
    ["lib/prompts/service.ts", "@/lib/gateway/handle"],
    ["lib/prompts/service.ts", "@/app/layout"],
    ["workers/request-log.ts", "@/components/ui/button"],
    ["workers/request-log.ts", "@/app/layout"],
  ])("%s may not import %s", async (file, specifier) => {
    expect(await refused(file, specifier)).toBe(true);
  });

  it.each([
    ["components/x/view.tsx", "@/lib/prompts/schema"],
    ["components/x/view.tsx", "@/lib/prompts/queries"],
    ["components/x/view.tsx", "@/lib/authz/permissions"],
    ["components/x/view.tsx", "@/lib/generated/prisma/browser"],
    ["components/x/view.tsx", "@/components/ui/button"],
    ["lib/gateway/handle.ts", "@/lib/db"],
    ["lib/gateway/providers/openai/request.ts", "@/lib/gateway/types"],
    ["lib/prompts/service.ts", "@/lib/db"],
    ["app/api/admin/x/route.ts", "@/lib/db"],
    ["workers/request-log.ts", "@/lib/queues/request-log"],
    ["lib/authz/rbac.int.test.ts", "@/app/api/admin/tenants/route"],
    ["lib/gateway/providers/openai/request.test.ts", "@/lib/db"],
  ])("%s may import %s", async (file, specifier) => {
    expect(await refused(file, specifier)).toBe(false);
  });

  it("lets components import server types with `import type`", async () => {
    expect(await refused("components/x/view.tsx", "@/lib/db", true)).toBe(false);
  });
});
