"use client";

import { z } from "zod";

/**
 * The browser's one way to call the control-plane JSON API (`/api/admin/...`).
 * Every response is parsed with the domain's zod schema; an error body
 * (`{ error: { message, type, param, code } }`) becomes an ApiError whose
 * message is safe to show inline. A 401 means the session expired: the page
 * is sent to /sign-in with a callbackUrl back here.
 */

const ErrorEnvelope = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    param: z.string().nullish(),
    code: z.string().nullish(),
  }),
});

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export function apiErrorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof z.ZodError) return "The server sent an unexpected response.";
  return "Could not reach the server. Check your connection and try again.";
}

export function tenantApi(slug: string, path: string): string {
  return `/api/admin/tenants/${encodeURIComponent(slug)}/${path}`;
}

export function redirectToSignIn(): void {
  if (typeof window === "undefined") return;
  const here = window.location.pathname + window.location.search;
  // A full load on purpose: the server shell must re-check the session and the client cache is dropped.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/sign-in?callbackUrl=${encodeURIComponent(here)}`);
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

async function request(method: Method, url: string, body?: unknown): Promise<unknown> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401) redirectToSignIn();
    const parsed = ErrorEnvelope.safeParse(json);
    if (parsed.success) {
      const e = parsed.data.error;
      throw new ApiError(e.message, res.status, e.code ?? null, e.param ?? null);
    }
    throw new ApiError(`Request failed (${res.status} ${res.statusText})`, res.status);
  }
  return json;
}

const DataEnvelope = z.object({ data: z.unknown() });
const PageEnvelope = z.object({ data: z.array(z.unknown()), nextCursor: z.string().nullable().optional() });

/** `{ data: T }` */
export async function fetchData<S extends z.ZodType>(url: string, schema: S): Promise<z.output<S>> {
  const json = await request("GET", url);
  return schema.parse(DataEnvelope.parse(json).data);
}

/** `{ data: T[], nextCursor }` */
export async function fetchPage<S extends z.ZodType>(
  url: string,
  item: S,
): Promise<{ data: Array<z.output<S>>; nextCursor: string | null }> {
  const json = await request("GET", url);
  const page = PageEnvelope.parse(json);
  return { data: page.data.map((row) => item.parse(row)), nextCursor: page.nextCursor ?? null };
}

export async function sendData<S extends z.ZodType>(
  method: Exclude<Method, "GET">,
  url: string,
  body: unknown,
  schema: S,
): Promise<z.output<S>> {
  const json = await request(method, url, body);
  return schema.parse(DataEnvelope.parse(json).data);
}
