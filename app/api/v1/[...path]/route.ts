import { serveWeb } from "@/lib/gateway/web-adapter";

// Every other `/api/v1/*` path, into the same pipeline (it answers the
// endpoints it knows and an OpenAI-style 404/405 for the rest).
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = (req: Request) => serveWeb(req);
export const POST = GET;
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
