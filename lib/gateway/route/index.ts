/**
 * The routing engine: which chain a model name means (resolve.ts), the chain
 * as the engine runs it (plan.ts), the walk itself with circuits, deadlines,
 * retries and fallbacks (engine.ts), and the static answer that closes it.
 */
export * from "./plan";
export * from "./resolve";
export * from "./engine";
export * from "./static-answer";
export { getCircuitBreaker, getIdempotencyStore } from "./breaker";
