// What the export and erasure suites share: an account with data in every table that
// can hold someone's data (written the way the app writes each row, by the superuser
// standing in for the servers and the worker), and a scan of every table of the
// database for any trace of a person.
import type { Sql } from "postgres";
import { createTestUser, uniqueUsername, type TestUser } from "./personas.ts";
import { shareToken } from "./world.ts";

export interface FullAccount {
  user: TestUser;
  fullName: string;
  username: string;
  /** The address its session signed in from, and the one its resume was viewed from. */
  sessionIp: string;
  viewerIp: string;
  resumes: { id: number; token: string; key: string }[];
  /** Every stored file of its: the resumes' PDFs and the first resume's thumbnail. */
  files: string[];
  /** A share link of its first resume, with a password and a viewer's email logged. */
  shareLink: { id: number; token: string; viewerEmail: string };
  /** P1 has another candidate's application (it stays when the recruiter goes); P2 has none. */
  postings: { withApplicant: number; withoutApplicant: number };
  /** Its application to someone else's job, and another candidate's to its posting. */
  applications: { own: number; received: number };
  /** The recruiter it applied to, and the candidate who applied to it. */
  others: { recruiter: TestUser; candidate: TestUser; recruiterJob: number };
  /** The other recruiter's notification and delivery that mention it. */
  mentions: { notification: number; delivery: number };
}

let counter = 0;

/** Runs `fn` as the superuser with the JWT claims of `userId` (the triggers' auth.uid()). */
export async function asUserClaims<T>(superuser: Sql, userId: string, fn: (tx: Sql) => Promise<T>): Promise<T> {
  return superuser.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    return fn(tx as unknown as Sql);
  }) as Promise<T>;
}

