"use client";

import type { Flag } from "@/lib/flags/schema";
import { useProviders } from "@/components/routes/use-providers";
import { useRoutes } from "@/components/routes/use-routes";

export type TargetOption = { value: string; field: "providerId" | "routeTargetId"; label: string; group: "Providers" | "Models" | "Route targets" };

/**
 * What a flag of scope "target" can name: a provider (`prv_`), a provider's
 * model (`mdl_`) or one route target (`tgt_`), with readable labels; and a
 * labeller for the flag tables and the confirmation text.
 */
export function useTargetOptions(slug: string) {
  const providers = useProviders(slug);
  const routes = useRoutes(slug);
  const options: TargetOption[] = [];
  for (const p of providers.data ?? []) options.push({ value: p.id, field: "providerId", label: `provider ${p.name}`, group: "Providers" });
  for (const p of providers.data ?? [])
    for (const m of p.models) options.push({ value: m.id, field: "providerId", label: `model ${p.name}/${m.name}`, group: "Models" });
  for (const r of routes.data ?? [])
    r.targets.forEach((t, i) =>
      options.push({ value: t.id, field: "routeTargetId", label: `target #${i + 1} of route ${r.alias} (${t.provider.name}/${t.model.name})`, group: "Route targets" }),
    );
  const byValue = new Map(options.map((o) => [o.value, o]));
  const labelOf = (f: Pick<Flag, "providerId" | "routeTargetId">): string => {
    const id = f.routeTargetId ?? f.providerId;
    if (!id) return "no target";
    return byValue.get(id)?.label ?? id;
  };
  return { options, labelOf, isLoading: providers.isPending || routes.isPending };
}
