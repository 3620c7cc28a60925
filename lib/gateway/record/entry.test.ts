import { describe, expect, it } from "vitest";
import { RequestLogJob } from "@/lib/queues/request-log";
import { buildLogEntry, errorCodeOf, noteLog, statusOf, type ExchangeFacts, type RequestLogFields } from "@/lib/gateway/record/entry";
import { onStreamEnd } from "@/lib/gateway/record";

const caller = { tenantId: "ten_a", apiKeyId: "key_a", featureId: "fea_default" };

function facts(overrides: Partial<ExchangeFacts> = {}): ExchangeFacts {
  return {
    logId: "req_01m83he3cxq75bf2x2djnft4mt",
    clientRequestId: null,
    endpoint: "models.list",
    method: "GET",
    path: "/v1/models",
    receivedAt: new Date("2026-11-23T06:00:00.000Z"),
    startedAt: 1_000,
    body: undefined,
    fields: undefined,
    status: 200,
    responseBody: { object: "list", data: [] },
    streamed: false,
    ...overrides,
  };
}

describe("buildLogEntry", () => {
  it("records a request refused before the input guards with its PII redacted (no raw value anywhere in the record)", () => {
    const body = {
      model: "gpt-x",
      messages: [{ role: "user", content: "I am jane.doe@example.com, card 4111 1111 1111 1111" }],
      temperature: "hot", // the validation error that refused it
    };
    const e = buildLogEntry(facts({ endpoint: "chat.completions", method: "POST", path: "/v1/chat/completions", body, status: 400, responseBody: { error: { code: "invalid_request" } } }), caller);
    const text = JSON.stringify(e);
    expect(text).not.toContain("jane.doe@example.com");
    expect(text).not.toContain("4111 1111 1111 1111");
    expect(e.request).toMatchObject({ model: "gpt-x", temperature: "hot", messages: [{ role: "user", content: expect.stringContaining("[EMAIL_1]") }] });
    // What a stage noted (the guards' own redacted copy) is kept as it is.
    const noted = buildLogEntry(facts({ body, fields: { request: { model: "gpt-x", note: "as the guards left it" } } }), caller);
    expect(noted.request).toEqual({ model: "gpt-x", note: "as the guards left it" });
  });

  it("builds a valid record from a plain answer", () => {
    const e = RequestLogJob.parse(buildLogEntry(facts(), caller, 1_012.4));
    expect(e).toMatchObject({
      id: "req_01m83he3cxq75bf2x2djnft4mt",
      createdAt: "2026-11-23T06:00:00.000Z",
      tenantId: "ten_a",
      apiKeyId: "key_a",
      featureId: "fea_default",
      endpoint: "models.list",
      model: "",
      status: "ok",
      httpStatus: 200,
      errorCode: null,
      latencyMs: 12,
      attempts: [],
      request: {},
      response: { object: "list", data: [] },
    });
  });

  it("takes the error code from an OpenAI-style error body, and calls a 4xx blocked, a 5xx error", () => {
    const err = { error: { message: "no", type: "invalid_request_error", param: null, code: "invalid_api_key" } };
    expect(buildLogEntry(facts({ status: 401, responseBody: err }), caller)).toMatchObject({ status: "blocked", errorCode: "invalid_api_key", httpStatus: 401 });
    expect(buildLogEntry(facts({ status: 502, responseBody: { error: { code: "upstream_error" } } }), caller)).toMatchObject({ status: "error", errorCode: "upstream_error" });
  });

  it("keeps the caller's own request id and, for unmatched paths, the method and path", () => {
    const e = buildLogEntry(facts({ clientRequestId: "trace-1", endpoint: "unknown", path: "/v1/nope", status: 404 }), caller);
    expect(e.metadata).toEqual({ clientRequestId: "trace-1", method: "GET", path: "/v1/nope" });
  });

  it("uses what stages noted: model, attempts, fallback, tokens; the body's model otherwise", () => {
    const ctx: { log?: RequestLogFields } = {};
    noteLog(ctx, { model: "support-reply" });
    noteLog(ctx, {
      fallbackReason: "primary timed out",
      attempts: [{ target: "sim/gpt-4o", status: "timeout", latencyMs: 30 }],
      promptTokens: 12,
    });
    const e = RequestLogJob.parse(buildLogEntry(facts({ body: { model: "gpt-4o", messages: [] }, fields: ctx.log }), caller));
    expect(e).toMatchObject({ model: "support-reply", status: "fallback", promptTokens: 12, request: { model: "gpt-4o", messages: [] } });
    expect(e.attempts).toHaveLength(1);
    expect(buildLogEntry(facts({ body: { model: "gpt-4o" } }), caller).model).toBe("gpt-4o");
  });

  it("marks a stream cut after its first byte as an error, and a client that left as disconnected", () => {
    expect(buildLogEntry(facts({ streamed: true, responseBody: null, streamError: "upstream reset" }), caller)).toMatchObject({
      status: "error",
      errorCode: "stream_error",
      httpStatus: 200,
      streamed: true,
      response: null,
      metadata: { streamError: "upstream reset" },
    });
    expect(buildLogEntry(facts({ streamed: true, streamError: "aborted" }), caller).errorCode).toBe("client_disconnected");
  });
});

describe("statusOf / errorCodeOf", () => {
  it("lets a stage decide the status", () => {
    expect(statusOf(200, { status: "blocked" }, undefined)).toBe("blocked");
    expect(statusOf(429, undefined, undefined)).toBe("blocked");
  });
  it("reads only a string code", () => {
    expect(errorCodeOf({ error: { code: 5 } })).toBeNull();
    expect(errorCodeOf("x")).toBeNull();
  });
});

describe("onStreamEnd", () => {
  async function* chunks(fail?: string) {
    yield "a";
    yield "b";
    if (fail) throw new Error(fail);
  }

  it("calls back once when the stream completes", async () => {
    const ends: Array<string | undefined> = [];
    const out: string[] = [];
    const wrapped = onStreamEnd(chunks(), (e) => ends.push(e));
    for await (const c of wrapped) out.push(c);
    expect(out).toEqual(["a", "b"]);
    expect(ends).toEqual([undefined]);
  });

  it("reports an error mid-stream, and a consumer that stops early", async () => {
    const ends: Array<string | undefined> = [];
    await expect(async () => {
      for await (const _ of onStreamEnd(chunks("reset"), (e) => ends.push(e))) void _;
    }).rejects.toThrow("reset");
    for await (const _ of onStreamEnd(chunks(), (e) => ends.push(e))) break;
    expect(ends).toEqual(["reset", "aborted"]);
  });
});
