import type { Permission } from "@/lib/authz/permissions";

export type NavItem = { segment: string; label: string; permission: Permission };
export type NavGroup = { label: string | null; items: NavItem[] };

/** Every dashboard area, in sidebar order. `segment` is the path under /t/<tenant>/. */
export const NAV_GROUPS: NavGroup[] = [
  { label: null, items: [{ segment: "overview", label: "Overview", permission: "tenant:read" }] },
  {
    label: "Traffic",
    items: [
      { segment: "requests", label: "Requests", permission: "requests:read" },
      { segment: "bad-answers", label: "Bad answers", permission: "requests:read" },
      { segment: "flagged", label: "Flagged", permission: "requests:read" },
    ],
  },
  {
    label: "Build",
    items: [
      { segment: "prompts", label: "Prompts", permission: "prompts:read" },
      { segment: "flags", label: "Flags & kill switches", permission: "flags:read" },
      { segment: "routes", label: "Routes & providers", permission: "routes:read" },
      { segment: "guards", label: "Guards", permission: "guards:read" },
      { segment: "evals", label: "Evals", permission: "evals:read" },
    ],
  },
  {
    label: "Operate",
    items: [
      { segment: "budgets", label: "Budgets", permission: "budgets:read" },
      { segment: "prices", label: "Prices", permission: "providers:read" },
      { segment: "usage", label: "Usage", permission: "budgets:read" },
      { segment: "incidents", label: "Incidents & runbooks", permission: "incidents:read" },
    ],
  },
  {
    label: "Administration",
    items: [
      { segment: "api-keys", label: "API keys", permission: "api_keys:read" },
      { segment: "members", label: "Members", permission: "members:read" },
      { segment: "audit", label: "Audit log", permission: "audit:read" },
      { segment: "settings", label: "Settings", permission: "tenant:read" },
    ],
  },
];
