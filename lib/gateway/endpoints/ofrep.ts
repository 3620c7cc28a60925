import { createHash } from "node:crypto";
import { sha256Hex } from "@/lib/crypto";
import { evaluateFlag, type FlagContext, type FlagEvaluation } from "@/lib/flags/evaluate";
import { getGatewayConfig, snapshotReady, type ConfigSnapshot } from "@/lib/gateway/config";
import type { ApiKeyRecord, FeatureEntry, FlagEntry } from "@/lib/gateway/config/types";
import { readApiKey } from "@/lib/gateway/stages/authenticate";
import type { GatewayRequest, GatewayResponse } from "@/lib/gateway/types";
import { log } from "@/lib/log";

/**
 * OpenFeature Remote Evaluation Protocol (OFREP, open-feature/protocol
 * service/openapi.yaml): the application's own code evaluates Gatehouse
 * flags with any OpenFeature SDK and an OFREP provider.
 *
 *   POST /ofrep/v1/evaluate/flags/{key}   one flag    -> 200 { key, value, reason, variant, metadata }
 *   POST /ofrep/v1/evaluate/flags         every flag  -> 200 { flags: [...] } with ETag; If-None-Match -> 304
 *   GET  /ofrep/v1/configuration          capabilities (polling, supported types)
 *
 * Authenticated with one of the tenant's API keys (`Authorization: Bearer`,
 * or `X-API-Key`); a key with endpoint scopes needs `flags` (or `*`). The
 * key's tenant sees its own flags and the platform-wide ones (its own win a
 * key clash). Request body `{ "context": { "targetingKey": "<end-user id>",
 * ...attributes } }`: targetingKey is the end-user (targeting and sticky
 * percentages), `featureKey` / `featureId` pick a feature (default: the
 * key's), every attribute is also request metadata for `metadata` conditions.
 *
 * Reasons are OpenFeature's: STATIC, TARGETING_MATCH, SPLIT, DISABLED,
 * DEFAULT. Errors use OFREP's shape `{ key, errorCode, errorDetails }`:
 * 404 FLAG_NOT_FOUND; 400 PARSE_ERROR (a stored rule does not parse, or the
 * body is not JSON), TARGETING_KEY_MISSING (a percentage must decide and
 * there is no targetingKey), INVALID_CONTEXT; 500 GENERAL. 401 / 403 for the key.
 *
 * Served by the gateway on the node:http fast path (server.ts routes
 * `/ofrep/*` here; Next serves `/api/ofrep/*` through the Web adapter), from
 * the in-process snapshot: no Postgres, no Redis per evaluation, and no
 * request-log record (flag evaluations are not model calls).
 */

const PREFIX = "/ofrep/v1";
const EVALUATE = `${PREFIX}/evaluate/flags`;

export function isOfrepPath(path: string): boolean {
  return path === "/ofrep" || path.startsWith("/ofrep/");
}

type ErrorCode = "FLAG_NOT_FOUND" | "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "INVALID_CONTEXT" | "GENERAL";

interface Failure {
  key: string;
  errorCode: ErrorCode;
  errorDetails: string;
}

interface Success {
  key: string;
  value: FlagEvaluation["value"];
  reason: string;
  variant: string;
  metadata: Record<string, string | number | boolean>;
}

class OfrepError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: ErrorCode | null,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status, headers: { "cache-control": "no-store", ...headers }, body };
}

