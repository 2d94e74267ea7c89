// GoTrue's AccessTokenResponse: what sign-up, sign-in and refresh answer.
import type { Transaction } from "../../db/client.ts";
import { databaseStep, mustFindUser, type StandInContext } from "./context.ts";
import { internalError } from "./errors.ts";
import { findSession, startSession, type ClientInfo, type SessionRow } from "./store.ts";

/** The session's tokens and the user as the database holds it now. */
export async function sessionResponse(
  ctx: StandInContext,
  tx: Transaction,
  userId: string,
  session: SessionRow,
  refreshToken: string,
  extra: Record<string, unknown> = {},
) {
  const user = await mustFindUser(tx, userId);
  const { accessToken, expiresAt } = await ctx.tokens.issueAccessToken(user.json, session);
  return {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: expiresAt - Math.floor(Date.now() / 1000),
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: user.json,
    ...extra,
  };
}

/** A new session for the user (GoTrue's IssueRefreshToken) and its response. */
export async function grantSession(ctx: StandInContext, tx: Transaction, userId: string, client: ClientInfo, extra: Record<string, unknown> = {}) {
  const started = await databaseStep("Database error granting user", () => startSession(tx, userId, client));
  const session = await findSession(tx, started.sessionId);
  if (!session) throw internalError("Database error creating new session");
  return sessionResponse(ctx, tx, userId, session, started.refreshToken, extra);
}
