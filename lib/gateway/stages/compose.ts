import { noteLog } from "@/lib/gateway/record";
import { errorAnswer } from "@/lib/gateway/respond/errors";
import { figureHeaders } from "@/lib/gateway/respond";
import type { WireFormat } from "@/lib/gateway/stages/state";
import type { GatewayContext, GatewayResponse, Stage } from "@/lib/gateway/types";

/**
 * Stages made of stages: runs `stages` in order like handle() does (the first
 * that answers wins); undefined when none answered.
 */
export async function runStages(ctx: GatewayContext, stages: readonly Stage[]): Promise<GatewayResponse | undefined> {
  for (const stage of stages) {
    // Most stages are synchronous (and several are still placeholders): only a
    // promise is awaited, so they cost no microtask hop and no promise each.
    const result = stage(ctx);
    const answer = result instanceof Promise ? await result : result;
    if (answer) return answer;
  }
  return undefined;
}

/**
 * The model-call endpoints' outer stage: runs the endpoint's stages and turns
 * anything they throw into the error body of the caller's wire format
 * (OpenAI, or Anthropic for /v1/messages), with `x-gatehouse-latency-ms`,
 * and notes the error code for the request log.
 */
export function answerErrorsAs(format: WireFormat, stages: readonly Stage[]): Stage {
  return async (ctx) => {
    try {
      return await runStages(ctx, stages);
    } catch (err) {
      const { response, code } = errorAnswer(err, format, ctx.requestId);
      if (ctx.log?.errorCode === undefined) noteLog(ctx, { errorCode: code });
      Object.assign(response.headers, figureHeaders({ latencyMs: performance.now() - ctx.startedAt }));
      return response;
    }
  };
}
