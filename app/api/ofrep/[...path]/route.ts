import { serveWeb } from "@/lib/gateway/web-adapter";

// `/api/ofrep/v1/*`: OpenFeature flag evaluation (OFREP) through the Web
// adapter, for Next-only deployments; server.ts serves `/ofrep/*` on the
// node:http fast path. Every method is bound so a wrong one gets OFREP's 405.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = (req: Request) => serveWeb(req);
export const POST = GET;
export const PUT = GET;
export const PATCH = GET;
export const DELETE = GET;
