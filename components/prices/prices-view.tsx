"use client";

import { Fragment, useState } from "react";
import { microsToDollars, type ModelPrices, type PriceRow, type PriceStatus } from "@/lib/prices/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { AddPriceDialog } from "./add-price-dialog";
import { usePrices } from "./use-prices";

const STATUS_TONE: Record<PriceStatus, BadgeTone> = { current: "success", scheduled: "info", past: "neutral" };

function Money({ micros, unsetAsInput }: { micros: string; unsetAsInput?: boolean }) {
  if (unsetAsInput && micros === "0") return <span className="muted">= input</span>;
  return <>${microsToDollars(micros)}</>;
}

function PriceCells({ p }: { p: PriceRow }) {
  return (
    <>
      <td className="num mono">
        <Money micros={p.inputPerMTokMicros} />
      </td>
      <td className="num mono">
        <Money micros={p.outputPerMTokMicros} />
      </td>
      <td className="num mono">
        <Money micros={p.cachedInputPerMTokMicros} unsetAsInput />
      </td>
      <td className="num mono">
        <Money micros={p.cacheWritePerMTokMicros} unsetAsInput />
      </td>
    </>
  );
}

export function PricesView() {
  const { slug } = useTenant();
  const canWrite = useCan("providers:write");
  const prices = usePrices(slug);
  const [adding, setAdding] = useState<{ modelId: string | null } | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);

  const toggle = (id: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const onAdded = (model: ModelPrices, effectiveFrom: string | null) => {
    setNotice(`New price for ${model.providerName} / ${model.modelName} ${effectiveFrom ? `scheduled from ${formatDateTime(effectiveFrom)}` : "in effect now"}; gateways pick it up within a second.`);
    setExpanded((prev) => new Set(prev).add(model.modelId));
  };

  return (
    <>
      <PageHeader
        title="Prices"
        description="What each model costs, in dollars per million tokens. Every request is charged at the price in effect when it arrived (integer micro-dollars on its log row); a new price never changes past ones."
        actions={
          canWrite && prices.data && prices.data.length > 0 ? (
            <Button
              variant="primary"
              onClick={() => {
                setNotice(null);
                setAdding({ modelId: null });
              }}
            >
              Add price
            </Button>
          ) : null
        }
      />

      {notice ? (
        <div className="alert alert-success" role="status">
          {notice}
        </div>
      ) : null}

      <QueryView query={prices} what="prices" emptyTitle="No models yet" empty="Models you add to a provider under Routes & providers appear here, with their prices.">
        {(models) => (
          <div className="table-wrap">
            <table className="table" aria-label="Model prices">
              <thead>
                <tr>
                  <th>Model</th>
                  <th className="num">Input</th>
                  <th className="num">Output</th>
                  <th className="num">Cached input</th>
                  <th className="num">Cache write</th>
                  <th>Effective from</th>
                  <th className="actions">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => {
                  const open = expanded.has(m.modelId);
                  const others = m.prices.filter((p) => p.status !== "current");
                  return (
                    <Fragment key={m.modelId}>
                      <tr>
                        <td>
                          <div>
                            {m.modelName} {m.enabled ? null : <Badge>disabled</Badge>}
                          </div>
                          <div className="sub">
                            {m.providerName} ({m.providerKind})
                          </div>
                        </td>
                        {m.current ? (
                          <>
                            <PriceCells p={m.current} />
                            <td className="nowrap">{formatDateTime(m.current.effectiveFrom)}</td>
                          </>
                        ) : (
                          <td colSpan={5}>
                            <Badge tone="warning">no price</Badge> <span className="muted">requests to this model are logged with cost $0</span>
                          </td>
                        )}
                        <td className="actions nowrap">
                          {others.length > 0 ? (
                            <Button variant="ghost" size="sm" aria-expanded={open} aria-label={`${open ? "Hide" : "Show"} price history of ${m.modelName}`} onClick={() => toggle(m.modelId)}>
                              {open ? "Hide history" : `History (${others.length})`}
                            </Button>
                          ) : null}
                          {canWrite ? (
                            <Button
                              size="sm"
                              aria-label={`Add a price for ${m.modelName}`}
                              onClick={() => {
                                setNotice(null);
                                setAdding({ modelId: m.modelId });
                              }}
                            >
                              Add price
                            </Button>
                          ) : null}
                        </td>
                      </tr>
                      {open
                        ? others.map((p) => (
                            <tr key={p.id} className="muted" aria-label={`${m.modelName} price from ${formatDateTime(p.effectiveFrom)}`}>
                              <td>
                                <Badge tone={STATUS_TONE[p.status]}>{p.status}</Badge>
                              </td>
                              <PriceCells p={p} />
                              <td className="nowrap">{formatDateTime(p.effectiveFrom)}</td>
                              <td />
                            </tr>
                          ))
                        : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>

      {canWrite && adding && prices.data ? (
        <AddPriceDialog slug={slug} models={prices.data} modelId={adding.modelId} open onClose={() => setAdding(null)} onAdded={onAdded} />
      ) : null}
    </>
  );
}
