// Personal data in the database (migrations 20261203300100-300): the registry covers
// every table that can hold someone's data; the export holds every row the person owns
// (as the RLS matrices show them to the person, plus what no API role may read); the
// erasure leaves no trace of them anywhere while others keep their records; deleting a
// resume keeps the applications made with it; retention cuts what it must, when it must.
// Called as the servers call them (their login role), as the caller for the export.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { asPostgrestCaller, createDatabasePool, type Sql, type Transaction } from "../../src/db/client.ts";
import { supabaseDir } from "../../src/local/paths.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { buildFullAccount, tracesOf, type FullAccount } from "../support/personal-data.ts";
import { createTestUser, type TestUser } from "../support/personas.ts";
import { attempt } from "../support/rls.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: Sql; // the servers' login role, previewcv_api

beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, {
    max: 2,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
  });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 2 });
});
afterAll(async () => {
  await server.end();
  await superuser.end();
});

describe("the registry (private.personal_data)", () => {
  test("lists every table of public and private that holds a user reference", async () => {
    // A user reference: a uuid (user ids), an inet (addresses), one of the ids of rows
    // that belong to someone (resume_id, job_id, ...; some queues keep no foreign key), or
    // a foreign key to a table that holds one.
    const missing = await superuser`
      with recursive candidates as (
        select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('public', 'private') and c.relkind in ('r', 'p')
      ), holding as (
        select t.oid from candidates t
         where exists (
           select 1 from pg_attribute a
            where a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
              and (a.atttypid in ('uuid'::regtype, 'inet'::regtype)
                   or a.attname in ('resume_id', 'job_id', 'application_id', 'endpoint_id', 'delivery_id', 'erasure_id'))
         )
        union
        select f.conrelid from pg_constraint f join holding h on f.confrelid = h.oid where f.contype = 'f'
      )
      select format('%I.%I', n.nspname, c.relname) as name
        from holding h join pg_class c on c.oid = h.oid join pg_namespace n on n.oid = c.relnamespace
       where h.oid in (select oid from candidates)
         and h.oid not in (select d.relation from private.personal_data d)
       order by 1`;
    expect(missing.map((row) => row.name)).toEqual([]);
  });

  test("every entry's condition runs, and every table with stored files queues them when a row goes", async () => {
    const entries = await superuser<{ relation: string; subject_rows: string; file_columns: string[] }[]>`
      select d.relation::text as relation, d.subject_rows, d.file_columns from private.personal_data d order by 1`;
    expect(entries.length).toBeGreaterThanOrEqual(20);
    for (const entry of entries) {
      // (The parameters typed as the erasure and the export pass them.)
      await superuser.unsafe(
        `select count(*) from ${entry.relation} as t where (${entry.subject_rows}) and $1::uuid is not null and $2::text is not null and $3::text[] is not null`,
        [crypto.randomUUID(), "nobody@example.test", ["192.0.2.1"]],
      );
    }
    const withFiles = entries.filter((entry) => entry.file_columns.length > 0).map((entry) => entry.relation);
    expect(withFiles).toEqual(["resumes"]);
    const triggers = await superuser`
      select t.tgrelid::regclass::text as relation from pg_trigger t
       where t.tgfoid = 'private.queue_stored_files()'::regprocedure and not t.tgisinternal order by 1`;
    expect(triggers.map((row) => row.relation)).toEqual(withFiles);
  });

  test("no API role reads the registry, the erasures or the file queue", async () => {
    for (const table of ["private.personal_data", "private.account_erasures", "private.stored_file_deletions"]) {
      const [row] = await superuser`
        select has_table_privilege('authenticated', ${table}::regclass, 'select') as authenticated,
               has_table_privilege('anon', ${table}::regclass, 'select') as anon,
               has_table_privilege('previewcv_api', ${table}::regclass, 'select') as server`;
      expect([table, row]).toEqual([table, { authenticated: false, anon: false, server: false } as never]);
    }
  });
});

