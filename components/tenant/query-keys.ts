/** Query keys are tenant-first, so switching tenant never shows another tenant's cache. */
export function tenantKey(slug: string, ...parts: ReadonlyArray<string | number | Record<string, unknown>>) {
  return ["tenants", slug, ...parts] as const;
}
