// The stand-in's writes that must match GoTrue statement for statement, checked in a
// transaction that is rolled back.
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { confirmEmail, findUserById, insertUser } from "../../../src/local/auth/store.ts";
import { migratedTestDatabase } from "../../support/database.ts";
import { uniqueEmail } from "../../support/personas.ts";

let sql: postgres.Sql;
beforeAll(async () => {
  sql = postgres(await migratedTestDatabase(), { max: 2, onnotice: () => {} });
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => sql.end());

class Rollback extends Error {}

/** Runs `fn` in a transaction and rolls it back; returns what `fn` returned. */
async function rolledBack<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await sql
    .begin(async (tx) => {
      result = await fn(tx);
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return result as T;
}

async function userWithMetadataChangedAfterInsert(tx: postgres.TransactionSql): Promise<string> {
  const id = crypto.randomUUID();
  await insertUser(tx, {
    id,
    aud: "authenticated",
    role: "authenticated",
    email: uniqueEmail("store"),
    password: { plain: "a password", bcryptCost: 4 },
    appMetadata: { provider: "email", providers: ["email"] },
    userMetadata: { user_type: "candidate", note: "as sent" },
  });
  // What an insert trigger might do to the row.
  await tx`update auth.users set raw_user_meta_data = raw_user_meta_data || '{"note": "changed in the database"}' where id = ${id}`;
  return id;
}

test("confirming after a sign-up keeps what the database changed (GoTrue reloads the user first)", async () => {
  const metadata = await rolledBack(async (tx) => {
    const id = await userWithMetadataChangedAfterInsert(tx);
    await confirmEmail(tx, id);
    return (await findUserById(tx, id))!.json.user_metadata;
  });
  expect(metadata).toEqual({ user_type: "candidate", note: "changed in the database", email_verified: true });
});

test("confirming in the admin API writes back the metadata as sent (GoTrue does not reload)", async () => {
  const metadata = await rolledBack(async (tx) => {
    const id = await userWithMetadataChangedAfterInsert(tx);
    await confirmEmail(tx, id, { user_type: "candidate", note: "as sent" });
    return (await findUserById(tx, id))!.json.user_metadata;
  });
  expect(metadata).toEqual({ user_type: "candidate", note: "as sent", email_verified: true });
});