/** The ids (or shard keys) of rows the person sees as their own under RLS, per export section. */
async function ownRowsUnderRls(account: FullAccount): Promise<Record<string, unknown[]>> {
  const X = account.user.id;
  const ids = async (query: Promise<readonly Record<string, unknown>[]>) => (await query).map((row) => row.id).sort();
  return asPostgrestCaller(server, account.user.caller, async (tx: Transaction) => ({
    profile: await ids(tx`select id from public.profiles where id = ${X}`),
    recruiter_profile: await ids(tx`select id from public.recruiter_profiles where user_id = ${X}`),
    resumes: await ids(tx`select id from public.resumes`),
    resume_view_counters: await ids(tx`select resume_id || ':' || shard as id from public.resume_view_counters`),
    resume_access_logs: await ids(tx`select id from public.resume_access_logs`),
    job_postings: await ids(tx`select id from public.job_postings where recruiter_id = ${X}`),
    job_posting_view_counters: await ids(tx`
      select c.job_id || ':' || c.shard as id from public.job_posting_view_counters c
        join public.job_postings j on j.id = c.job_id where j.recruiter_id = ${X}`),
    job_applications: await ids(tx`select id from public.job_applications where candidate_id = ${X}`),
    job_application_status_history: await ids(tx`
      select h.id from public.job_application_status_history h
        join public.job_applications a on a.id = h.application_id
       where a.candidate_id = ${X} or h.changed_by = ${X}`),
    notifications: await ids(tx`select id from public.notifications`),
    webhook_endpoints: await ids(tx`select id from public.webhook_endpoints`),
    webhook_deliveries: await ids(tx`select id from public.webhook_deliveries`),
    webhook_delivery_attempts: await ids(tx`select id from public.webhook_delivery_attempts`),
  }));
}

const keyOf = (section: string, row: Record<string, unknown>) =>
  section === "resume_view_counters" ? `${row.resume_id}:${row.shard}` : section === "job_posting_view_counters" ? `${row.job_id}:${row.shard}` : row.id;

describe("the export (public.export_my_data)", () => {
  let account: FullAccount;
  let document: Record<string, any>;

  beforeAll(async () => {
    account = await buildFullAccount(superuser);
    const [row] = await asPostgrestCaller(server, account.user.caller, (tx) => tx`select public.export_my_data() as document`);
    document = row!.document as Record<string, any>;
  });

  test("holds every row the person owns under RLS, and nothing of anyone else", async () => {
    const own = await ownRowsUnderRls(account);
    for (const [section, expected] of Object.entries(own)) {
      const exported = ((document.data[section] ?? []) as Record<string, unknown>[]).map((row) => keyOf(section, row)).sort();
      expect([section, exported]).toEqual([section, expected]);
      expect([section, exported.length > 0]).toEqual([section, true]);
    }
  });

  test("holds what no API role may read: the account, sessions, identities, the admins' changes", async () => {
    const X = account.user.id;
    const truth = {
      account: (await superuser`select id from auth.users where id = ${X}`).map((row) => row.id),
      sessions: (await superuser`select id from auth.sessions where user_id = ${X} order by id`).map((row) => row.id),
      identities: (await superuser`select id from auth.identities where user_id = ${X} order by id`).map((row) => row.id),
      account_changes: (await superuser`select id from private.account_audit_log where user_id = ${X} order by id`).map((row) => Number(row.id)),
    };
    for (const [section, expected] of Object.entries(truth)) {
      const exported = (document.data[section] as Record<string, unknown>[]).map((row) => row.id);
      expect([section, [...exported].sort()]).toEqual([section, [...expected].sort()]);
      expect(expected.length).toBeGreaterThan(0);
    }
    expect(document.data.sessions[0].ip).toBe(account.sessionIp);
  });

  test("every section the registry exports has the person's rows, with what it is, and no secret", async () => {
    const sections = (await superuser`select export_as from private.personal_data where export_as is not null order by 1`).map((row) => row.export_as);
    expect(Object.keys(document.data).sort()).toEqual(sections);
    expect(Object.keys(document.about).sort()).toEqual(sections);
    for (const section of sections) expect([section, document.data[section].length > 0]).toEqual([section, true]);
    const text = JSON.stringify(document);
    for (const secret of ["secret_ciphertext", "previous_secret_ciphertext", "encrypted_password", "recovery_token", "lease_token", "db_login"]) {
      expect([secret, text.includes(`"${secret}"`)]).toEqual([secret, false]);
    }
    expect(document.format).toBe("previewcv-export/1");
    expect(document.user_id).toBe(account.user.id);
    expect(document.data.profile[0]).toMatchObject({ id: account.user.id, email: account.user.email, full_name: account.fullName });
    expect(document.data.webhook_endpoints[0]).toMatchObject({ url: "https://hooks.example.com/in" });
  });

  test("lists the stored files (PDFs and thumbnail) and each resume's analytics, share links included", async () => {
    expect(document.files.map((file: { storage_key: string }) => file.storage_key).sort()).toEqual([...account.files].sort());
    expect(document.files[0]).toMatchObject({ source: "resumes", column: "pdf_filename" });
    expect(document.files.find((file: { column: string }) => file.column === "thumbnail_key")).toMatchObject({ source: "resumes", row_id: account.resumes[0]!.id });
    const analytics = document.resume_analytics.find((entry: { resume_id: number }) => entry.resume_id === account.resumes[0]!.id);
    // (The view still waiting for the worker counts as a first view until it is told.)
    expect(analytics).toMatchObject({ total_views: 4, unique_visitors: 3 });
    const viaLink = analytics.breakdown.links.find((link: { link_id: number | null }) => link.link_id === account.shareLink.id);
    expect(viaLink).toMatchObject({ human_views: 1, unique_visitors: 1 });
    expect(document.data.resume_share_links).toEqual([expect.objectContaining({ id: account.shareLink.id, token: account.shareLink.token, has_password: true })]);
    expect(document.data.resume_share_links[0]).not.toHaveProperty("password_hash");
    expect(document.data.resume_access_logs.map((log: { viewer_email: string | null }) => log.viewer_email)).toContain(account.shareLink.viewerEmail);
  });

  test("another user exports only their own rows; a signed-out token gets nothing; anon may not call it", async () => {
    const stranger = await createTestUser(superuser, { fullName: "Stranger Export" });
    const [row] = await asPostgrestCaller(server, stranger.caller, (tx) => tx`select public.export_my_data() as document`);
    const theirs = row!.document as Record<string, any>;
    expect(theirs.user_id).toBe(stranger.id);
    expect(JSON.stringify(theirs)).not.toContain(account.user.id);
    expect(theirs.data.resumes).toEqual([]);

    await superuser`delete from auth.sessions where user_id = ${stranger.id}`;
    const [ended] = await asPostgrestCaller(server, stranger.caller, (tx) => tx`select public.export_my_data() as document`);
    expect(ended!.document).toBeNull();

    const anon = await attempt(server, { role: "anon" }, (tx) => tx`select public.export_my_data() as document`);
    expect(anon).toMatchObject({ ok: false, code: "42501" });
  });
});

