import { snapshotReady } from "@/lib/gateway/config";
import { getProviderAdapter } from "@/lib/gateway/providers/registry";
import { runChain } from "@/lib/gateway/route/engine";
import { resolveModel } from "@/lib/gateway/route/resolve";
import { upstreamClient } from "@/lib/gateway/upstream/client";

/**
 * The semantic cache's embedding: one text through the feature's embedding
 * route (a route alias or a concrete embeddings model of the tenant), over
 * the same chain engine and provider adapters as `POST /v1/embeddings`
 * (circuits, retries, deadlines). Null when the route gives no usable vector:
 * the request then simply goes on uncached.
 */
export async function embedText(
  opts: { tenantId: string; featureId: string | null; route: string; signal?: AbortSignal },
  text: string,
): Promise<number[] | null> {
  const snapshot = await snapshotReady();
  const plan = resolveModel(snapshot, { tenantId: opts.tenantId, scopes: [], featureId: opts.featureId }, opts.route, "embeddings");
  const result = await runChain({ plan, clientSignal: opts.signal, callerTimeoutMs: null }, (t, signal) =>
    getProviderAdapter(t.providerKind).embeddings(t.target, { model: t.modelName, input: text, encoding_format: "float" }, { signal, client: upstreamClient }),
  );
  if (!result.ok) return null;
  const vector = result.value.response.data[0]?.embedding;
  return Array.isArray(vector) && vector.length > 0 ? (vector as number[]) : null;
}
