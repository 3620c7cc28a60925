import type { z } from "zod";
import { BadRequestError, GatehouseError, NotFoundError, validationError } from "@/lib/errors";

const MAX_BODY_BYTES = 1024 * 1024;

export type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Parses the JSON body against `schema`: 400 naming the field on failure. */
export async function parseBody<S extends z.ZodType | undefined>(req: Request, schema: S): Promise<Infer<S>> {
  if (!schema) return undefined as Infer<S>;
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw new GatehouseError("payload_too_large", "Request body too large");
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) throw new GatehouseError("payload_too_large", "Request body too large");
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      throw new BadRequestError("Request body is not valid JSON", null, "invalid_json");
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data as Infer<S>;
}

/** Parses the query string (single values; repeated keys become arrays). */
export function parseQuery<S extends z.ZodType | undefined>(req: Request, schema: S): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const url = new URL(req.url, "http://localhost");
  const raw: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    raw[key] = all.length > 1 ? all : (all[0] ?? "");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error.issues);
  return parsed.data as Infer<S>;
}

/** Validates dynamic route segments; a malformed id is a 404 (nothing has that id). */
export function parseParams<S extends z.ZodType | undefined>(raw: Record<string, string>, schema: S): unknown {
  if (!schema) return raw;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path[0];
    const name = typeof field === "string" ? field : "id";
    throw new NotFoundError(name === "id" ? "resource" : name, String(raw[name] ?? ""));
  }
  return parsed.data;
}
