import { errorResponse, jsonResponse } from "@/lib/http/respond";
import { getOpenApiDocument } from "@/lib/openapi/document";

/** The OpenAPI 3.1 document of the control-plane API (public: it describes shapes, not data). */
export function GET(): Response {
  try {
    return jsonResponse(getOpenApiDocument());
  } catch (err) {
    return errorResponse(err);
  }
}
