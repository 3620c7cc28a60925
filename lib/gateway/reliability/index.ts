/**
 * Reliability primitives the routing stage composes: circuit breaker (Redis),
 * retry policy and backoff, nested deadlines, idempotency store (Redis).
 */
export * from "./backoff";
export * from "./retry-policy";
export * from "./deadline";
export * from "./circuit-breaker";
export * from "./idempotency";
