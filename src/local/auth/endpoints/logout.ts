// POST /logout (internal/api/logout.go): ends this session, the others, or all of them.
import { authenticatedCaller } from "../caller.ts";
import { databaseStep, type StandInContext } from "../context.ts";
import { badRequest } from "../errors.ts";
import { deleteSessions } from "../store.ts";

export async function logout(ctx: StandInContext, request: Request): Promise<Response> {
  const { user, session } = await authenticatedCaller(ctx, request);
  const requested = new URL(request.url).searchParams.get("scope") ?? "";
  const scope = requested === "" ? "global" : requested;
  if (scope !== "global" && scope !== "local" && scope !== "others") throw badRequest("validation_failed", `Unsupported logout scope "${requested}"`);
  await ctx.sql.begin((tx) => databaseStep("Error logging out user", () => deleteSessions(tx, user.json.id, session ? scope : "global", session?.id)));
  return new Response(null, { status: 204 });
}
