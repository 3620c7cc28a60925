import { BadRequestError, GatehouseError } from "@/lib/errors";
import type { Stage } from "@/lib/gateway/types";

/**
 * Stage 1, parse. The adapters enforce the size limit while reading (so an
 * oversized body is never buffered whole) and the request id is settled in
 * handle(); this stage turns the body into JSON for endpoints that take one.
 * Issue 3 adds per-endpoint zod validation and the idempotency key here.
 */
export function payloadTooLarge(maxBytes: number): GatehouseError {
  return new GatehouseError("payload_too_large", `Request body is larger than the limit of ${maxBytes} bytes`, {
    type: "invalid_request_error",
  });
}

export const parseJson: Stage = (ctx) => {
  const raw = ctx.req.body;
  if (!raw || raw.length === 0) throw new BadRequestError("A JSON request body is required", null, "invalid_json");
  try {
    ctx.body = JSON.parse(raw.toString("utf8")) as unknown;
  } catch {
    throw new BadRequestError("The request body is not valid JSON", null, "invalid_json");
  }
};