describe("erasure (private.begin_account_erasure, then the auth user and the files)", () => {
  let account: FullAccount;
  let erasure: { erasure_id: number; status: string; storage_keys: string[] };

  beforeAll(async () => {
    account = await buildFullAccount(superuser);
  });

  test("refuses a token whose session ended, and another person's session", async () => {
    const other = await createTestUser(superuser, { fullName: "Someone Else" });
    const wrongSession = server`select * from private.begin_account_erasure(${account.user.id}::uuid, ${other.claims.session_id!}::uuid)`;
    expect(await wrongSession.catch((error) => error.code)).toBe("PT401");
    expect(await superuser`select id from private.account_erasures where user_id = ${account.user.id}`).toEqual([] as never);
  });

  test("disables the account at once and deletes its rows, in one transaction", async () => {
    const [begun] = await server<typeof erasure[]>`
      select * from private.begin_account_erasure(${account.user.id}::uuid, ${account.user.claims.session_id!}::uuid)`;
    erasure = begun!;
    expect(erasure!.status).toBe("pending");
    expect([...erasure!.storage_keys].sort()).toEqual([...account.files].sort());
    const X = account.user.id;
    const [user] = await superuser`select banned_until > now() + interval '50 years' as banned, (select count(*)::int from auth.sessions where user_id = ${X}) as sessions from auth.users where id = ${X}`;
    expect(user).toEqual({ banned: true, sessions: 0 } as never);
    expect(await superuser`select id from public.profiles where id = ${X}`).toEqual([] as never);
    const [state] = await server`select * from private.account_erasure_state(${X}::uuid, null)`;
    expect(state).toEqual({ state: "erasing", erasure_id: erasure!.erasure_id, pending_files: 3 } as never);
    // Asked again while pending: the same erasure, the same files.
    const [again] = await server`select * from private.begin_account_erasure(${X}::uuid, ${account.user.claims.session_id!}::uuid)`;
    expect(again!.erasure_id).toBe(erasure!.erasure_id);
  });

  test("others keep their records without the person: applications, postings, history", async () => {
    const [own] = await superuser`select * from public.job_applications where id = ${account.applications.own}`;
    expect(own).toMatchObject({ status: "withdrawn", candidate_id: null, resume_id: null, cover_letter: null });
    expect(own!.candidate_erased_at).not.toBeNull();
    expect(own!.resume_deleted_at).not.toBeNull();
    const history = await superuser`
      select from_status, to_status, changed_by, changed_by_role from public.job_application_status_history
       where application_id = ${account.applications.own} order by id`;
    expect(history.map((row) => [row.from_status, row.to_status, row.changed_by, row.changed_by_role])).toEqual([
      [null, "pending", null, "candidate"],
      ["pending", "reviewed", account.others.recruiter.id, "recruiter"],
      ["reviewed", "withdrawn", null, "candidate"],
    ]);
    // The recruiter still lists it, saying the candidate is gone.
    const applicants = await asPostgrestCaller(server, account.others.recruiter.caller, (tx) => tx`select * from public.job_applicants(${account.others.recruiterJob})`);
    expect(applicants.map((row) => [row.application_id, row.candidate_id, row.candidate_email, row.resume_id, row.status])).toEqual([
      [account.applications.own, null, null, null, "withdrawn"],
    ]);

    // The posting another candidate applied to stays, closed, without its recruiter; the other is gone.
    const postings = await superuser`select id, recruiter_id, is_active from public.job_postings where id in ${superuser([account.postings.withApplicant, account.postings.withoutApplicant])}`;
    expect(postings.map((row) => ({ ...row }))).toEqual([{ id: account.postings.withApplicant, recruiter_id: null, is_active: false }] as never);
    const [received] = await superuser`select candidate_id, status from public.job_applications where id = ${account.applications.received}`;
    expect(received).toEqual({ candidate_id: account.others.candidate.id, status: "reviewed" } as never);
    // The candidate keeps reading the posting they applied to (their applied-to postings).
    const seen = await asPostgrestCaller(server, account.others.candidate.caller, (tx) => tx`select id, title from public.job_postings where id = ${account.postings.withApplicant}`);
    expect(seen.map((row) => row.title)).toEqual(["Illustrator"]);

    // What the other recruiter was told no longer names the person.
    const [notification] = await superuser`select data from public.notifications where id = ${account.mentions.notification}`;
    expect(notification!.data).toMatchObject({ candidate_id: null, application_id: account.applications.own });
    const [delivery] = await superuser`select payload from public.webhook_deliveries where id = ${account.mentions.delivery}`;
    expect(delivery!.payload.data).toMatchObject({ candidate_id: null, application_id: account.applications.own });
  });

  test("completes once Supabase Auth deleted the user and the storage every file; then nothing anywhere names the person", async () => {
    const X = account.user.id;
    // Supabase Auth said it deleted the user, but had not: not believed.
    expect((await server`select private.record_auth_user_deletion(${erasure.erasure_id}::bigint, null, 0) as state`)[0]!.state).toBe("pending");
    const [before] = await superuser`select last_error from private.account_erasures where id = ${erasure.erasure_id}`;
    expect(before!.last_error).toContain("still there");
    // What Supabase Auth's admin delete does (the local stand-in runs the same statement).
    await superuser`delete from auth.users where id = ${X}`;
    expect((await server`select private.record_auth_user_deletion(${erasure.erasure_id}::bigint, null, 0) as state`)[0]!.state).toBe("pending");
    // The storage fails once, then deletes.
    const [firstKey, ...otherKeys] = erasure.storage_keys;
    expect((await server`select private.record_stored_file_deletion(${firstKey!}, 'StorageError server 503', 0) as state`)[0]!.state).toBe("retry");
    expect((await server`select private.record_stored_file_deletion(${firstKey!}, null, 0) as state`)[0]!.state).toBe("pending");
    const states: string[] = [];
    for (const key of otherKeys) states.push((await server`select private.record_stored_file_deletion(${key}, null, 0) as state`)[0]!.state);
    expect(states).toEqual(["pending", "completed"]);

    const [done] = await superuser`select user_id, completed_at is not null as completed, files_queued from private.account_erasures where id = ${erasure.erasure_id}`;
    expect(done).toEqual({ user_id: null, completed: true, files_queued: 3 } as never);
    const [state] = await server`select state from private.account_erasure_state(${X}::uuid, null)`;
    expect(state!.state).toBe("no_account");

    const traces = await tracesOf(superuser, [
      X,
      account.user.email,
      account.fullName,
      account.username,
      account.sessionIp,
      account.viewerIp,
      ...account.resumes.map((resume) => resume.token),
      ...account.files,
      account.shareLink.token,
      account.shareLink.viewerEmail,
    ]);
    expect(traces).toEqual([]);
    // An erased account is erased: nothing to begin.
    expect(await server`select * from private.begin_account_erasure(${X}::uuid, ${account.user.claims.session_id!}::uuid)`.catch((error) => error.code)).toBe("PT401");
  });

  test("an admin erases from the SQL editor: the same, finished by the worker", async () => {
    const target = await createTestUser(superuser, { fullName: "Admin Erased" });
    const [row] = await superuser`select * from private.erase_account(${target.id})`;
    expect(row).toMatchObject({ status: "pending", storage_keys: [] });
    const [erasure] = await superuser`select requested_by, user_id from private.account_erasures where id = ${row!.erasure_id}`;
    expect(erasure).toEqual({ requested_by: "admin", user_id: target.id } as never);
    // An unknown account: nothing.
    expect(await superuser`select * from private.erase_account(${crypto.randomUUID()})`).toEqual([] as never);
    // The worker's claim takes it once its minute has passed (the request's head start).
    await superuser`update private.account_erasures set next_attempt_at = now() where id = ${row!.erasure_id}`;
    const claimed = await server`select * from private.claim_auth_user_deletions(100, 30)`;
    expect(claimed.map((entry) => entry.user_id)).toContain(target.id);
    expect((await server`select * from private.claim_auth_user_deletions(100, 30)`).map((entry) => entry.user_id)).not.toContain(target.id);
    await superuser`delete from auth.users where id = ${target.id}`;
    expect((await server`select private.record_auth_user_deletion(${row!.erasure_id}::bigint, null, 0) as state`)[0]!.state).toBe("completed");
  });

  test("files deleted at the same time complete the erasure: the last settlement sees every deletion", async () => {
    const target = await createTestUser(superuser, { fullName: "Parallel Erased" });
    const keys = Array.from({ length: 8 }, (_, i) => `${crypto.randomUUID().replaceAll("-", "")}.${i % 2 ? "png" : "pdf"}`);
    for (const key of keys.filter((key) => key.endsWith(".pdf"))) {
      const thumbnail = keys[keys.indexOf(key) + 1]!;
      await superuser`
        insert into public.resumes (user_id, resume_name, pdf_filename, thumbnail_key, permanent_token)
        values (${target.id}, 'CV', ${key}, ${thumbnail}, ${shareToken()})`;
    }
    const [row] = await superuser`select * from private.erase_account(${target.id})`;
    expect([...row!.storage_keys].sort()).toEqual([...keys].sort());
    await superuser`delete from auth.users where id = ${target.id}`;
    expect((await server`select private.record_auth_user_deletion(${row!.erasure_id}::bigint, null, 0) as state`)[0]!.state).toBe("pending");
    // As the servers record them: each deletion on its own connection, all at once. Each
    // transaction stays open until the others have recorded theirs too (or 300 ms went
    // by, for a recording that waits on a lock), so none commits before the others count.
    const wide = createDatabasePool(asAuthenticatorUrl(await migratedTestDatabase()), { max: keys.length });
    let recorded = 0;
    try {
      await Promise.all(
        keys.map((key) =>
          wide.begin(async (tx) => {
            await tx`select private.record_stored_file_deletion(${key}, null, 0)`;
            recorded += 1;
            const deadline = Date.now() + 300;
            while (recorded < keys.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
          }),
        ),
      );
    } finally {
      await wide.end();
    }
    const [erasure] = await superuser`select user_id, completed_at is not null as completed from private.account_erasures where id = ${row!.erasure_id}`;
    expect(erasure).toEqual({ user_id: null, completed: true } as never);
  });

  test("deleting an auth user in the dashboard keeps others' records too, and queues the files", async () => {
    const candidate = await createTestUser(superuser, { fullName: "Dashboard Deleted" });
    const recruiter = await createTestUser(superuser, { userType: "recruiter" });
    const key = `${crypto.randomUUID().replaceAll("-", "")}.pdf`;
    // As the dashboard's table editor writes (no JWT).
    const application = await superuser.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{}', true)`;
      const [resume] = await tx`
        insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${candidate.id}, 'CV', ${key}, ${shareToken()}) returning id`;
      const [job] = await tx`insert into public.job_postings (recruiter_id, title, company_name, description) values (${recruiter.id}, 'Role', 'Corp', 'Do.') returning id`;
      const [row] = await tx`
        insert into public.job_applications (job_id, candidate_id, resume_id) values (${job!.id}, ${candidate.id}, ${resume!.id}) returning id`;
      return row;
    });
    await superuser`delete from auth.users where id = ${candidate.id}`;
    const [kept] = await superuser`select status, candidate_id, resume_id from public.job_applications where id = ${application!.id}`;
    expect(kept).toEqual({ status: "withdrawn", candidate_id: null, resume_id: null } as never);
    const [queued] = await superuser`select erasure_id from private.stored_file_deletions where storage_key = ${key}`;
    expect(queued).toEqual({ erasure_id: null } as never);
    await server`select private.record_stored_file_deletion(${key}, null, 0)`;
  });
});

