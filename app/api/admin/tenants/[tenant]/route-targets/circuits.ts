import { CircuitBreaker } from "@/lib/gateway/reliability/circuit-breaker";
import { getRedis } from "@/lib/redis";
import type { CircuitStore } from "@/lib/routes/service";

/**
 * The gateway's circuit breaker, read and reset by the control plane (the
 * same Redis hashes every gateway instance uses). Domains never import the
 * gateway, so the route handlers hand it to lib/routes. Cheap to make: the
 * scripts are registered once per connection.
 */
export function circuitStore(): CircuitStore {
  return new CircuitBreaker({ redis: getRedis(), localCacheMs: 0 });
}
