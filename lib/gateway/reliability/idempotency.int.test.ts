import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isStreamBody } from "@/lib/gateway/types";
import { createRedis } from "@/lib/redis";
import {
  fingerprintRequest,
  idempotencyError,
  IdempotencyStore,
  parseIdempotencyKey,
  replayResponse,
  type StoredResponse,
} from "./idempotency";

// Real Redis; expiry is data compared with an injected clock, so no sleeps.
let redis: Redis;
let store: IdempotencyStore;
const T0 = 1_800_000_000_000;

beforeAll(() => {
  redis = createRedis({}, process.env.REDIS_URL);
  store = new IdempotencyStore({ redis, inFlightTtlMs: 60_000 });
});
afterAll(async () => {
  await redis.quit();
});

const tenant = (): string => `ten_test_${randomUUID()}`;
const body = (content: string): Buffer => Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content }] }));
const fp = (content: string): string => fingerprintRequest("POST", "/v1/chat/completions", body(content));
const answer: StoredResponse = {
  status: 200,
  headers: { "content-type": "application/json", "x-gatehouse-target": "tgt_1" },
  body: { kind: "json", value: { id: "chatcmpl-1", choices: [{ message: { role: "assistant", content: "hi" } }] } },
};

describe("IdempotencyStore", () => {
  it("first -> new, repeat while running -> in_flight (409), after complete -> done with the stored response", async () => {
    const t = tenant();
    const first = await store.begin(t, "key-1", fp("a"), { now: T0 });
    expect(first.state).toBe("new");
    if (first.state !== "new") return;

    const repeat = await store.begin(t, "key-1", fp("a"), { now: T0 + 10 });
    expect(repeat).toEqual({ state: "in_flight" });
    expect(idempotencyError(repeat)?.status).toBe(409);
    expect(idempotencyError(repeat)?.code).toBe("idempotency_in_flight");

    expect(await store.complete(t, "key-1", first.token, answer, T0 + 20)).toBe(true);
    const done = await store.begin(t, "key-1", fp("a"), { now: T0 + 30 });
    expect(done).toEqual({ state: "done", response: answer });
    expect(idempotencyError(done)).toBeNull();
    // stored for 24 h
    const pttl = await redis.pttl(IdempotencyStore.redisKey(t, "key-1"));
    expect(pttl).toBeGreaterThan(23 * 3_600_000);
    expect(pttl).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it("stores the answer encrypted: the caller's (re-identified) values never sit in Redis in the clear", async () => {
    const t = tenant();
    const first = await store.begin(t, "key-enc", fp("a"), { now: T0 });
    if (first.state !== "new") throw new Error("expected a new key");
    const personal: StoredResponse = { ...answer, body: { kind: "json", value: { note: "write to jane.roe@example.com" } } };
    expect(await store.complete(t, "key-enc", first.token, personal, T0 + 1)).toBe(true);
    const key = IdempotencyStore.redisKey(t, "key-enc");
    const raw = (await redis.type(key)) === "hash" ? Object.values(await redis.hgetall(key)).join("\n") : ((await redis.get(key)) ?? "");
    expect(raw).toContain("v1:");
    expect(raw).not.toContain("jane.roe@example.com");
    expect(await store.begin(t, "key-enc", fp("a"), { now: T0 + 2 })).toEqual({ state: "done", response: personal });
  });

  it("the same key with a different body is a 422 conflict, running or done", async () => {
    const t = tenant();
    const first = await store.begin(t, "key-2", fp("a"), { now: T0 });
    const running = await store.begin(t, "key-2", fp("b"), { now: T0 + 1 });
    expect(running).toEqual({ state: "conflict" });
    expect(idempotencyError(running)?.status).toBe(422);
    if (first.state !== "new") throw new Error("expected new");
    await store.complete(t, "key-2", first.token, answer, T0 + 2);
    expect(await store.begin(t, "key-2", fp("b"), { now: T0 + 3 })).toEqual({ state: "conflict" });
    // so does another endpoint with the same body
    const embeddings = fingerprintRequest("POST", "/v1/embeddings", body("a"));
    expect(await store.begin(t, "key-2", embeddings, { now: T0 + 4 })).toEqual({ state: "conflict" });
  });

  it("abandon frees the key so a retry runs again; a stale token cannot", async () => {
    const t = tenant();
    const first = await store.begin(t, "key-3", fp("a"), { now: T0 });
    if (first.state !== "new") throw new Error("expected new");
    expect(await store.abandon(t, "key-3", "not-the-token")).toBe(false);
    expect(await store.begin(t, "key-3", fp("a"), { now: T0 + 1 })).toEqual({ state: "in_flight" });
    expect(await store.abandon(t, "key-3", first.token)).toBe(true);
    const retry = await store.begin(t, "key-3", fp("a"), { now: T0 + 2 });
    expect(retry.state).toBe("new");
  });

  it("an in-flight marker expires (crashed instance); the late first owner then cannot overwrite", async () => {
    const t = tenant();
    const crashed = await store.begin(t, "key-4", fp("a"), { now: T0, inFlightTtlMs: 5_000 });
    if (crashed.state !== "new") throw new Error("expected new");
    expect(await redis.pttl(IdempotencyStore.redisKey(t, "key-4"))).toBeLessThanOrEqual(5_000);
    expect(await store.begin(t, "key-4", fp("a"), { now: T0 + 4_999 })).toEqual({ state: "in_flight" });
    const takeover = await store.begin(t, "key-4", fp("a"), { now: T0 + 5_000 });
    expect(takeover.state).toBe("new");
    if (takeover.state !== "new") return;
    expect(await store.complete(t, "key-4", crashed.token, { ...answer, status: 201 }, T0 + 5_001)).toBe(false);
    expect(await store.abandon(t, "key-4", crashed.token)).toBe(false);
    expect(await store.complete(t, "key-4", takeover.token, answer, T0 + 5_002)).toBe(true);
    expect(await store.begin(t, "key-4", fp("a"), { now: T0 + 5_003 })).toEqual({ state: "done", response: answer });
  });

  it("a stored response expires after 24 h", async () => {
    const day = 24 * 3_600_000;
    const t = tenant();
    const first = await store.begin(t, "key-5", fp("a"), { now: T0 });
    if (first.state !== "new") throw new Error("expected new");
    await store.complete(t, "key-5", first.token, answer, T0);
    expect((await store.begin(t, "key-5", fp("a"), { now: T0 + day - 1 })).state).toBe("done");
    expect((await store.begin(t, "key-5", fp("b"), { now: T0 + day })).state).toBe("new");
  });

  it("is scoped by tenant", async () => {
    const [a, b] = [tenant(), tenant()];
    const first = await store.begin(a, "shared-key", fp("a"), { now: T0 });
    if (first.state !== "new") throw new Error("expected new");
    await store.complete(a, "shared-key", first.token, answer, T0);
    expect((await store.begin(b, "shared-key", fp("a"), { now: T0 + 1 })).state).toBe("new");
    expect((await store.begin(b, "shared-key", fp("a"), { now: T0 + 2 })).state).toBe("in_flight");
    expect((await store.begin(a, "shared-key", fp("a"), { now: T0 + 3 })).state).toBe("done");
  });

  it("exactly one of many concurrent begins owns the key", async () => {
    const t = tenant();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.begin(t, "race", fp("a"), { now: T0 })));
    expect(results.filter((r) => r.state === "new")).toHaveLength(1);
    expect(results.filter((r) => r.state === "in_flight")).toHaveLength(19);
  });

  it("replays a streamed answer as the same SSE frames", async () => {
    const t = tenant();
    const frames = ['data: {"choices":[{"delta":{"content":"he"}}]}\n\n', 'data: {"choices":[{"delta":{"content":"y"}}]}\n\n', "data: [DONE]\n\n"];
    const streamed: StoredResponse = { status: 200, headers: { "content-type": "text/event-stream" }, body: { kind: "sse", chunks: frames } };
    const first = await store.begin(t, "stream", fp("s"), { now: T0 });
    if (first.state !== "new") throw new Error("expected new");
    await store.complete(t, "stream", first.token, streamed, T0);
    const done = await store.begin(t, "stream", fp("s"), { now: T0 + 1 });
    if (done.state !== "done") throw new Error("expected done");
    const replay = replayResponse(done.response);
    expect(replay.headers).toEqual({ "content-type": "text/event-stream", "idempotent-replayed": "true" });
    expect(isStreamBody(replay.body)).toBe(true);
    const got: string[] = [];
    for await (const c of replay.body as AsyncIterable<string>) got.push(c);
    expect(got).toEqual(frames);
    expect(replayResponse(answer).body).toEqual(answer.body.kind === "json" ? answer.body.value : null);
  });

  it("does not store responses over maxStoredBytes, and frees the key", async () => {
    const small = new IdempotencyStore({ redis, maxStoredBytes: 100 });
    const t = tenant();
    const first = await small.begin(t, "big", fp("a"), { now: T0 });
    if (first.state !== "new") throw new Error("expected new");
    const big: StoredResponse = { ...answer, body: { kind: "json", value: "x".repeat(500) } };
    expect(await small.complete(t, "big", first.token, big, T0)).toBe(false);
    expect((await small.begin(t, "big", fp("a"), { now: T0 + 1 })).state).toBe("new");
  });
});

describe("parseIdempotencyKey", () => {
  it("accepts printable keys up to 255 characters", () => {
    expect(parseIdempotencyKey(undefined)).toBeNull();
    expect(parseIdempotencyKey("order-42 retry")).toBe("order-42 retry");
    expect(() => parseIdempotencyKey("")).toThrow(/Idempotency-Key/);
    expect(() => parseIdempotencyKey("x".repeat(256))).toThrow(/Idempotency-Key/);
    expect(() => parseIdempotencyKey("tab\there")).toThrow(/printable/);
  });
});
