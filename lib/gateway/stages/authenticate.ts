import { sha256Hex } from "@/lib/crypto";
import { GatehouseError } from "@/lib/errors";
import { getGatewayConfig } from "@/lib/gateway/config";
import type { GatewayAuth, GatewayContext, Stage } from "@/lib/gateway/types";

/**
 * Stage 2, authenticate: API key -> tenant, scopes, default feature.
 * The key comes as `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key`
 * (Anthropic SDKs). Keys are long random secrets, so they are looked up by
 * their SHA-256 digest: microseconds, unlike a password hash.
 * Issue 3 adds the feature header and the end-user identity here.
 */
const MAX_KEY_LENGTH = 256;

export function readApiKey(headers: Record<string, string | undefined>): string | null {
  const auth = headers.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (m?.[1]) return m[1];
  }
  const xKey = headers["x-api-key"]?.trim();
  return xKey ? xKey : null;
}

/** `gh_live_ab12...wxyz`: enough for the caller to recognise which key, never the secret. */
export function maskKey(key: string): string {
  if (key.length <= 16) return "*".repeat(Math.min(key.length, 8));
  return `${key.slice(0, 10)}${"*".repeat(8)}${key.slice(-4)}`;
}

function invalidKey(message: string): GatehouseError {
  // OpenAI answers key problems with type invalid_request_error and code invalid_api_key.
  return new GatehouseError("invalid_api_key", message, { type: "invalid_request_error" });
}

export const authenticate: Stage = async (ctx) => {
  // Set only by in-process callers (handle(req, { auth }): the prompt playground), never from a request.
  if (ctx.auth) return;
  const key = readApiKey(ctx.req.headers);
  if (!key) {
    throw invalidKey(
      "You didn't provide an API key. Send it in an Authorization header using Bearer auth " +
        "(Authorization: Bearer YOUR_KEY) or in the x-api-key header.",
    );
  }
  const record = key.length <= MAX_KEY_LENGTH ? await getGatewayConfig().getKeyByDigest(sha256Hex(key)) : null;
  if (!record) {
    throw invalidKey(`Incorrect API key provided: ${maskKey(key)}. You can find your API keys in the Gatehouse dashboard.`);
  }
  if (record.revokedAt) throw invalidKey("This API key has been revoked.");
  if (record.expiresAt && record.expiresAt.getTime() <= ctx.receivedAt.getTime()) {
    throw invalidKey("This API key has expired.");
  }
  ctx.auth = {
    apiKeyId: record.id,
    tenantId: record.tenantId,
    tenantSlug: record.tenantSlug,
    featureId: record.featureId,
    scopes: record.scopes,
  };
};

/** For stages after authenticate. */
export function requireAuth(ctx: GatewayContext): GatewayAuth {
  if (!ctx.auth) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("authenticate stage missing") });
  return ctx.auth;
}
