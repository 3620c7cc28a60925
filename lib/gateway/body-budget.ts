import { GatehouseError } from "@/lib/errors";

/**
 * The request bodies a gateway process holds at once, in bytes (issue 3,
 * "Speed": the gateway runs with a capped heap to keep its RSS under 300 MB,
 * and a parsed JSON body takes a few times its size on the heap). A request
 * whose body would take the total past the limit is answered 503
 * `overloaded` with `retry-after: 1` before its body is parsed, and its bytes
 * are never counted; the others release theirs when their response is done
 * (a stream's when it ends). One request alone may always take the whole
 * budget, so a body under GATEHOUSE_MAX_BODY_BYTES is never refused on an idle gateway.
 */
export class BodyBudget {
  private held = 0;

  constructor(private readonly limit: number) {}

  /** Takes `bytes` when they fit (or nothing else is held); false when the request must be refused. */
  take(bytes: number): boolean {
    if (bytes <= 0) return true;
    if (this.held > 0 && this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    if (bytes > 0) this.held = Math.max(0, this.held - bytes);
  }

  get heldBytes(): number {
    return this.held;
  }
}

export function overloaded(): GatehouseError {
  return new GatehouseError("overloaded", "The gateway is holding as many request bodies as it can right now; retry shortly", {
    type: "server_error",
    headers: { "retry-after": "1" },
  });
}
