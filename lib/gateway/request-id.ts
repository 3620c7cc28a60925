import { newId } from "@/lib/ids";

/** A caller's id is kept when it is short and plain; anything else gets a fresh `req_...`. */
const VALID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function resolveRequestId(header: string | undefined): string {
  return header && VALID.test(header) ? header : newId("request");
}
