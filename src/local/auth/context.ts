// What every endpoint of the stand-in works with, and the steps they share.
import { databaseErrorOf } from "../../core/errors.ts";
import type { Sql, Transaction } from "../../db/client.ts";
import { GoTrueHttpError, internalError, isGoTrueError } from "./errors.ts";
import type { AuthStandInSettings } from "./settings.ts";
import { findUserById, type StoredUser } from "./store.ts";
import type { TokenService } from "./tokens.ts";

export interface StandInContext {
  /** A superuser connection (GoTrue has its own privileged role). */
  sql: Sql;
  settings: AuthStandInSettings;
  tokens: TokenService;
  /** Where failures worth a developer's attention go (database errors behind a 500). */
  log: (message: string, error?: unknown) => void;
}

/**
 * Runs one step of a write; a database error becomes GoTrue's 500 with `message`, or,
 * when the email's unique index refused it, the error `onDuplicateEmail` makes.
 */
export async function databaseStep<T>(message: string, run: () => Promise<T>, onDuplicateEmail?: () => GoTrueHttpError): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isGoTrueError(error)) throw error;
    // The unique index is the real guard against two writes of one email at once.
    if (onDuplicateEmail && isUniqueViolation(error, "users_email_partial_key")) throw onDuplicateEmail();
    throw internalError(message, error);
  }
}

/** The user a step of this request has just written or found: its absence is GoTrue's 500. */
export async function mustFindUser(tx: Transaction, userId: string): Promise<StoredUser> {
  const user = await findUserById(tx, userId);
  if (!user) throw internalError("Database error loading user");
  return user;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const failure = databaseErrorOf(error);
  return failure?.code === "23505" && failure.constraint === constraint;
}
