import { describe, expect, it } from "vitest";
import { abortError, classifyHttpError, classifyNetworkError, malformedError, streamCutError, STATUS_RULES } from "./classify";
import { parseDurationMs, parseRetryAfterMs } from "./retry-after";
import { ProviderError } from "./types";

describe("classifyHttpError: the status table", () => {
  it.each([
    [400, "bad_request", false],
    [401, "auth", false],
    [402, "auth", false],
    [403, "auth", false],
    [404, "not_found", false],
    [408, "timeout", true],
    [409, "server", true],
    [413, "bad_request", false],
    [418, "bad_request", false],
    [422, "bad_request", false],
    [429, "rate_limited", true],
    [500, "server", true],
    [502, "server", true],
    [503, "overloaded", true],
    [504, "timeout", true],
    [507, "server", true],
    [529, "overloaded", true],
  ])("HTTP %i -> %s (retryable %s)", (status, errorClass, retryable) => {
    const e = classifyHttpError(status, { message: "m" });
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ errorClass, retryable, status, providerMessage: "m" });
  });

  it("codes refine a 4xx: context length, content filter, insufficient quota, invalid key", () => {
    expect(classifyHttpError(400, { message: "too long", code: "context_length_exceeded" })).toMatchObject({ errorClass: "context_length", retryable: false });
    expect(classifyHttpError(400, { message: "filtered", code: "content_filter" })).toMatchObject({ errorClass: "content_filter", retryable: false });
    expect(classifyHttpError(400, { message: "x", type: "ResponsibleAIPolicyViolation" })).toMatchObject({ errorClass: "content_filter" });
    expect(classifyHttpError(429, { message: "pay up", code: "insufficient_quota" })).toMatchObject({ errorClass: "rate_limited", retryable: false });
    expect(classifyHttpError(400, { message: "API key not valid", code: "API_KEY_INVALID" })).toMatchObject({ errorClass: "auth", retryable: false });
  });

  it("codes never turn a 5xx into a caller error", () => {
    expect(classifyHttpError(500, { message: "x", code: "context_length_exceeded" })).toMatchObject({ errorClass: "server", retryable: true });
    expect(classifyHttpError(500, { message: "x", type: "overloaded_error" })).toMatchObject({ errorClass: "overloaded" });
  });

  it("context overflows reported in prose (400/413 only)", () => {
    expect(classifyHttpError(400, { message: "prompt is too long: 210000 tokens > 200000 maximum" }).errorClass).toBe("context_length");
    expect(classifyHttpError(400, { message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)." }).errorClass).toBe("context_length");
    expect(classifyHttpError(413, { message: "This model's maximum context length is 8192 tokens" }).errorClass).toBe("context_length");
    expect(classifyHttpError(400, { message: "messages: field required" }).errorClass).toBe("bad_request");
    expect(classifyHttpError(500, { message: "maximum context length" }).errorClass).toBe("server");
  });

  it("retry-after only on retryable errors; header beats body", () => {
    expect(classifyHttpError(429, { message: "m" }, { "retry-after": "3" }).retryAfterMs).toBe(3000);
    expect(classifyHttpError(429, { message: "m", retryAfterMs: 1500 }).retryAfterMs).toBe(1500);
    expect(classifyHttpError(429, { message: "m", retryAfterMs: 1500 }, { "retry-after-ms": "250" }).retryAfterMs).toBe(250);
    expect(classifyHttpError(400, { message: "m" }, { "retry-after": "3" }).retryAfterMs).toBeUndefined();
  });

  it("in-stream errors carry no HTTP status", () => {
    const e = classifyHttpError(529, { message: "Overloaded", type: "overloaded_error" }, {}, true);
    expect(e).toMatchObject({ errorClass: "overloaded", retryable: true, status: undefined, providerCode: "overloaded_error" });
  });

  it("every status in the table is an HTTP error status", () => {
    for (const status of Object.keys(STATUS_RULES).map(Number)) expect(status >= 400 && status <= 599).toBe(true);
  });
});

