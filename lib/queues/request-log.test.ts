import { describe, expect, it } from "vitest";
import { queueRegistry } from "@/lib/queues";
import { MAX_RECORDS_PER_JOB, RequestLogBatch, RequestLogBatchEnvelope, RequestLogJob } from "@/lib/queues/request-log";

const minimal = {
  id: "req_01m83he3cxq75bf2x2djnft4mt",
  createdAt: "2026-11-23T06:00:00.000Z",
  tenantId: "ten_1",
  endpoint: "chat.completions",
  model: "gpt-4o",
  status: "ok",
  httpStatus: 200,
  request: { messages: [] },
  latencyMs: 12,
};

describe("RequestLogJob", () => {
  it("fills defaults for optional columns", () => {
    const job = RequestLogJob.parse(minimal);
    expect(job).toMatchObject({
      featureId: null,
      apiKeyId: null,
      response: null,
      contextDocs: [],
      attempts: [],
      guardVerdicts: [],
      redactions: [],
      promptTokens: 0,
      costMicros: "0",
      streamed: false,
      metadata: {},
    });
  });

  it.each([
    ["id", { id: "abc" }],
    ["createdAt", { createdAt: "yesterday" }],
    ["status", { status: "done" }],
    ["httpStatus", { httpStatus: 99 }],
    ["costMicros", { costMicros: "1.5" }],
    ["latencyMs", { latencyMs: -1 }],
    ["attempts", { attempts: [{ target: "x", status: "weird", latencyMs: 1 }] }],
    ["redactions", { redactions: [{ type: "email", count: 0 }] }],
  ])("refuses a bad %s", (field, patch) => {
    const result = RequestLogJob.safeParse({ ...minimal, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path[0]).toBe(field);
  });

  it("survives a JSON round trip (what BullMQ stores)", () => {
    const job = RequestLogJob.parse({ ...minimal, costMicros: "123456789012345678901" });
    expect(RequestLogJob.parse(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });
});

describe("RequestLogJob's JSON columns", () => {
  it.each([
    ["request", { request: [] }],
    ["request", { request: "hello" }],
    ["request", { request: null }],
    ["request", { request: undefined }],
    ["request", { request: { messages: [{ content: undefined }] } }],
    ["request", { request: { n: Number.NaN } }],
    ["request", { request: { big: 1n } }],
    ["response", { response: [1] }],
    ["response", { response: { at: new Date(0) } }],
    ["metadata", { metadata: [] }],
    ["metadata", { metadata: null }],
  ])("refuses a %s that is not a JSON object", (field, patch) => {
    const result = RequestLogJob.safeParse({ ...minimal, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it("keeps JSON objects as they are", () => {
    const request = { model: "m", messages: [{ role: "user", content: "hi", n: 1.5, ok: true, none: null }] };
    const job = RequestLogJob.parse({ ...minimal, request, response: { choices: [] }, metadata: { a: [1, { b: "c" }] } });
    expect(job.request).toEqual(request);
    expect(job.response).toEqual({ choices: [] });
    expect(job.metadata).toEqual({ a: [1, { b: "c" }] });
  });
});

describe("RequestLogBatch", () => {
  it("holds 1 to MAX_RECORDS_PER_JOB valid records", () => {
    expect(RequestLogBatch.safeParse({ records: [minimal] }).success).toBe(true);
    expect(RequestLogBatch.safeParse({ records: [] }).success).toBe(false);
    expect(RequestLogBatch.safeParse({ records: Array.from({ length: MAX_RECORDS_PER_JOB + 1 }, () => minimal) }).success).toBe(false);
    expect(RequestLogBatch.safeParse({ records: [minimal, { ...minimal, httpStatus: 42 }] }).success).toBe(false);
  });

  it("the worker's envelope checks the batch's shape, not its records (each is checked alone)", () => {
    expect(RequestLogBatchEnvelope.safeParse({ records: [minimal, { ...minimal, httpStatus: 42 }, "junk"] }).success).toBe(true);
    expect(RequestLogBatchEnvelope.safeParse({ records: [] }).success).toBe(false);
    expect(RequestLogBatchEnvelope.safeParse(minimal).success).toBe(false);
  });
});

describe("queue registry", () => {
  it("keys every queue by its own name", () => {
    for (const [key, def] of Object.entries(queueRegistry)) expect(def.name).toBe(key);
  });

  it("retries with exponential backoff and bounds the kept history", () => {
    for (const def of Object.values(queueRegistry)) {
      expect(def.defaultJobOptions.attempts).toBeGreaterThan(1);
      expect(def.defaultJobOptions.backoff).toMatchObject({ type: "exponential" });
      expect(def.defaultJobOptions.removeOnComplete).toMatchObject({ count: expect.any(Number) });
      expect(def.defaultJobOptions.removeOnFail).toMatchObject({ count: expect.any(Number) });
    }
  });
});
