import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulator, type Simulator } from "./server";

/** `fixedAnswers` (benchmarks): identical requests get the same bytes; knobs, auth and faults still apply. */
let sim: Simulator;
let url: string;

beforeAll(async () => {
  sim = createSimulator({ fixedAnswers: true, apiKey: "sk-sim" });
  ({ url } = await sim.listen(0));
});

afterAll(async () => {
  await sim.close();
});

const body = (content: string) =>
  JSON.stringify({ model: "sim-primary", messages: [{ role: "user", content }], max_tokens: 16 });

async function chat(text: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-sim", "content-type": "application/json", ...headers },
    body: text,
  });
  return { status: res.status, body: await res.text() };
}

describe("simulator fixedAnswers", () => {
  it("answers an identical request with the same bytes, a different one with its own answer", async () => {
    const first = await chat(body("Say hello."));
    const again = await chat(body("Say hello."));
    const other = await chat(body("Say goodbye, twice."));
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    expect(other.status).toBe(200);
    expect(other.body).not.toBe(first.body);
    expect(JSON.parse(first.body)).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant" } }] });
  });

  it("still authenticates, applies knob headers (not cached) and records nothing", async () => {
    const text = body("Say hello.");
    const wrongKey = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-other", "content-type": "application/json" },
      body: text,
    });
    expect(wrongKey.status).toBe(401);
    await wrongKey.text();
    const faulted = await chat(text, { "x-sim-fault": "500" });
    expect(faulted.status).toBe(500);
    expect((await chat(text)).status).toBe(200);
    expect(sim.requests()).toEqual([]);
  });

  it("forgets its answers when the server-wide config changes (configure(), POST /_sim/config)", async () => {
    const text = body("Say hello.");
    const before = await chat(text);
    sim.configure({ latencyMs: 0 });
    const after = await chat(text);
    expect(after.status).toBe(200);
    // A new answer was generated: its id comes from the request's sequence number.
    expect(JSON.parse(after.body).id).not.toBe(JSON.parse(before.body).id);
    const configured = await fetch(`${url}/_sim/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ latencyMs: 0 }) });
    expect(configured.status).toBe(200);
    await configured.text();
    const third = await chat(text);
    expect(JSON.parse(third.body).id).not.toBe(JSON.parse(after.body).id);
  });
});
