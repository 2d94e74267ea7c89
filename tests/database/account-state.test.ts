// Account state in the database (migrations 20261201000200-0400): which tokens may act,
// what deactivating a recruiter takes off the public listings, and the admin functions
// that deactivate, reactivate and verify, each recorded in the audit log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { asCaller, asPostgrestCaller, CallerRefusedError, type AccessTokenClaims, type Caller, type Transaction } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { claimsFor, createTestUser, startTestSession, type TestUser } from "../support/personas.ts";

let superuser: postgres.Sql;
let api: postgres.Sql;
beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  api = postgres(asAuthenticatorUrl(url), { max: 2, onnotice: () => {} });
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(async () => {
  await api.end();
  await superuser.end();
});

const callerWith = (claims: AccessTokenClaims): Caller => ({ role: "authenticated", claims });

/** What the caller is told about themself, and whether they can read their own profile. */
async function stateOf(caller: Caller): Promise<{ state: string; ownProfile: number }> {
  return asPostgrestCaller(api, caller, async (tx) => {
    const [row] = await tx`select private.caller_state() as state, (select count(*)::int from public.profiles) as own_profile`;
    return { state: row!.state as string, ownProfile: row!.own_profile as number };
  });
}

describe("which tokens may act", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createTestUser(superuser, { fullName: "Stella State" });
  });

  test("a token of a live session of an active account may act", async () => {
    expect(await stateOf(user.caller)).toEqual({ state: "active", ownProfile: 1 });
  });

  test("a token without session_id, with the nil session or a malformed one, is refused without an error", async () => {
    const { session_id: _dropped, ...withoutSession } = user.claims;
    for (const claims of [
      withoutSession as AccessTokenClaims,
      { ...user.claims, session_id: "00000000-0000-0000-0000-000000000000" },
      { ...user.claims, session_id: "not-a-uuid" },
      { ...user.claims, session_id: 42 as unknown as string },
    ]) {
      expect(await stateOf(callerWith(claims))).toEqual({ state: "signed_out", ownProfile: 0 });
    }
  });

  test("another user's live session does not vouch for this user", async () => {
    const other = await createTestUser(superuser);
    expect(await stateOf(callerWith({ ...user.claims, session_id: other.claims.session_id! }))).toEqual({ state: "signed_out", ownProfile: 0 });
  });

  test("a session past its not_after is refused", async () => {
    const session = await startTestSession(superuser, user.id);
    await superuser`update auth.sessions set not_after = now() - interval '1 second' where id = ${session}`;
    expect(await stateOf(callerWith(claimsFor(user.id, user.email, session)))).toEqual({ state: "session_expired", ownProfile: 0 });
    await superuser`update auth.sessions set not_after = now() + interval '1 hour' where id = ${session}`;
    expect(await stateOf(callerWith(claimsFor(user.id, user.email, session)))).toEqual({ state: "active", ownProfile: 1 });
  });

  test("a ban in Supabase Auth (the dashboard's, which ends no session) refuses existing tokens until it lapses", async () => {
    const banned = await createTestUser(superuser);
    await superuser`update auth.users set banned_until = now() + interval '1 hour' where id = ${banned.id}`;
    expect(await stateOf(banned.caller)).toEqual({ state: "banned", ownProfile: 0 });
    await superuser`update auth.users set banned_until = now() - interval '1 second' where id = ${banned.id}`;
    expect(await stateOf(banned.caller)).toEqual({ state: "active", ownProfile: 1 });
  });

  test("a deleted account (GoTrue's soft delete) is refused", async () => {
    const gone = await createTestUser(superuser);
    await superuser`update auth.users set deleted_at = now() where id = ${gone.id}`;
    expect(await stateOf(gone.caller)).toEqual({ state: "no_account", ownProfile: 0 });
  });

  test("the check is evaluated once per statement (an InitPlan), by primary-key lookups", async () => {
    const plan = await asPostgrestCaller(api, user.caller, (tx) => tx`explain (costs off) select id from public.resumes`);
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/InitPlan/);
    // The lookup itself: one probe of each primary key (forced off sequential scans,
    // which a planner prefers on the test database's tiny tables).
    const probe = await superuser.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx`
        explain (costs off)
        select p.is_active, u.banned_until, s.not_after from (values (1)) one (x)
          left join public.profiles p on p.id = ${user.id}
          left join auth.users u on u.id = ${user.id}
          left join auth.sessions s on s.id = ${user.claims.session_id!} and s.user_id = ${user.id}`;
    });
    const probed = probe.map((row) => row["QUERY PLAN"]).join("\n");
    // profiles: its primary key, or the (id, is_active) key, which answers from the index alone.
    expect(probed).toMatch(/Index (Only )?Scan using profiles_(pkey|id_is_active_key) on profiles/);
    expect(probed).toMatch(/Index Scan using users_pkey on users/);
    expect(probed).toMatch(/Index Scan using sessions_pkey on sessions/);
    expect(probed).not.toMatch(/Seq Scan/);
  });
});

