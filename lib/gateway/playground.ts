import { reloadSnapshot, snapshotReady } from "@/lib/gateway/config";
import { handle } from "@/lib/gateway/handle";
import { isStreamBody, type GatewayAuth } from "@/lib/gateway/types";

/**
 * The dashboard's prompt playground: one chat completion through the whole
 * pipeline (switches, prompt rendering, guards, limits, routing, the request
 * log), in this process, already authenticated as the tenant. The request
 * log records it like any request, with `api_key_id` = `playground`.
 *
 * The version may have been saved a moment ago: if this process's snapshot
 * does not have it yet, it reloads once before calling (the publish that
 * announced it may still be on its way).
 */
export const PLAYGROUND_KEY_ID = "playground";

export interface PlaygroundRequest {
  tenantId: string;
  tenantSlug: string;
  featureId: string | null;
  promptName: string;
  version: number;
  body: Record<string, unknown>;
}

export async function playgroundCall(call: PlaygroundRequest): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const snapshot = await snapshotReady();
  if (!snapshot.prompt(call.tenantId, call.promptName)?.versions.has(call.version)) await reloadSnapshot("manual");
  const auth: GatewayAuth = { apiKeyId: PLAYGROUND_KEY_ID, tenantId: call.tenantId, tenantSlug: call.tenantSlug, featureId: call.featureId, scopes: [] };
  const res = await handle(
    {
      method: "POST",
      path: "/v1/chat/completions",
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ ...call.body, stream: false })),
    },
    { auth },
  );
  if (isStreamBody(res.body)) {
    // Never: the playground asks for a JSON answer. Drain it rather than leave the upstream open.
    for await (const _chunk of res.body) void _chunk;
    return { status: 500, headers: res.headers, body: { error: { message: "Unexpected stream", type: "server_error", param: null, code: "internal_error" } } };
  }
  return { status: res.status, headers: res.headers, body: res.body };
}
