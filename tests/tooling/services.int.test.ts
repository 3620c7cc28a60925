import net from "node:net";
import { describe, expect, it } from "vitest";
import { postgresAnswers, redisAnswers } from "@/scripts/lib/tooling.mjs";
import { PG_ADMIN_URL, testEnv } from "@/lib/testing/env";

// quickstart and npm test check that Postgres and Redis answer their own protocol.
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("service probes", () => {
  it("sees the real Postgres and Redis", async () => {
    expect(await postgresAnswers(PG_ADMIN_URL)).toBe(true);
    expect(await redisAnswers(testEnv.REDIS_URL)).toBe(true);
  });

  it("reports a closed port as not answering", async () => {
    const port = await closedPort();
    expect(await postgresAnswers(`postgresql://postgres@127.0.0.1:${port}/x`)).toBe(false);
    expect(await redisAnswers(`redis://127.0.0.1:${port}`)).toBe(false);
  });

  it("does not take Redis for Postgres or the other way round", async () => {
    const redisPort = new URL(testEnv.REDIS_URL).port || "6379";
    const pgPort = new URL(PG_ADMIN_URL).port || "5432";
    expect(await postgresAnswers(`postgresql://postgres@127.0.0.1:${redisPort}/x`)).toBe(false);
    expect(await redisAnswers(`redis://127.0.0.1:${pgPort}`)).toBe(false);
  });
});