describe("the servers' asCaller refuses a caller who may not act (the facade and the functions answer 401/403)", () => {
  test("with the state, whatever the statements did, and rolls their transaction back", async () => {
    const user = await createTestUser(superuser);
    const renamed = (name: string) => (tx: Transaction) => tx`update public.profiles set full_name = ${name} where id = ${user.id} returning id`;
    // Active: the update goes through.
    expect(await asCaller(api, user.caller, renamed("Live"))).toHaveLength(1);

    const ended = callerWith({ ...user.claims, session_id: crypto.randomUUID() });
    const refusal = await asCaller(api, ended, renamed("Ended")).then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(CallerRefusedError);
    expect((refusal as CallerRefusedError).state).toBe("signed_out");
    // PostgREST's way answers the same request with nothing at all.
    expect(await asPostgrestCaller(api, ended, renamed("Ended"))).toHaveLength(0);

    // A statement that fails under RLS is answered with the state, not with its own error.
    await superuser`update auth.users set banned_until = now() + interval '1 hour' where id = ${user.id}`;
    const banned = await asCaller(api, user.caller, (tx) => tx`insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${user.id}, 'x', 'x.pdf', 'x')`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((banned as CallerRefusedError).state).toBe("banned");
    const [profile] = await superuser`select full_name from public.profiles where id = ${user.id}`;
    expect(profile!.full_name).toBe("Live");
  });

  test("anon is never checked: there is no account", async () => {
    expect(await asCaller(api, { role: "anon" }, (tx) => tx`select 1 as one`)).toEqual([{ one: 1 }] as never);
  });
});

describe("a deactivated recruiter leaves the public listings", () => {
  test("postings and the public profile disappear for everyone and come back on reactivation", async () => {
    const username = `gone-${Math.random().toString(36).slice(2, 8)}`;
    const recruiter = await createTestUser(superuser, {
      userType: "recruiter",
      metadata: { recruiter_profile: { username, recruiter_type: "company", company_name: "Gone Corp" } },
    });
    const place = `Gone ${Math.random().toString(36).slice(2, 8)}`;
    const [job] = await superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description, location)
      values (${recruiter.id}, 'Vanishing role', 'Gone Corp', 'Soon gone.', ${place}) returning id`;
    const viewer = await createTestUser(superuser);
    const seen = (caller: Caller) =>
      asPostgrestCaller(api, caller, async (tx) => ({
        listed: (await tx`select id from public.list_open_job_postings(filter_location => ${place})`).length,
        counted: Number((await tx`select public.count_open_job_postings(filter_location => ${place}) as n`)[0]!.n),
        viewed: (await tx`select id from public.view_job_posting(${job!.id})`).length,
        table: (await tx`select id from public.job_postings where id = ${job!.id}`).length,
        profile: (await tx`select id from public.recruiter_profiles where username = ${username}`).length,
        usernameFree: (await tx`select public.recruiter_username_available(${username}) as free`)[0]!.free,
      }));
    const visible = { listed: 1, counted: 1, viewed: 1, table: 1, profile: 1, usernameFree: false };
    const hidden = { listed: 0, counted: 0, viewed: 0, table: 0, profile: 0, usernameFree: false };

    expect(await seen({ role: "anon" })).toEqual(visible);
    await superuser`select * from private.deactivate_account(${recruiter.id}, 'test: hide')`;
    const [copies] = await superuser`
      select (select recruiter_is_active from public.job_postings where id = ${job!.id}) as posting,
             (select recruiter_is_active from public.recruiter_profiles where user_id = ${recruiter.id}) as profile`;
    expect(copies).toEqual({ posting: false, profile: false } as never);
    expect(await seen({ role: "anon" })).toEqual(hidden);
    expect(await seen(viewer.caller)).toEqual(hidden);

    await superuser`select * from private.reactivate_account(${recruiter.id})`;
    expect(await seen({ role: "anon" })).toEqual(visible);
  });

  test("no write, a superuser's included, can store a recruiter_is_active that disagrees with the profile", async () => {
    const recruiter = await createTestUser(superuser, { userType: "recruiter" });
    const error = await superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description, recruiter_is_active)
      values (${recruiter.id}, 'Forged', 'Corp', 'x', false)`.then(() => undefined, (e: { code?: string; constraint_name?: string }) => e);
    expect(error).toMatchObject({ code: "23503", constraint_name: "job_postings_recruiter_fkey" });
  });
});