describe("classifyNetworkError", () => {
  const err = (code: string, viaCause = false) => (viaCause ? Object.assign(new Error("wrapped"), { cause: Object.assign(new Error(code), { code }) }) : Object.assign(new Error(code), { code }));

  it.each([
    ["ECONNRESET", "reset", true],
    ["EPIPE", "reset", true],
    ["UND_ERR_SOCKET", "reset", true],
    ["UND_ERR_CLOSED", "reset", true],
    ["ECONNREFUSED", "connect", true],
    ["ENOTFOUND", "connect", true],
    ["EAI_AGAIN", "connect", true],
    ["UND_ERR_CONNECT_TIMEOUT", "timeout", true],
    ["UND_ERR_HEADERS_TIMEOUT", "timeout", true],
    ["UND_ERR_BODY_TIMEOUT", "timeout", true],
    ["CERT_HAS_EXPIRED", "connect", false],
  ])("%s -> %s (retryable %s)", (code, errorClass, retryable) => {
    expect(classifyNetworkError(err(code))).toMatchObject({ errorClass, retryable, providerCode: code });
    expect(classifyNetworkError(err(code, true))).toMatchObject({ errorClass, retryable });
  });

  it("an abort is a timeout when the deadline fired, cancelled when the caller left", () => {
    const deadline = AbortSignal.abort(new DOMException("late", "TimeoutError"));
    expect(classifyNetworkError(new Error("aborted"), deadline)).toMatchObject({ errorClass: "timeout", retryable: true });
    const gone = new AbortController();
    gone.abort();
    expect(classifyNetworkError(new Error("aborted"), gone.signal)).toMatchObject({ errorClass: "cancelled", retryable: false });
    const custom = AbortSignal.abort(streamCutError("x"));
    expect(abortError(custom).errorClass).toBe("stream_cut");
  });

  it("a ProviderError passes through unchanged; unknown errors are resets", () => {
    const m = malformedError("bad");
    expect(classifyNetworkError(m)).toBe(m);
    expect(classifyNetworkError(new Error("weird"))).toMatchObject({ errorClass: "reset", retryable: true });
  });
});

describe("parseRetryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("retry-after-ms, retry-after seconds and HTTP dates", () => {
    expect(parseRetryAfterMs({ "retry-after-ms": "1234.6" }, now)).toBe(1235);
    expect(parseRetryAfterMs({ "retry-after": "20" }, now)).toBe(20_000);
    expect(parseRetryAfterMs({ "retry-after": "0.5" }, now)).toBe(500);
    expect(parseRetryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }, now)).toBe(30_000);
    expect(parseRetryAfterMs({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, now)).toBe(0);
    expect(parseRetryAfterMs({ "retry-after-ms": "x", "retry-after": "2" }, now)).toBe(2000);
  });

  it("x-ratelimit-reset as seconds, epoch seconds, epoch ms or a duration", () => {
    expect(parseRetryAfterMs({ "x-ratelimit-reset": "12" }, now)).toBe(12_000);
    expect(parseRetryAfterMs({ "x-ratelimit-reset": String(now / 1000 + 9) }, now)).toBe(9000);
    expect(parseRetryAfterMs({ "x-ratelimit-reset": String(now + 700) }, now)).toBe(700);
    expect(parseRetryAfterMs({ "x-ratelimit-reset": "1m30s" }, now)).toBe(90_000);
  });

  it("OpenAI's reset durations (the longer one) and Anthropic's reset instants (the latest)", () => {
    expect(parseRetryAfterMs({ "x-ratelimit-reset-requests": "20ms", "x-ratelimit-reset-tokens": "6m0s" }, now)).toBe(360_000);
    expect(
      parseRetryAfterMs({ "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:05Z", "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:08Z" }, now),
    ).toBe(8000);
  });

  it("precedence: retry-after-ms > retry-after > x-ratelimit-reset; nothing usable -> undefined", () => {
    expect(parseRetryAfterMs({ "retry-after-ms": "100", "retry-after": "9", "x-ratelimit-reset": "30" }, now)).toBe(100);
    expect(parseRetryAfterMs({ "retry-after": "9", "x-ratelimit-reset": "30" }, now)).toBe(9000);
    expect(parseRetryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(parseRetryAfterMs({}, now)).toBeUndefined();
    expect(parseRetryAfterMs({ "retry-after": ["4", "5"] }, now)).toBe(4000);
  });

  it("parseDurationMs", () => {
    expect(parseDurationMs("1h2m3.5s")).toBe(3_723_500);
    expect(parseDurationMs("2m")).toBe(120_000);
    expect(parseDurationMs("1.5s")).toBe(1500);
    expect(parseDurationMs("20ms")).toBe(20);
    expect(parseDurationMs("")).toBeUndefined();
    expect(parseDurationMs("soon")).toBeUndefined();
  });
});
