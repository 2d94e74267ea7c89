// The one mapping of database (and Redis) failures to HTTP that both faces use
// (src/core/errors.ts, apiErrorFromDatabase): an outage is 503 with Retry-After, a
// caller who may not act 401 or 403, and what is neither stays a bug (500).
import { describe, expect, test } from "bun:test";
import { apiErrorFromDatabase, callerRefusal } from "../../src/core/errors.ts";
import { CallerRefusedError, type CallerState } from "../../src/db/client.ts";

const failure = (code: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`failure ${code}`), { code, ...fields });
const answered = (error: unknown) => {
  const answer = apiErrorFromDatabase(error);
  return answer && { status: answer.status, body: answer.body, headers: answer.headers };
};

describe("the database out of reach: 503 with Retry-After", () => {
  const outages = [
    // Sockets (postgres.js passes the socket's code through, in Bun and Deno alike).
    "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE",
    // postgres.js's own.
    "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED",
    // The server: class 08, shutting down, crashed, starting up, full.
    "08000", "08001", "08003", "08006", "08P01", "57P01", "57P02", "57P03", "53300",
  ];
  test.each(outages)("%s", (code) => {
    expect(answered(failure(code))).toEqual({
      status: 503,
      body: { success: false, detail: "The database is unreachable right now; try again shortly" },
      headers: { "Retry-After": "5" },
    });
  });

  test("Bun's Redis client losing or never making its connection (the facade's rate limiter)", () => {
    for (const code of ["ERR_REDIS_CONNECTION_CLOSED", "ERR_REDIS_CONNECTION_TIMEOUT"]) {
      const redis = Object.assign(failure(code), { name: "RedisError" });
      expect(answered(redis)).toMatchObject({ status: 503, body: { detail: "The rate limiter is unreachable right now; try again shortly" }, headers: { "Retry-After": "5" } });
    }
    // A script error is a bug, not an outage.
    expect(answered(Object.assign(failure("ERR_REDIS_SERVER_ERROR"), { name: "RedisError" }))).toBeUndefined();
  });

  test("what is not an outage stays what it was: a wrong password or a missing table is a bug (500), a statement timeout 503", () => {
    expect(answered(failure("28P01"))).toBeUndefined();
    expect(answered(failure("42P01"))).toBeUndefined();
    expect(answered(failure("57014"))?.status).toBe(503);
    // Only the error's own code counts: a bug whose cause was a reset socket is still a bug.
    expect(answered(new Error("the handler broke", { cause: failure("ECONNRESET") }))).toBeUndefined();
  });
});

describe("a caller who may not act: 401 or 403, the same from asCaller and from the servers' functions", () => {
  const states: [Exclude<CallerState, "active">, number, string][] = [
    ["deactivated", 403, "Account is inactive"],
    ["banned", 403, "Account is inactive"],
    ["signed_out", 401, "The session has ended: sign in again"],
    ["session_expired", 401, "The session has ended: sign in again"],
    ["anonymous", 401, "The session has ended: sign in again"],
    ["no_account", 401, "The account no longer exists"],
  ];
  test.each(states)("%s: %d", (state, status, detail) => {
    const fromAsCaller = answered(new CallerRefusedError(state));
    expect(fromAsCaller).toMatchObject({ status, body: { success: false, detail } });
    if (status === 401) expect(fromAsCaller!.headers["WWW-Authenticate"]).toStartWith('Bearer error="invalid_token"');
    // private.assert_account_may_act's PT401/PT403, with the state as the error's detail.
    const fromFunction = answered(failure(status === 401 ? "PT401" : "PT403", { detail: state }));
    expect(fromFunction).toEqual(fromAsCaller);
    expect(callerRefusal(state).status).toBe(status);
  });

  test("a trigger's PT403 about something else keeps its own message", () => {
    expect(answered(failure("PT403"))).toMatchObject({ status: 403, body: { detail: "failure PT403" } });
    expect(answered(failure("PT403", { detail: "not a state" }))).toMatchObject({ status: 403, body: { detail: "failure PT403" } });
  });
});
