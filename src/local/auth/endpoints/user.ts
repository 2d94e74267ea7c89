// GET /user (internal/api/user.go): the signed-in user.
import { authenticatedCaller } from "../caller.ts";
import type { StandInContext } from "../context.ts";
import { badRequest, jsonResponse } from "../errors.ts";

export async function getUser(ctx: StandInContext, request: Request): Promise<Response> {
  const { claims, user } = await authenticatedCaller(ctx, request);
  const role = typeof claims.role === "string" ? claims.role : "";
  const expectedAudience = request.headers.get("x-jwt-aud") || (ctx.settings.adminRoles.includes(role) ? ctx.settings.audience : undefined);
  const tokenAudience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof tokenAudience !== "string" || (expectedAudience ?? tokenAudience) !== tokenAudience) {
    throw badRequest("validation_failed", "Token audience doesn't match request audience");
  }
  return jsonResponse(200, user.json);
}
