// GET /health, GET /settings and GET /.well-known/jwks.json: what GoTrue tells anyone.
import type { StandInContext } from "../context.ts";
import { jsonResponse } from "../errors.ts";
import { publicSettings } from "../settings.ts";

export function health(): Response {
  return jsonResponse(200, { version: "local-stand-in", name: "GoTrue", description: "GoTrue is a user registration and authentication API" });
}

export function settings(): Response {
  return jsonResponse(200, publicSettings);
}

export function jwks(ctx: StandInContext): Response {
  return jsonResponse(200, ctx.tokens.jwks, { "cache-control": "public, max-age=600" });
}
