import type { Redis } from "ioredis";
import type { BudgetCounter, RateCounter } from "@/lib/gateway/limits/plan";
import { settle } from "@/lib/gateway/limits/store";
import type { GatewayContext } from "@/lib/gateway/types";
import { log } from "@/lib/log";

/**
 * A request's reservation (stage 6, stages/limits.ts) and the one way to end
 * it. Settled exactly once: the first of
 *   - settleReservation(ctx, cost) / releaseReservation(ctx) by a stage that
 *     knows better (an exact-cache hit settles 0),
 *   - the end of the response: a JSON answer when it is built, a stream when
 *     it ends, fails or is abandoned by the client, an error when it is
 *     thrown; then the cost and tokens the call noted for the request log
 *     (ctx.log.costMicros, promptTokens + completionTokens) are settled, or
 *     nothing (a release) when none was noted,
 *   - the client going away before the answer was written,
 * and the settle script itself refuses a second settle of the same id. A
 * gateway that dies holding reservations never settles them: their leases
 * expire and the next reservation on each counter releases them.
 */

export interface Reservation {
  id: string;
  tenantId: string;
  redis: Redis;
  promptTokens: number;
  reservedTokens: number;
  worstCaseMicros: bigint;
  tokenCounters: readonly RateCounter[];
  concurrency: readonly RateCounter[];
  budgets: readonly BudgetCounter[];
  done: boolean;
  /** Resolves when the settle round trip finished (tests and shutdown wait on it). */
  settled?: Promise<boolean>;
  onDone?: () => void;
}

const reservations = new WeakMap<GatewayContext, Reservation>();
const pending = new Set<Promise<boolean>>();

export function attachReservation(ctx: GatewayContext, r: Reservation): void {
  reservations.set(ctx, r);
}

export function reservationOf(ctx: GatewayContext): Reservation | undefined {
  return reservations.get(ctx);
}

/** Prompt tokens counted for the reservation (for estimating what a cut stream used); null without one. */
export function reservedPromptTokens(ctx: GatewayContext): number | null {
  return reservations.get(ctx)?.promptTokens ?? null;
}

/**
 * Settles the request's reservation at `costMicros` (and `tokens` used, for
 * tokens-per-minute; default: what the request log noted). Idempotent; a
 * no-op without a reservation. Never throws: a failed settle is logged and
 * the lease releases the reservation later.
 */
export function settleReservation(ctx: GatewayContext, costMicros: bigint, tokens?: number): Promise<boolean> {
  const r = reservations.get(ctx);
  if (!r || r.done) return r?.settled ?? Promise.resolve(false);
  r.done = true;
  r.onDone?.();
  const used = tokens ?? (ctx.log?.promptTokens ?? 0) + (ctx.log?.completionTokens ?? 0);
  const p = settle(r.redis, {
    tenantId: r.tenantId,
    reservationId: r.id,
    costMicros,
    tokens: used,
    tokenCounters: r.tokenCounters,
    reservedTokens: r.reservedTokens,
    concurrency: r.concurrency,
    budgets: r.budgets,
  }).catch((err: unknown) => {
    log("error", "limits.settle_failed", { reservationId: r.id, err });
    return false;
  });
  r.settled = p;
  pending.add(p);
  void p.finally(() => pending.delete(p));
  return p;
}

/** Releases the reservation: nothing was spent (a failure before any tokens, an exact-cache hit). */
export function releaseReservation(ctx: GatewayContext): Promise<boolean> {
  return settleReservation(ctx, 0n, 0);
}

/** Ends the reservation with what the request log noted (cost, tokens), or releases it. */
export function finishReservation(ctx: GatewayContext): Promise<boolean> {
  const noted = ctx.log?.costMicros;
  let cost = 0n;
  if (noted !== undefined && noted !== null) {
    try {
      cost = BigInt(noted);
    } catch {
      cost = 0n;
    }
  }
  return settleReservation(ctx, cost);
}

/** Waits for settles in flight (graceful shutdown, tests). */
export async function drainSettles(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
