export { createUpstreamClient, splitUrl, upstreamClient } from "./client";
export type { UpstreamBody, UpstreamClient, UpstreamRequest, UpstreamResponse } from "./client";
export { closeAllPools, configurePools, DEFAULT_POOL_OPTIONS, getPool, poolOrigins } from "./pool";
export type { PoolOptions } from "./pool";
