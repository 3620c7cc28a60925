/**
 * `npm run simulator [-- --port 4010 --host 127.0.0.1 --api-key KEY --latency-ms 0 --fixed-answers]`
 *
 * Starts the provider simulator (OpenAI, Azure OpenAI, Anthropic, Gemini wire
 * formats) and prints its URL. Environment: SIMULATOR_PORT (default 4010),
 * SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_API_KEY (require this key),
 * SIMULATOR_LATENCY_MS (server-wide latency). Flags win over the environment.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { createSimulator } from "@/lib/simulator/server";

const Settings = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4010),
  host: z.string().min(1).default("127.0.0.1"),
  apiKey: z.string().min(1).optional(),
  latencyMs: z.coerce.number().int().min(0).optional(),
  fixedAnswers: z.boolean(),
});

function settings() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string" },
      "api-key": { type: "string" },
      "latency-ms": { type: "string" },
      "fixed-answers": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("usage: npm run simulator -- [--port 4010] [--host 127.0.0.1] [--api-key KEY] [--latency-ms N] [--fixed-answers]");
    console.log("  --fixed-answers  benchmarks: identical requests get the same answer bytes, nothing is recorded (lib/simulator/server.ts)");
    process.exit(0);
  }
  const empty = (v: string | undefined) => (v === "" ? undefined : v);
  const parsed = Settings.safeParse({
    port: values.port ?? empty(process.env.SIMULATOR_PORT),
    host: values.host ?? empty(process.env.SIMULATOR_HOST),
    apiKey: values["api-key"] ?? empty(process.env.SIMULATOR_API_KEY),
    latencyMs: values["latency-ms"] ?? empty(process.env.SIMULATOR_LATENCY_MS),
    fixedAnswers: values["fixed-answers"] === true,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    console.error(`simulator: invalid ${String(issue?.path[0] ?? "setting")}: ${issue?.message ?? "bad value"}`);
    process.exit(2);
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const s = settings();
  const sim = createSimulator({
    ...(s.apiKey === undefined ? {} : { apiKey: s.apiKey }),
    ...(s.latencyMs === undefined ? {} : { config: { latencyMs: s.latencyMs } }),
    fixedAnswers: s.fixedAnswers,
  });
  const { url } = await sim.listen(s.port, s.host);
  console.log(`simulator listening on ${url}`);
  console.log(`  OpenAI    ${url}/v1   (chat/completions, embeddings, models)`);
  console.log(`  Azure     ${url}/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21`);
  console.log(`  Anthropic ${url}/v1/messages`);
  console.log(`  Gemini    ${url}/v1beta/models/{model}:generateContent`);
  console.log(`  admin     ${url}/_sim/config  ${url}/_sim/requests`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