describe("a direct write of profiles.is_active (the dashboard's Table Editor) does what the admin functions do", () => {
  /** The account as Supabase Auth and the policies see it. */
  async function accountOf(user: TestUser) {
    const [row] = await superuser`
      select p.is_active, u.banned_until,
             (select count(*)::int from auth.sessions s where s.user_id = u.id) as sessions,
             (select count(*)::int from auth.refresh_tokens t where t.user_id = u.id::text) as refresh_tokens
        from public.profiles p join auth.users u on u.id = p.id where p.id = ${user.id}`;
    return row as { is_active: boolean; banned_until: Date | null; sessions: number; refresh_tokens: number };
  }

  test("false: banned in Supabase Auth (as long as deactivate_account bans), every session and refresh token ended, the old token refused", async () => {
    const user = await createTestUser(superuser);
    const second = await startTestSession(superuser, user.id);
    await superuser`
      insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
      values ('00000000-0000-0000-0000-000000000000', ${`rt${crypto.randomUUID()}`}, ${user.id}, false, now(), now(), ${second})`;
    await superuser`update public.profiles set is_active = false where id = ${user.id}`;

    const account = await accountOf(user);
    expect(account).toMatchObject({ is_active: false, sessions: 0, refresh_tokens: 0 });
    expect(account.banned_until!.getTime()).toBeGreaterThan(Date.now() + 99 * 365 * 86_400_000);
    // The same ban the admin function writes.
    const other = await createTestUser(superuser);
    const [byAdmin] = await superuser`select banned_until from private.deactivate_account(${other.id}, 'test: compare')`;
    expect(Math.abs(account.banned_until!.getTime() - (byAdmin!.banned_until as Date).getTime())).toBeLessThan(60_000);
    expect(await stateOf(user.caller)).toEqual({ state: "deactivated", ownProfile: 0 });
  });

  test("true: the ban lifted (an admin's deactivation undone in the Table Editor); ended sessions stay ended, a new sign-in may act", async () => {
    const user = await createTestUser(superuser);
    await superuser`select private.deactivate_account(${user.id}, 'test: undone by hand')`;
    await superuser`update public.profiles set is_active = true where id = ${user.id}`;
    expect(await accountOf(user)).toMatchObject({ is_active: true, banned_until: null, sessions: 0 });
    expect(await stateOf(user.caller)).toEqual({ state: "signed_out", ownProfile: 0 });
    const fresh = await startTestSession(superuser, user.id);
    expect(await stateOf(callerWith(claimsFor(user.id, user.email, fresh)))).toEqual({ state: "active", ownProfile: 1 });
  });

  test("a write that leaves is_active as it was changes neither the ban nor the sessions", async () => {
    const active = await createTestUser(superuser);
    await superuser`update public.profiles set full_name = 'Renamed by an admin', is_active = true where id = ${active.id}`;
    expect(await accountOf(active)).toMatchObject({ is_active: true, banned_until: null, sessions: 1 });
    // A ban from the dashboard (Supabase Auth's own, not a deactivation) stays through other edits.
    const banned = await createTestUser(superuser);
    await superuser`update auth.users set banned_until = now() + interval '1 day' where id = ${banned.id}`;
    await superuser`update public.profiles set full_name = 'Still banned' where id = ${banned.id}`;
    expect((await accountOf(banned)).banned_until).not.toBeNull();
  });

  test("the admin functions and the trigger are one rule: deactivate_account reports the sessions the rule ended", async () => {
    const user = await createTestUser(superuser);
    await startTestSession(superuser, user.id);
    const [first] = await superuser`select sessions_ended, was_active from private.deactivate_account(${user.id}, 'test: once')`;
    expect(first).toEqual({ sessions_ended: 2, was_active: true } as never);
    // Deactivating again (is_active unchanged, so no trigger) still ends a session that appeared since.
    await startTestSession(superuser, user.id);
    const [again] = await superuser`select sessions_ended, was_active from private.deactivate_account(${user.id}, 'test: twice')`;
    expect(again).toEqual({ sessions_ended: 1, was_active: false } as never);
  });
});

