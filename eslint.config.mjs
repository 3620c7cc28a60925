// ESLint 9 flat config: Next's rules, typescript-eslint, and the import
// arrows of STYLE.md ("Arrows run one way") as no-restricted-imports zones.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// --------------------------------------------------------------- the arrows
// Each entry is a regular expression over the import specifier. `@/x` and
// relative paths (`../../lib/x`) are both matched.
const at = (p) => `^(?:@/|(?:\\.\\.?/)+)${p}`;

const rule = (regex, message) => ({ regex, message, allowTypeImports: true });

const NEXT = [
  { regex: "^next(?:/.*)?$", message: "lib/gateway is framework-free: no next/* (DESIGN.md, the request path)." },
  rule(at("app(?:/|$)"), "Nothing under lib/ imports app/: app imports lib."),
  rule(at("components(?:/|$)"), "Nothing under lib/ imports components/."),
];
const NOT_APP = [
  rule(at("app(?:/|$)"), "lib/ and workers/ never import app/: app imports lib."),
  rule(at("components(?:/|$)"), "lib/ and workers/ never import components/."),
];
const NO_GATEWAY = [rule(at("lib/gateway(?:/|$)"), "Domains never import the gateway; the gateway reads domain snapshots.")];
const NO_STORAGE = [
  rule(at("lib/(?:db|redis)$"), "Providers and the simulator know nothing of Prisma or Redis: they get { baseUrl, apiKey, model } and a typed request."),
  rule(at("lib/(?:queues|tenants)(?:/|$)"), "Providers and the simulator know nothing of tenants or queues."),
  rule(at("lib/generated/prisma(?:/|$)"), "Providers and the simulator know nothing of Prisma."),
  { regex: "^(?:@prisma/|ioredis$|bullmq$|pg$)", message: "Providers and the simulator know nothing of storage." },
];
// Components may import, from lib/, only a domain's schema.ts or queries.ts,
// lib/authz/permissions.ts and Prisma's browser-safe types; `import type`
// of anything is fine (it is erased).
const COMPONENTS = [
  rule(
    at("lib/(?!(?:authz/permissions|[\\w-]+/schema|[\\w-]+/queries|generated/prisma/(?:browser|enums))$)"),
    "components/ import only a domain's schema.ts / queries.ts, lib/authz/permissions and @/lib/generated/prisma/browser; server code (lib/db, lib/redis, lib/auth/options, services, the Prisma client) stays on the server.",
  ),
  { regex: "^(?:@prisma/client|pg|ioredis|bullmq|pino|@node-rs/argon2)(?:/.*)?$", message: "components/ never import server-only packages." },
];

// Tests are consumers of every layer (an RBAC matrix drives the route
// handlers), so the arrows bind production code only.
const TESTS = ["**/*.test.ts", "**/*.test.tsx"];
const restrict = (files, patterns, ignores = []) => ({
  files,
  ignores: [...ignores, ...TESTS],
  rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
});

const ts = "{ts,tsx,mts,cts}";

export default [
  {
    ignores: [
      "lib/generated/**",
      ".next/**",
      "node_modules/**",
      "var/**",
      "dist/**",
      "test-results/**",
      "playwright-report/**",
      "bench/results/**",
      "coverage/**",
      "next-env.d.ts",
    ],
  },
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "ImportDeclaration[source.value='server-only']", message: "server-only breaks tsx and vitest; the ESLint zones keep server code out of components." },
      ],
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  // React's hook rules judge functions by their name; outside React code a
  // server helper called `useSecureCookies()` is not a hook.
  {
    files: ["lib/**", "workers/**", "scripts/**", "prisma/**", "e2e/**", "tests/**", "bench/**", "server.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  // Plain Node scripts (quickstart, test runner, configs) are not React.
  {
    files: ["**/*.{mjs,cjs}", "scripts/**", ".ci/**"],
    rules: { "import/no-anonymous-default-export": "off" },
  },
  // Later entries replace earlier ones for the same rule, so each zone lists
  // all the patterns that apply to its files.
  restrict([`components/**/*.${ts}`], COMPONENTS),
  restrict([`lib/**/*.${ts}`], [...NOT_APP, ...NO_GATEWAY], ["lib/gateway/**", "lib/simulator/**", "lib/testing/**"]),
  restrict([`lib/gateway/**/*.${ts}`], NEXT, ["lib/gateway/providers/**"]),
  restrict([`lib/gateway/providers/**/*.${ts}`, `lib/simulator/**/*.${ts}`], [...NEXT, ...NO_STORAGE]),
  restrict([`lib/testing/**/*.${ts}`], NOT_APP),
  restrict([`workers/**/*.${ts}`], [...NOT_APP, { regex: "^next(?:/.*)?$", message: "Workers are plain Node processes: no next/*." }]),
];