export async function handleOfrep(req: GatewayRequest): Promise<GatewayResponse> {
  const path = req.path.length > 1 && req.path.endsWith("/") ? req.path.slice(0, -1) : req.path;
  const single = path.startsWith(`${EVALUATE}/`) ? path.slice(EVALUATE.length + 1) : null;
  let flagKey = "";
  try {
    if (single !== null) {
      flagKey = decodeKey(single);
      requireMethod(req, "POST");
      return evaluateOne(req, flagKey, await authenticate(req));
    }
    if (path === EVALUATE) {
      requireMethod(req, "POST");
      return evaluateAll(req, await authenticate(req));
    }
    if (path === `${PREFIX}/configuration`) {
      requireMethod(req, "GET");
      await authenticate(req);
      return json(200, CONFIGURATION);
    }
    throw new OfrepError(404, null, `Unknown OFREP endpoint: ${req.method} ${req.path.slice(0, 200)}`);
  } catch (err) {
    if (err instanceof OfrepError) {
      const body = err.errorCode && single !== null ? { key: flagKey, errorCode: err.errorCode, errorDetails: err.message } : err.errorCode ? { errorCode: err.errorCode, errorDetails: err.message } : { errorDetails: err.message };
      return json(err.status, body, err.headers);
    }
    log("error", "ofrep.failed", { err });
    const details = "Internal error while evaluating flags";
    return json(500, single !== null ? { key: flagKey, errorCode: "GENERAL", errorDetails: details } : { errorCode: "GENERAL", errorDetails: details });
  }
}

function decodeKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    key = raw;
  }
  if (!key || key.length > 200 || key.includes("/")) throw new OfrepError(404, "FLAG_NOT_FOUND", `flag '${key.slice(0, 200)}' not found`);
  return key;
}

function requireMethod(req: GatewayRequest, method: "GET" | "POST"): void {
  if (req.method !== method) throw new OfrepError(405, null, `Method ${req.method} is not allowed here (use ${method})`, { allow: method });
}

// ---------------------------------------------------------------- auth

interface Caller {
  key: ApiKeyRecord;
  snapshot: ConfigSnapshot;
}

async function authenticate(req: GatewayRequest): Promise<Caller> {
  const secret = readApiKey(req.headers);
  if (!secret) throw new OfrepError(401, null, "Send one of the tenant's API keys as Authorization: Bearer <key> (or X-API-Key)");
  const key = secret.length <= 256 ? await getGatewayConfig().getKeyByDigest(sha256Hex(secret)) : null;
  if (!key) throw new OfrepError(401, null, "Incorrect API key");
  if (key.revokedAt) throw new OfrepError(401, null, "This API key has been revoked");
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw new OfrepError(401, null, "This API key has expired");
  const endpointScopes = key.scopes.filter((s) => !s.startsWith("model:"));
  if (endpointScopes.length > 0 && !endpointScopes.includes("*") && !endpointScopes.includes("flags")) {
    throw new OfrepError(403, null, "This API key may not evaluate flags (it needs the 'flags' scope)");
  }
  return { key, snapshot: await snapshotReady() };
}

// ---------------------------------------------------------------- context