describe("admin functions", () => {
  test("deactivate: profile off, banned in Supabase Auth, every session ended, recorded with who and why", async () => {
    const user = await createTestUser(superuser);
    const second = await startTestSession(superuser, user.id);
    await superuser`
      insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, session_id)
      values ('00000000-0000-0000-0000-000000000000', ${`rt${Date.now()}`}, ${user.id}, false, now(), now(), ${second})`;
    const [result] = await superuser`select * from private.deactivate_account(${user.id}, '  spam  ', 'ops@example.test')`;
    expect(result).toMatchObject({ user_id: user.id, was_active: true, sessions_ended: 2 });
    expect((result!.banned_until as Date).getTime()).toBeGreaterThan(Date.now() + 99 * 365 * 86_400_000);

    const [state] = await superuser`
      select (select is_active from public.profiles where id = ${user.id}) as active,
             (select count(*)::int from auth.sessions where user_id = ${user.id}) as sessions,
             (select count(*)::int from auth.refresh_tokens where user_id = ${user.id}) as refresh_tokens`;
    expect(state).toEqual({ active: false, sessions: 0, refresh_tokens: 0 } as never);
    const [audit] = await superuser`
      select action, reason, actor, db_role, db_login, created_at > now() - interval '1 minute' as recent
        from private.account_audit_log where user_id = ${user.id}`;
    expect(audit).toEqual({ action: "deactivate", reason: "spam", actor: "ops@example.test", db_role: "postgres", db_login: "postgres", recent: true } as never);
    // Its old token: refused (deactivated, and its session is gone too).
    expect(await stateOf(user.caller)).toEqual({ state: "deactivated", ownProfile: 0 });
  });

  test("reactivate: profile on, ban lifted, recorded; ended sessions stay ended", async () => {
    const user = await createTestUser(superuser);
    await superuser`select * from private.deactivate_account(${user.id}, 'test')`;
    const [result] = await superuser`select * from private.reactivate_account(${user.id}, actor => 'ops')`;
    expect(result).toEqual({ user_id: user.id, was_active: false } as never);
    const [state] = await superuser`
      select p.is_active, u.banned_until from public.profiles p join auth.users u on u.id = p.id where p.id = ${user.id}`;
    expect(state).toEqual({ is_active: true, banned_until: null } as never);
    expect(await stateOf(user.caller)).toEqual({ state: "signed_out", ownProfile: 0 });
    const fresh = await startTestSession(superuser, user.id);
    expect(await stateOf(callerWith(claimsFor(user.id, user.email, fresh)))).toEqual({ state: "active", ownProfile: 1 });
    const actions = await superuser`select action, actor from private.account_audit_log where user_id = ${user.id} order by id`;
    expect(actions.map((row) => [row.action, row.actor])).toEqual([["deactivate", null], ["reactivate", "ops"]]);
  });

  test("verify and unverify a recruiter: is_verified shows on the public profile; recorded", async () => {
    const username = `verify-${Math.random().toString(36).slice(2, 8)}`;
    const recruiter = await createTestUser(superuser, {
      userType: "recruiter",
      metadata: { recruiter_profile: { username, recruiter_type: "company", company_name: "Checked Corp" } },
    });
    const publicFlag = async () =>
      (await asPostgrestCaller(api, { role: "anon" }, (tx) => tx`select is_verified from public.recruiter_profiles where username = ${username}`))[0]!.is_verified;
    expect(await publicFlag()).toBe(false);
    const [verified] = await superuser`select * from private.verify_recruiter(${recruiter.id}, actor => 'ops')`;
    expect(verified).toEqual({ user_id: recruiter.id, username, is_verified: true, was_verified: false } as never);
    expect(await publicFlag()).toBe(true);
    const [unverified] = await superuser`select * from private.unverify_recruiter(${recruiter.id}, 'documents expired')`;
    expect(unverified).toEqual({ user_id: recruiter.id, username, is_verified: false, was_verified: true } as never);
    expect(await publicFlag()).toBe(false);
    const actions = await superuser`select action, reason, actor from private.account_audit_log where user_id = ${recruiter.id} order by id`;
    expect(actions.map((row) => [row.action, row.reason, row.actor])).toEqual([
      ["verify_recruiter", null, "ops"],
      ["unverify_recruiter", "documents expired", null],
    ]);
  });

  test("mistakes are clear errors: no reason, unknown account, no recruiter profile, control characters", async () => {
    const candidate = await createTestUser(superuser);
    const failure = (statement: Promise<unknown>) => statement.then(() => undefined, (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }));
    expect(await failure(superuser`select * from private.deactivate_account(${candidate.id}, '  ')`)).toEqual({ code: "22023", message: "a deactivation needs a reason" });
    expect(await failure(superuser`select * from private.deactivate_account(${candidate.id}, ${"x\u0007y"})`)).toEqual({ code: "22023", message: "reason must not contain control characters" });
    const nobody = crypto.randomUUID();
    expect(await failure(superuser`select * from private.deactivate_account(${nobody}, 'x')`)).toEqual({ code: "P0002", message: `no account has id ${nobody}` });
    expect(await failure(superuser`select * from private.reactivate_account(${nobody})`)).toEqual({ code: "P0002", message: `no account has id ${nobody}` });
    expect(await failure(superuser`select * from private.verify_recruiter(${candidate.id})`)).toEqual({
      code: "P0002",
      message: `no recruiter profile belongs to account ${candidate.id}`,
    });
    const [left] = await superuser`select count(*)::int as n from private.account_audit_log where user_id = ${candidate.id}`;
    expect(left!.n).toBe(0);
  });

  test("nobody but an admin may run them: not the API roles, not the servers' role", async () => {
    const user = await createTestUser(superuser);
    for (const caller of [{ role: "anon" } as Caller, user.caller]) {
      const error = await asPostgrestCaller(api, caller, (tx) => tx`select * from private.deactivate_account(${user.id}, 'x')`).then(
        () => undefined,
        (e: { code?: string; message?: string }) => e,
      );
      expect(error).toMatchObject({ code: "42501", message: "permission denied for function deactivate_account" });
    }
    for (const statement of [
      api`select * from private.deactivate_account(${user.id}, 'x')`,
      api`select * from private.reactivate_account(${user.id})`,
      api`select * from private.verify_recruiter(${user.id})`,
      api`select * from private.unverify_recruiter(${user.id})`,
      api`select id from private.account_audit_log`,
    ]) {
      const error = await statement.then(() => undefined, (e: { code?: string }) => e);
      expect(error?.code).toBe("42501");
    }
  });
});
