// RLS matrices: each case runs one statement as one persona, exactly as PostgREST
// would (connected as a login role that holds nothing itself, the servers' previewcv_api,
// `role` switched, `request.jwt.claims` set, in a transaction), and is always rolled
// back so cases never see each other's writes.
import { expect } from "bun:test";
import { databaseErrorOf } from "../../src/core/errors.ts";
import { asPostgrestCaller, type Caller, type Sql, type Transaction } from "../../src/db/client.ts";

export type Outcome = { ok: true; rows: Record<string, unknown>[] } | { ok: false; code: string; message: string };

class RolledBack extends Error {}

/** Runs `statement` as `caller` and rolls back, returning its rows or its error. */
export async function attempt(
  sql: Sql,
  caller: Caller,
  statement: (tx: Transaction) => Promise<readonly Record<string, unknown>[]>,
): Promise<Outcome> {
  let outcome: Outcome | undefined;
  try {
    await asPostgrestCaller(sql, caller, async (tx) => {
      try {
        outcome = { ok: true, rows: [...(await statement(tx))] };
      } catch (error) {
        const failure = databaseErrorOf(error);
        if (!failure) throw error;
        outcome = { ok: false, code: failure.code, message: failure.message };
      }
      throw new RolledBack();
    });
  } catch (error) {
    if (!(error instanceof RolledBack)) throw error;
  }
  return outcome!;
}

/** What a case must produce. */
export type Expectation =
  | { kind: "rows"; count: number; ids?: unknown[] }
  | { kind: "error"; code: string; message: RegExp };

/** The statement succeeds and returns exactly these ids (order-insensitive). */
export const sees = (...ids: unknown[]): Expectation => ({ kind: "rows", count: ids.length, ids });
/** The statement succeeds and touches/returns this many rows. */
export const rows = (count: number): Expectation => ({ kind: "rows", count });
/** Nothing visible, nothing changed: RLS filtered every row out. */
export const nothing: Expectation = rows(0);
/** No privilege at all (a missing GRANT): `noPrivilege("table profiles")`. */
export const noPrivilege = (object: string): Expectation => ({
  kind: "error",
  code: "42501",
  message: new RegExp(`^permission denied for ${object}$`),
});
/** A write refused by a policy's WITH CHECK. */
export const rlsViolation = (table: string): Expectation => ({
  kind: "error",
  code: "42501",
  message: new RegExp(`new row violates row-level security policy for table "${table}"`),
});
/** Refused by a constraint or a trigger with this SQLSTATE. */
export const refused = (code: string, message: RegExp): Expectation => ({ kind: "error", code, message });

export function expectOutcome(outcome: Outcome, expected: Expectation): void {
  if (expected.kind === "rows") {
    if (!outcome.ok) throw new Error(`expected ${expected.count} row(s), got error ${outcome.code}: ${outcome.message}`);
    if (expected.ids) {
      expect(outcome.rows.map((row) => row.id).sort()).toEqual([...expected.ids].sort());
    } else {
      expect(outcome.rows.length).toBe(expected.count);
    }
  } else {
    if (outcome.ok) throw new Error(`expected error ${expected.code} ${expected.message}, got ${outcome.rows.length} row(s)`);
    expect(outcome.code).toBe(expected.code);
    expect(outcome.message).toMatch(expected.message);
  }
}

/** One row of a matrix: who does what, and what must happen. */
export type MatrixRow<Persona extends string, Action extends string> = [Persona, Action, Expectation];

/**
 * Runs every row of a matrix and fails once, listing every row that did not hold
 * (so one broken policy shows all its consequences at once).
 */
export async function runMatrix<Persona extends string, Action extends string>(
  sql: Sql,
  callers: Record<Persona, Caller>,
  actions: Record<Action, (tx: Transaction, persona: Persona) => Promise<readonly Record<string, unknown>[]>>,
  matrix: MatrixRow<Persona, Action>[],
): Promise<void> {
  const failures: string[] = [];
  for (const [persona, action, expected] of matrix) {
    const outcome = await attempt(sql, callers[persona], (tx) => actions[action](tx, persona));
    try {
      expectOutcome(outcome, expected);
    } catch (error) {
      failures.push(`  ${persona} / ${action}: ${(error as Error).message.split("\n").filter(Boolean).join(" ")}`);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${matrix.length} cases failed:\n${failures.join("\n")}`);
  expect(matrix.length).toBeGreaterThan(0);
}
