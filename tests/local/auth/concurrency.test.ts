// Many sign-ups of one email at the same moment: exactly one account.
import { expect, test } from "bun:test";
import { AuthApiError } from "@supabase/supabase-js";
import { testPassword as password } from "../../support/accounts.ts";
import { startAuthStandIn, useAuthStandIn } from "../../support/auth-stand-in.ts";
import { uniqueEmail } from "../../support/personas.ts";

const standIn = useAuthStandIn();

test("20 parallel sign-ups of one email make one user; the others are user_already_exists", async () => {
  const email = uniqueEmail("race");
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      standIn.anonClient().auth.signUp({ email, password, options: { data: { full_name: `Racer ${index}`, user_type: "candidate" } } }),
    ),
  );
  const winners = results.filter((result) => result.error === null);
  const losers = results.filter((result) => result.error !== null);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(19);
  for (const { error } of losers) {
    expect(error).toBeInstanceOf(AuthApiError);
    expect({ status: error!.status, code: error!.code }).toEqual({ status: 422, code: "user_already_exists" });
  }
  const [rows] = await standIn.sql`
    select (select count(*) from auth.users where email = ${email})::int as users,
           (select count(*) from auth.identities where email = ${email})::int as identities,
           (select count(*) from public.profiles where email = ${email})::int as profiles,
           (select count(*) from auth.sessions s join auth.users u on u.id = s.user_id where u.email = ${email})::int as sessions`;
  expect(rows).toEqual({ users: 1, identities: 1, profiles: 1, sessions: 1 } as never);
  expect(winners[0]!.data.user!.email).toBe(email);
});

test("the production bcrypt cost (10) when none is given", async () => {
  const defaults = await startAuthStandIn({ bcryptCost: undefined });
  try {
    const { data, error } = await defaults.anonClient().auth.signUp({ email: uniqueEmail("cost"), password, options: { data: { user_type: "candidate" } } });
    expect(error).toBeNull();
    const [row] = await defaults.sql`select encrypted_password from auth.users where id = ${data.user!.id}`;
    expect(row!.encrypted_password).toMatch(/^\$2a\$10\$.{53}$/);
  } finally {
    await defaults.stop();
  }
});