function parseBody(req: GatewayRequest): Record<string, unknown> {
  if (!req.body || req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new OfrepError(400, "PARSE_ERROR", "The request body is not valid JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OfrepError(400, "INVALID_CONTEXT", "The request body must be a JSON object: { \"context\": { ... } }");
  }
  return parsed as Record<string, unknown>;
}

function featureOf(snapshot: ConfigSnapshot, key: ApiKeyRecord, context: Record<string, unknown>): FeatureEntry | null {
  const byKey = context.featureKey;
  const byId = context.featureId;
  if (byKey !== undefined) {
    const f = typeof byKey === "string" ? snapshot.feature(key.tenantId, byKey) : undefined;
    if (!f) throw new OfrepError(400, "INVALID_CONTEXT", `context.featureKey: no feature '${String(byKey).slice(0, 100)}' in this tenant`);
    return f;
  }
  if (byId !== undefined) {
    const f = typeof byId === "string" ? snapshot.featureById(byId) : undefined;
    if (!f || f.tenantId !== key.tenantId) throw new OfrepError(400, "INVALID_CONTEXT", `context.featureId: no feature '${String(byId).slice(0, 100)}' in this tenant`);
    return f;
  }
  return key.featureId ? (snapshot.featureById(key.featureId) ?? null) : null;
}

function contextOf(req: GatewayRequest, caller: Caller): FlagContext {
  const body = parseBody(req);
  const raw = body.context ?? {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new OfrepError(400, "INVALID_CONTEXT", "context must be a JSON object");
  const context = raw as Record<string, unknown>;
  const targetingKey = context.targetingKey;
  if (targetingKey !== undefined && targetingKey !== null && typeof targetingKey !== "string") {
    throw new OfrepError(400, "INVALID_CONTEXT", "context.targetingKey must be a string (the end-user id)");
  }
  if (typeof targetingKey === "string" && targetingKey.length > 256) throw new OfrepError(400, "INVALID_CONTEXT", "context.targetingKey is at most 256 characters");
  const { targetingKey: _t, ...attributes } = context;
  const feature = featureOf(caller.snapshot, caller.key, context);
  return {
    tenantId: caller.key.tenantId,
    tenantSlug: caller.key.tenantSlug,
    featureId: feature?.id ?? null,
    featureKey: feature?.key ?? null,
    endUserId: typeof targetingKey === "string" ? targetingKey : null,
    metadata: attributes,
  };
}

// ---------------------------------------------------------------- evaluation

function lookup(caller: Caller, key: string): FlagEntry | undefined {
  return caller.snapshot.tenantFlags(caller.key.tenantId).get(key) ?? caller.snapshot.globalFlags().get(key);
}

function resultOf(flag: FlagEntry, e: FlagEvaluation): Success | (Failure & { status: number }) {
  if (e.reason === "ERROR") {
    const code: ErrorCode = e.errorCode ?? "GENERAL";
    return { key: flag.key, errorCode: code, errorDetails: e.errorMessage ?? "evaluation failed", status: code === "GENERAL" ? 500 : 400 };
  }
  return {
    key: flag.key,
    value: e.value,
    reason: e.reason,
    variant: e.variant,
    metadata: { kind: flag.kind, scope: flag.scope, global: flag.tenantId === null },
  };
}

function evaluateOne(req: GatewayRequest, key: string, caller: Caller): GatewayResponse {
  const context = contextOf(req, caller);
  const flag = lookup(caller, key);
  if (!flag) throw new OfrepError(404, "FLAG_NOT_FOUND", `flag '${key}' not found`);
  const result = resultOf(flag, evaluateFlag(flag, context));
  if ("errorCode" in result) {
    const { status, ...failure } = result;
    return json(status, failure);
  }
  return json(200, result);
}

function evaluateAll(req: GatewayRequest, caller: Caller): GatewayResponse {
  const context = contextOf(req, caller);
  const own = caller.snapshot.tenantFlags(caller.key.tenantId);
  const flags: Array<Success | Failure> = [];
  const visit = (flag: FlagEntry): void => {
    const result = resultOf(flag, evaluateFlag(flag, context));
    if ("errorCode" in result) {
      const { status: _status, ...failure } = result;
      flags.push(failure);
    } else flags.push(result);
  };
  for (const flag of caller.snapshot.globalFlags().values()) if (!own.has(flag.key)) visit(flag);
  for (const flag of own.values()) visit(flag);
  flags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const body = { flags };
  // The ETag is the answer's own digest: equal answers, equal tags, whatever changed elsewhere.
  const etag = `"${createHash("sha256").update(JSON.stringify(body)).digest("base64url").slice(0, 27)}"`;
  if (matches(req.headers["if-none-match"], etag)) return { status: 304, headers: { etag, "cache-control": "no-cache" }, body: null };
  return json(200, body, { etag, "cache-control": "no-cache" });
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return tag === "*" || tag === etag;
  });
}

const CONFIGURATION = Object.freeze({
  name: "gatehouse",
  capabilities: {
    cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1_000 } },
    flagEvaluation: { supportedTypes: ["boolean", "string", "int", "float", "object"] },
  },
});
