import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createElement, type ComponentProps } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { TenantRole } from "@/lib/authz/permissions";
import type { ModelPrices } from "@/lib/prices/schema";
import { TenantProvider } from "@/components/tenant/tenant-context";
import { PricesView } from "./prices-view";
import { pricesKey } from "./use-prices";

/** The page as the server renders it, with the prices already in the query cache (no network). */
function render(role: TenantRole, data: ModelPrices[] | undefined): string {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false, enabled: false } } });
  if (data) qc.setQueryData(pricesKey("acme"), data);
  return renderToStaticMarkup(
    createElement(
      QueryClientProvider,
      { client: qc },
      // createElement's typing wants children in the props, React's lint rule as arguments: the cast settles it.
      createElement(TenantProvider, { value: { slug: "acme", name: "Acme", role, isPlatformAdmin: false } } as ComponentProps<typeof TenantProvider>, createElement(PricesView)),
    ),
  );
}

const row = (over: Partial<ModelPrices["prices"][number]>) => ({
  id: "prc_1",
  modelId: "mdl_1",
  inputPerMTokMicros: "2500000",
  outputPerMTokMicros: "10000000",
  cachedInputPerMTokMicros: "1250000",
  cacheWritePerMTokMicros: "0",
  effectiveFrom: "2026-12-01T00:00:00.000Z",
  createdAt: "2026-12-01T00:00:00.000Z",
  status: "current" as const,
  ...over,
});

const MODELS: ModelPrices[] = [
  {
    modelId: "mdl_1",
    modelName: "gpt-4o",
    providerId: "prv_1",
    providerName: "openai-main",
    providerKind: "openai",
    enabled: true,
    current: row({}),
    prices: [row({ id: "prc_2", inputPerMTokMicros: "3000000", status: "scheduled", effectiveFrom: "2027-01-01T00:00:00.000Z" }), row({}), row({ id: "prc_0", inputPerMTokMicros: "5000000", status: "past" })],
  },
  { modelId: "mdl_2", modelName: "local-llama", providerId: "prv_2", providerName: "vllm", providerKind: "openai_compatible", enabled: true, current: null, prices: [] },
];

describe("PricesView", () => {
  it("lists each model's current price in dollars per million tokens, with history and add buttons for writers", () => {
    const html = render("admin", MODELS);
    expect(html).toContain("gpt-4o");
    expect(html).toContain("$2.50");
    expect(html).toContain("$10.00");
    expect(html).toContain("$1.25");
    expect(html).toContain("= input"); // cache write not set
    expect(html).toContain("History (2)");
    expect(html).toContain("no price");
    expect(html).toContain("Add a price for gpt-4o");
  });

  it("shows no add buttons to a role that may not write prices", () => {
    const html = render("developer", MODELS);
    expect(html).toContain("$2.50");
    expect(html).not.toContain("Add price");
  });

  it("has a loading state and an empty state", () => {
    expect(render("admin", undefined)).toContain("Loading prices");
    expect(render("admin", [])).toContain("No models yet");
  });
});