describe("deleting a resume", () => {
  let candidate: TestUser;
  let recruiter: TestUser;

  beforeAll(async () => {
    candidate = await createTestUser(superuser, { fullName: "Resume Deleter" });
    recruiter = await createTestUser(superuser, { userType: "recruiter" });
  });

  test("withdraws the open applications made with it and keeps every one without the file", async () => {
    const key = `${crypto.randomUUID().replaceAll("-", "")}.pdf`;
    const [resume] = await superuser`
      insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${candidate.id}, 'Old CV', ${key}, ${shareToken()}) returning id`;
    const job = async () =>
      Number((await superuser`insert into public.job_postings (recruiter_id, title, company_name, description) values (${recruiter.id}, 'Role', 'Corp', 'Do.') returning id`)[0]!.id);
    const apply = async (jobId: number) =>
      Number((await asPostgrestCaller(server, candidate.caller, (tx) => tx`insert into public.job_applications (job_id, resume_id) values (${jobId}, ${resume!.id}) returning id`))[0]!.id);
    const open = await apply(await job());
    const acceptedJob = await job();
    const accepted = await apply(acceptedJob);
    for (const status of ["reviewed", "shortlisted", "accepted"]) {
      await asPostgrestCaller(server, recruiter.caller, (tx) => tx`update public.job_applications set status = ${status}::public.application_status where id = ${accepted}`);
    }

    const deleted = await asPostgrestCaller(server, candidate.caller, (tx) => tx`delete from public.resumes where id = ${resume!.id} returning id`);
    expect(deleted.length).toBe(1);
    const rows = await superuser`select id, status, resume_id, resume_deleted_at is not null as resume_deleted from public.job_applications where id in ${superuser([open, accepted])} order by id`;
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { id: open, status: "withdrawn", resume_id: null, resume_deleted: true },
      { id: accepted, status: "accepted", resume_id: null, resume_deleted: true },
    ] as never);
    const [withdrawal] = await superuser`
      select changed_by, changed_by_role from public.job_application_status_history where application_id = ${open} and to_status = 'withdrawn'`;
    expect(withdrawal).toEqual({ changed_by: candidate.id, changed_by_role: "candidate" } as never);
    // The recruiter's list says the resume is gone; the candidate is still there.
    const applicants = await asPostgrestCaller(server, recruiter.caller, (tx) => tx`select * from public.job_applicants(${acceptedJob})`);
    expect(applicants.map((row) => [row.candidate_id, row.resume_id, row.resume_name, row.resume_is_active, row.resume_deleted_at !== null])).toEqual([
      [candidate.id, null, null, false, true],
    ]);
    // The file is queued for deletion (the facade deletes it in the same request and clears this).
    expect((await superuser`select count(*)::int as n from private.stored_file_deletions where storage_key = ${key}`)[0]!.n).toBe(1);
    await server`select private.record_stored_file_deletion(${key}, null, 0)`;
  });
});

