import { healthResponse } from "@/lib/health/check";

// Served by server.ts's fast path in every role; this handler is for
// Next-only deployments (`next start`).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function GET(): Promise<Response> {
  const { status, headers, body } = await healthResponse();
  return Response.json(body, { status, headers });
}