/** A recruiter who also applies with resumes: one account with a row in every table. */
export async function buildFullAccount(superuser: Sql): Promise<FullAccount> {
  counter += 1;
  const tag = `${process.pid}${counter}${Math.random().toString(36).slice(2, 6)}`;
  const fullName = `Xanthe Quillfeather ${tag}`;
  const username = uniqueUsername("xq");
  const sessionIp = `198.51.100.${(counter % 200) + 20}`;
  const viewerIp = `203.0.113.${(counter % 200) + 20}`;
  const user = await createTestUser(superuser, {
    userType: "recruiter",
    fullName,
    metadata: { recruiter_profile: { username, recruiter_type: "individual", full_name: fullName, phone: "+1 555 0199", bio: "I hire." } },
  });
  const X = user.id;
  const recruiter = await createTestUser(superuser, { userType: "recruiter", fullName: `Other Recruiter ${tag}` });
  const candidate = await createTestUser(superuser, { userType: "candidate", fullName: `Other Candidate ${tag}` });

  await superuser`update auth.sessions set ip = ${sessionIp}::inet, user_agent = 'Mozilla/5.0 Chrome/130.0' where user_id = ${X}`;
  await superuser`
    insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
    values (${X}, ${X}, ${superuser.json({ sub: X, email: user.email })}, 'email', now(), now())`;

  const resumes: FullAccount["resumes"] = [];
  for (const key of [`${crypto.randomUUID().replaceAll("-", "")}.pdf`, `${X}/legacy-cv.pdf`]) {
    const token = shareToken();
    const [row] = await superuser`
      insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token, file_size_bytes)
      values (${X}, ${`CV of ${fullName}`}, ${key}, ${token}, 1234) returning id`;
    resumes.push({ id: Number(row!.id), token, key });
  }
  const [first] = resumes;
  const thumbnail = `${crypto.randomUUID().replaceAll("-", "")}.png`;
  await superuser`update public.resumes set thumbnail_key = ${thumbnail}, page_count = 2 where id = ${first!.id}`;
  const files = [...resumes.map((resume) => resume.key), thumbnail];
  await superuser`insert into public.resume_view_counters (resume_id, shard, views, last_viewed_at) values (${first!.id}, 3, 4, now())`;
  const [link] = await superuser`
    insert into public.resume_share_links (resume_id, label, require_viewer_email, password_hash)
    values (${first!.id}, ${`Link for Acme ${tag}`}, true, extensions.crypt('let me in', extensions.gen_salt('bf', 4)))
    returning id, token`;
  const viewerEmail = `viewer-${tag}@acme.example`;
  await superuser`
    insert into public.resume_access_logs (resume_id, link_id, kind, ip_address, user_agent, viewer_email)
    values (${first!.id}, ${link!.id}, 'human', ${viewerIp}::inet, 'Mozilla/5.0 Firefox/133.0', ${viewerEmail})`;
  await superuser`insert into private.resume_visitors (day, resume_id, visitor) values (current_date, ${first!.id}, ${new Uint8Array(16).fill(7)})`;
  // A person's view not yet told first-of-day or repeat by the worker.
  const [waiting] = await superuser`
    insert into public.resume_access_logs (resume_id, kind, ip_address, user_agent)
    values (${first!.id}, 'person', ${viewerIp}::inet, 'Mozilla/5.0 Firefox/133.0') returning id`;
  await superuser`insert into private.unclassified_resume_views (log_id, resume_id, viewed_at, viewer) values (${waiting!.id}, ${first!.id}, now(), null)`;
  // The access log's trigger also queues the view (private.pending_resume_views).
  await superuser`
    insert into public.resume_access_logs (resume_id, ip_address, user_agent, referer)
    values (${first!.id}, ${viewerIp}::inet, 'Mozilla/5.0 Safari/605.1', 'https://www.linkedin.com/in/someone?trk=1')`;
  await superuser`insert into private.resume_view_batches (resume_id, pending_views, due_at) values (${first!.id}, 1, now() + interval '1 hour')`;

  const posting = async (title: string) => {
    const [row] = await superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description, expires_at)
      values (${X}, ${title}, ${`Quill Studio ${tag}`}, 'Work with us.', now() + interval '30 days') returning id`;
    return Number(row!.id);
  };
  const postings = { withApplicant: await posting("Illustrator"), withoutApplicant: await posting("Archivist") };
  await superuser`insert into public.job_posting_view_counters (job_id, shard, views) values (${postings.withApplicant}, 1, 9)`;
  await superuser`insert into private.job_posting_visitors (day, job_id, visitor) values (current_date, ${postings.withApplicant}, ${new Uint8Array(16)})`;

  const [recruiterJob] = await superuser`
    insert into public.job_postings (recruiter_id, title, company_name, description) values (${recruiter.id}, 'Editor', 'Other Corp', 'Edit.') returning id`;
  // Applications as their candidates make them (the history and the events follow).
  const own = await asUserClaims(superuser, X, async (tx) => {
    const [row] = await tx`
      insert into public.job_applications (job_id, candidate_id, resume_id, cover_letter)
      values (${recruiterJob!.id}, ${X}, ${first!.id}, ${`Dear team, I am ${fullName}.`}) returning id`;
    return Number(row!.id);
  });
  const [theirResume] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
    values (${candidate.id}, 'Theirs', ${`${crypto.randomUUID().replaceAll("-", "")}.pdf`}, ${shareToken()}) returning id`;
  const received = await asUserClaims(superuser, candidate.id, async (tx) => {
    const [row] = await tx`
      insert into public.job_applications (job_id, candidate_id, resume_id, cover_letter)
      values (${postings.withApplicant}, ${candidate.id}, ${theirResume!.id}, 'Hello') returning id`;
    return Number(row!.id);
  });
  // X, signed in, viewed the other candidate's resume a moment ago: the worker has not
  // told that view apart yet, so the queue holds X's id.
  const [theirView] = await superuser`
    insert into public.resume_access_logs (resume_id, kind, ip_address, user_agent)
    values (${theirResume!.id}, 'person', '198.51.100.77'::inet, 'Mozilla/5.0') returning id`;
  await superuser`insert into private.unclassified_resume_views (log_id, resume_id, viewed_at, viewer) values (${theirView!.id}, ${theirResume!.id}, now(), ${X})`;
  // X moves the application it received: a history row with X as the one who changed it.
  await asUserClaims(superuser, X, (tx) => tx`update public.job_applications set status = 'reviewed' where id = ${received}`);
  // The other recruiter moves X's application.
  await asUserClaims(superuser, recruiter.id, (tx) => tx`update public.job_applications set status = 'reviewed' where id = ${own}`);

  // What the worker writes: notifications and webhook deliveries, X's own and the other
  // recruiter's about X's application (they carry X's id).
  await superuser`
    insert into public.notifications (user_id, type, title, body, data)
    values (${X}, 'application.created', 'New application', 'Someone applied.', ${superuser.json({ job_id: postings.withApplicant })})`;
  const [notification] = await superuser`
    insert into public.notifications (user_id, type, title, body, data)
    values (${recruiter.id}, 'application.created', 'New application', 'Someone applied.',
            ${superuser.json({ application_id: own, job_id: recruiterJob!.id, candidate_id: X })}) returning id`;
  const endpoint = async (owner: string) => {
    const [row] = await superuser`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${owner}, 'https://hooks.example.com/in', '{application.created}', ${crypto.getRandomValues(new Uint8Array(60))}, 'test') returning id`;
    return Number(row!.id);
  };
  const ownEndpoint = await endpoint(X);
  const theirEndpoint = await endpoint(recruiter.id);
  // Failed already, so no worker of another suite sends them.
  const [ownDelivery] = await superuser`
    insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status)
    values (${ownEndpoint}, ${X}, 'application.created', ${superuser.json({ type: "application.created", data: { job_id: postings.withApplicant } })}, 'failed') returning id`;
  await superuser`
    insert into public.webhook_delivery_attempts (delivery_id, user_id, attempt_number, duration_ms, status_code)
    values (${ownDelivery!.id}, ${X}, 1, 12, 500)`;
  const [delivery] = await superuser`
    insert into public.webhook_deliveries (endpoint_id, user_id, event_type, payload, status)
    values (${theirEndpoint}, ${recruiter.id}, 'application.created',
            ${superuser.json({ type: "application.created", data: { application_id: own, candidate_id: X } })}, 'failed') returning id`;

  await superuser`insert into private.account_audit_log (user_id, action, reason, actor) values (${X}, 'verify_recruiter', 'portfolio checked', 'ops')`;
  await superuser`select private.hit_rate_limit(${`login-failures:email:${user.email}`}, 100, 300)`;
  await superuser`select private.hit_rate_limit(${`login-failures:ip:${sessionIp}:email:${user.email}`}, 10, 300)`;
  await superuser`select private.hit_rate_limit(${`login:ip:${sessionIp}`}, 30, 300)`;
  await superuser`select private.hit_rate_limit(${`export:user:${X}`}, 10, 3600)`;
  await superuser`select private.hit_rate_limit(${`upload:user:${X}`}, 30, 3600)`;

  return {
    user,
    fullName,
    username,
    sessionIp,
    viewerIp,
    resumes,
    files,
    shareLink: { id: Number(link!.id), token: String(link!.token), viewerEmail },
    postings,
    applications: { own, received },
    others: { recruiter, candidate, recruiterJob: Number(recruiterJob!.id) },
    mentions: { notification: Number(notification!.id), delivery: Number(delivery!.id) },
  };
}

/**
 * Every row of every table (all schemas but the catalogs and the migration history)
 * whose text holds one of the needles, case-insensitively: "schema.table: needle".
 */
export async function tracesOf(superuser: Sql, needles: string[]): Promise<string[]> {
  const tables = await superuser<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p')
       and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')
       and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast_temp%'
     order by 1`;
  const found: string[] = [];
  const lowered = needles.filter(Boolean).map((needle) => needle.toLowerCase());
  for (const { name } of tables) {
    const rows = await superuser.unsafe<{ needle: string }[]>(
      `select distinct needle from ${name} as t, unnest($1::text[]) as needle where strpos(lower(t::text), needle) > 0`,
      [lowered],
    );
    for (const row of rows) found.push(`${name}: ${row.needle}`);
  }
  return found.sort();
}
