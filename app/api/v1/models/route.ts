import { serveWeb } from "@/lib/gateway/web-adapter";

// `/api/v1/models`: the same pipeline as the /v1 fast path in server.ts,
// through Web Request/Response (Next-only deployments). Every method is bound
// so a wrong one gets the pipeline's OpenAI-style 405, not Next's empty one.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = (req: Request) => serveWeb(req);
export const POST = GET;
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