describe("retention (private.worker_apply_retention)", () => {
  test("cuts old views' addresses, browsers and referrers; deletes old finished deliveries, read notifications and stale counters", async () => {
    const owner = await createTestUser(superuser, { fullName: "Retention Owner" });
    const [resume] = await superuser`
      insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${owner.id}, 'CV', ${`${crypto.randomUUID().replaceAll("-", "")}.pdf`}, ${shareToken()}) returning id`;
    const view = async (ip: string, userAgent: string, referer: string | null, daysAgo: number) =>
      Number((await superuser`
        insert into public.resume_access_logs (resume_id, ip_address, user_agent, referer, accessed_at)
        values (${resume!.id}, ${ip}::inet, ${userAgent}, ${referer}, now() - make_interval(days => ${daysAgo})) returning id`)[0]!.id);
    const old4 = await view("203.0.113.77", "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "https://www.linkedin.com/in/jane-doe?trk=x", 31);
    const old6 = await view("2001:db8:1234:5678::9", "Mozilla/5.0 (X11) AppleWebKit/537.36 Chrome/130.0 Safari/537.36", null, 45);
    const oldBot = await view("198.51.100.9", "Googlebot/2.1 (+http://www.google.com/bot.html)", "android-app://x", 60);
    const recent = await view("203.0.113.78", "Mozilla/5.0 Firefox/131.0", "https://previewcv.com/r/abc", 29);
    // Credentials in a forwarded referer: the site is kept, never the user name or password.
    const oldWithCredentials = await view("203.0.113.79", "Mozilla/5.0 Firefox/131.0", "https://jane:s3cret@intranet.example.com:8443/cv?x=1", 31);
    const oldWithTwoAts = await view("203.0.113.80", "Mozilla/5.0 Firefox/131.0", "https://jane@home:pw@intranet.example.com/cv", 31);

    const [endpoint] = await superuser`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${owner.id}, 'https://hooks.example.com/r', '{resume.viewed}', ${new Uint8Array(60)}, 'test') returning id`;
    const delivery = async (status: string, daysAgo: number) => {
      const [row] = await superuser`
        insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status)
        values (${endpoint!.id}, ${owner.id}, 'resume.viewed', '{}', ${status}::public.webhook_delivery_status) returning id`;
      // updated_at is the trigger's: backdated with the trigger off, as time would.
      await superuser.begin(async (tx) => {
        await tx`alter table public.webhook_deliveries disable trigger webhook_deliveries_set_updated_at`;
        await tx`update public.webhook_deliveries set updated_at = now() - make_interval(days => ${daysAgo}), next_attempt_at = now() + interval '1 day' where id = ${row!.id}`;
        await tx`alter table public.webhook_deliveries enable trigger webhook_deliveries_set_updated_at`;
      });
      return Number(row!.id);
    };
    const oldDone = await delivery("succeeded", 31);
    const oldPending = await delivery("pending", 31);
    const recentDone = await delivery("failed", 5);
    await superuser`insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms, status_code) values (${oldDone}, ${owner.id}, 1, 5, 200)`;

    const notification = async () =>
      Number((await superuser`
        insert into public.notifications (user_id, type, title, body) values (${owner.id}, 'resume.viewed', 'Viewed', 'Viewed.') returning id`)[0]!.id);
    const oldRead = await notification();
    const recentRead = await notification();
    const unread = await notification();
    await superuser.begin(async (tx) => {
      await tx`alter table public.notifications disable trigger notifications_keep_read_at`;
      await tx`update public.notifications set read_at = now() - interval '91 days' where id = ${oldRead}`;
      await tx`update public.notifications set read_at = now() - interval '10 days' where id = ${recentRead}`;
      await tx`alter table public.notifications enable trigger notifications_keep_read_at`;
    });
    await superuser`insert into private.rate_limit_counters (bucket, window_start, hits) values (${`login:ip:192.0.2.${Math.floor(Math.random() * 200)}-stale`}, now() - interval '2 days', 3) on conflict do nothing`;

    for (;;) {
      const [row] = await server`select private.worker_apply_retention(1000, 30, 30, 90) as done`;
      if (Number(row!.done) === 0) break;
    }

    const views = await superuser`
      select id, host(ip_address) || '/' || masklen(ip_address) as ip, user_agent, referer, minimized_at is not null as minimized
        from public.resume_access_logs where resume_id = ${resume!.id} order by id`;
    expect(views.map((row) => ({ ...row }))).toEqual([
      { id: old4, ip: "203.0.113.0/24", user_agent: "Safari", referer: "https://www.linkedin.com", minimized: true },
      { id: old6, ip: "2001:db8:1234::/48", user_agent: "Chrome", referer: null, minimized: true },
      { id: oldBot, ip: "198.51.100.0/24", user_agent: "bot", referer: "android-app://x", minimized: true },
      { id: recent, ip: "203.0.113.78/32", user_agent: "Mozilla/5.0 Firefox/131.0", referer: "https://previewcv.com/r/abc", minimized: false },
      { id: oldWithCredentials, ip: "203.0.113.0/24", user_agent: "Firefox", referer: "https://intranet.example.com:8443", minimized: true },
      { id: oldWithTwoAts, ip: "203.0.113.0/24", user_agent: "Firefox", referer: "https://intranet.example.com", minimized: true },
    ] as never);
    // The owner's analytics still count the old views.
    const [analytics] = await asPostgrestCaller(server, owner.caller, (tx) => tx`select public.resume_analytics(${resume!.id}, 90) as a`);
    expect((analytics!.a as { unique_visitors: number }).unique_visitors).toBe(4);

    const deliveries = await superuser`select id from public.webhook_deliveries where endpoint_id = ${endpoint!.id} order by id`;
    expect(deliveries.map((row) => Number(row.id))).toEqual([oldPending, recentDone]);
    expect(await superuser`select id from public.webhook_delivery_attempts where delivery_id = ${oldDone}`).toEqual([] as never);
    const notifications = await superuser`select id from public.notifications where user_id = ${owner.id} order by id`;
    expect(notifications.map((row) => Number(row.id))).toEqual([recentRead, unread]);
    expect(await superuser`select bucket from private.rate_limit_counters where window_start < now() - interval '1 day'`).toEqual([] as never);
  });

  test("views minimized before referer_site dropped credentials lose the `scheme://user:password` they kept", async () => {
    // The clean-up statement of the migration that fixed referer_site, run again here
    // (it ran once, when the database was migrated) over views minimized the old way.
    const migration = fs.readFileSync(path.join(supabaseDir, "migrations", "20261206500100_referer_site_drops_credentials.sql"), "utf8");
    const cleanUp = /^update public\.resume_access_logs[\s\S]*?;$/m.exec(migration)![0];
    const owner = await createTestUser(superuser, { fullName: "Referer Owner" });
    // Rolled back at the end: nothing of this stays in the run's database.
    const rolledBack = new Error("rolled back");
    let kept: (string | null)[] = [];
    await superuser.begin(async (tx) => {
      const [resume] = await tx`
        insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${owner.id}, 'CV', ${`${crypto.randomUUID().replaceAll("-", "")}.pdf`}, ${shareToken()}) returning id`;
      const referers = ["https://jane:s3cret", "https://www.linkedin.com", "https://intranet.example.com:8443", "http://[2001:db8::1]:8080", "android-app://x"];
      for (const referer of referers) {
        await tx`insert into public.resume_access_logs (resume_id, ip_address, referer, minimized_at) values (${resume!.id}, '203.0.113.0/24', ${referer}, now())`;
      }
      // Not minimized yet: the raw referer stays until retention minimizes it.
      await tx`insert into public.resume_access_logs (resume_id, ip_address, referer) values (${resume!.id}, '203.0.113.5', 'https://jane:s3cret@intranet.example.com/cv')`;
      await tx.unsafe(cleanUp);
      kept = (await tx<{ referer: string | null }[]>`select referer from public.resume_access_logs where resume_id = ${resume!.id} order by id`).map((row) => row.referer);
      throw rolledBack;
    }).catch((error) => {
      if (error !== rolledBack) throw error;
    });
    expect(kept).toEqual([
      null,
      "https://www.linkedin.com",
      "https://intranet.example.com:8443",
      "http://[2001:db8::1]:8080",
      "android-app://x",
      "https://jane:s3cret@intranet.example.com/cv",
    ]);
  });

  test("refuses a window under a day; no API role may run it", async () => {
    expect(await server`select private.worker_apply_retention(10, 0, 30, 90)`.catch((error) => error.code)).toBe("22023");
    const refused = await attempt(server, { role: "anon" }, (tx) => tx`select private.worker_apply_retention(10, 30, 30, 90)`);
    expect(refused).toMatchObject({ ok: false, code: "42501" });
  });
});
