import type { ChatCompletion } from "@/lib/gateway/openai/schema";
import type { GatewayContext } from "@/lib/gateway/types";

/**
 * Stage 10, output guards: JSON-schema validation of structured output (with
 * a repair retry), fast moderation in line (a later issue fills it in). Runs
 * on a whole answer after routing, before it is written, so it is a hook the
 * chat endpoints call rather than a stage of the list; it returns the answer
 * to send. Streams are checked chunk by chunk there too (later).
 */
export async function outputGuards(_ctx: GatewayContext, completion: ChatCompletion): Promise<ChatCompletion> {
  return completion;
}
