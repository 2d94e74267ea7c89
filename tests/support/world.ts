// The personas and rows every RLS matrix runs against, created once per test run the
// way production creates them (users through auth.users and its triggers, the rest
// by the superuser, standing in for the app's own writes).
import postgres from "postgres";
import { anonymous, type Caller, type Sql } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "./database.ts";
import { claimsFor, createTestUser, startTestSession, type TestUser } from "./personas.ts";

/**
 * Who a case runs as. Beside the active personas, two that may do nothing at all:
 * "deactivated D", a recruiter whose account an admin deactivated (profiles.is_active =
 * false) with a session that lives and no ban (so is_active alone refuses them), and "signed-out A", candidate A's own valid
 * claims after that session was signed out (its auth.sessions row is gone).
 */
export type Persona =
  | "anon"
  | "candidate A"
  | "candidate B"
  | "recruiter R"
  | "recruiter S"
  | "recruiter T"
  | "deactivated D"
  | "signed-out A";

/** The personas that may not act: every case of theirs must come out empty or refused. */
export const refusedPersonas = ["deactivated D", "signed-out A"] as const satisfies readonly Persona[];

export interface World {
  /** Superuser connection, for fixtures and for reading the truth after a case. */
  superuser: Sql;
  /** Connection as the servers' login role (previewcv_api), which, like PostgREST's authenticator, can only switch into anon/authenticated: cases run on it. */
  api: Sql;
  users: Record<Exclude<Persona, "anon">, TestUser>;
  callers: Record<Persona, Caller>;
  /** A's active and inactive resumes, B's resume. */
  resumes: { a1: number; a2Inactive: number; b1: number };
  /** R's open, inactive and expired postings; S's open posting. */
  jobs: { rOpen: number; rInactive: number; rExpired: number; sOpen: number };
  /** A→R's job, B→R's job, B→S's job. */
  applications: { aToR: number; bToR: number; bToS: number };
  usernames: { r: string; s: string };
  apiTokenId: number;
  /**
   * What deactivated D left behind, apart from the matrices' other rows (so no other
   * persona's expectations change): D's recruiter profile, an open posting with A's
   * application to it, and a resume. None of it is public any more.
   */
  deactivated: { username: string; job: number; application: number; resume: number };
  /** The location of every posting above, so a listing can be limited to them. */
  place: string;
}

let worldPromise: Promise<World> | undefined;

export function rlsWorld(): Promise<World> {
  worldPromise ??= buildWorld();
  return worldPromise;
}

/** A syntactically valid share token (43 base64url characters). */
export function shareToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString("base64url");
}

async function buildWorld(): Promise<World> {
  const url = await migratedTestDatabase();
  const superuser = postgres(url, { max: 4, onnotice: () => {} });
  const api = postgres(asAuthenticatorUrl(url), {
    max: 4,
    onnotice: () => {},
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
  });

  const suffix = Math.random().toString(36).slice(2, 8);
  const usernames = { r: `rcorp-${suffix}`, s: `scorp-${suffix}` };
  const deactivatedUsername = `dcorp-${suffix}`;
  const place = `World ${suffix}`;
  const recruiterProfile = (username: string, company: string) => ({
    recruiter_profile: { username, recruiter_type: "company", company_name: company, phone: "+1 555 0100", bio: `${company} hires.` },
  });

  const users = {
    "candidate A": await createTestUser(superuser, { userType: "candidate", fullName: "Alice Candidate" }),
    "candidate B": await createTestUser(superuser, { userType: "candidate", fullName: "Bob Candidate" }),
    "recruiter R": await createTestUser(superuser, { userType: "recruiter", fullName: "Rita Recruiter", metadata: recruiterProfile(usernames.r, "R Corp") }),
    "recruiter S": await createTestUser(superuser, { userType: "recruiter", fullName: "Sam Recruiter", metadata: recruiterProfile(usernames.s, "S Corp") }),
    // A recruiter who has not written a profile yet.
    "recruiter T": await createTestUser(superuser, { userType: "recruiter", fullName: "Tom Recruiter" }),
    "deactivated D": await createTestUser(superuser, { userType: "recruiter", fullName: "Dan Deactivated", metadata: recruiterProfile(deactivatedUsername, "D Corp") }),
  };
  // Candidate A's claims in a session that was signed out since (Supabase Auth deletes the row).
  const endedSession = await startTestSession(superuser, users["candidate A"].id);
  await superuser`delete from auth.sessions where id = ${endedSession}`;
  const signedOutClaims = claimsFor(users["candidate A"].id, users["candidate A"].email, endedSession);
  const signedOut: TestUser = { ...users["candidate A"], claims: signedOutClaims, caller: { role: "authenticated", claims: signedOutClaims } };
  const A = users["candidate A"].id;
  const B = users["candidate B"].id;
  const R = users["recruiter R"].id;
  const S = users["recruiter S"].id;

  const resume = async (owner: string, name: string, active = true) => {
    const [row] = await superuser`
      insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token, is_active)
      values (${owner}, ${name}, ${`${owner}/${crypto.randomUUID()}.pdf`}, ${shareToken()}, ${active})
      returning id`;
    return Number(row!.id);
  };
  const resumes = { a1: await resume(A, "A main"), a2Inactive: await resume(A, "A old", false), b1: await resume(B, "B main") };

  const job = async (recruiter: string, title: string, extra: { active?: boolean; expired?: boolean } = {}) => {
    const [row] = await superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description, location, job_type, experience_level, is_active, expires_at)
      values (${recruiter}, ${title}, 'Corp', 'Build things.', ${place}, 'full-time', 'mid', ${extra.active ?? true},
              ${extra.expired ? new Date(Date.now() - 86_400_000) : null})
      returning id`;
    return Number(row!.id);
  };
  const jobs = {
    rOpen: await job(R, "R open"),
    rInactive: await job(R, "R inactive", { active: false }),
    rExpired: await job(R, "R expired", { expired: true }),
    sOpen: await job(S, "S open"),
  };

  const apply = async (candidate: string, jobId: number, resumeId: number) => {
    const [row] = await superuser`
      insert into public.job_applications (job_id, candidate_id, resume_id, cover_letter)
      values (${jobId}, ${candidate}, ${resumeId}, 'Hello') returning id`;
    return Number(row!.id);
  };
  const applications = {
    aToR: await apply(A, jobs.rOpen, resumes.a1),
    bToR: await apply(B, jobs.rOpen, resumes.b1),
    bToS: await apply(B, jobs.sOpen, resumes.b1),
  };

  // Views and access logs for A's and B's resumes.
  await superuser`insert into public.resume_view_counters (resume_id, shard, views, last_viewed_at)
                  values (${resumes.a1}, 0, 3, now()), (${resumes.a1}, 5, 2, now()), (${resumes.b1}, 1, 7, now())`;
  await superuser`insert into public.resume_access_logs (resume_id, ip_address, user_agent, referer)
                  values (${resumes.a1}, '203.0.113.7', 'test', 'https://previewcv.com'), (${resumes.b1}, '203.0.113.8', 'test', null)`;

  // Deactivated D: a posting with an applicant and a resume, then the account switched off
  // the way the dashboard's table editor would. That bans D and ends D's sessions
  // (20261206100200); D's matrices must show that is_active alone refuses everything, so
  // D gets a live session again, the ban lifted, as a superuser could do by hand.
  const D = users["deactivated D"].id;
  const dJob = await job(D, "D open");
  const deactivated = {
    username: deactivatedUsername,
    job: dJob,
    application: await apply(A, dJob, resumes.a1),
    resume: await resume(D, "D main"),
  };
  await superuser`update public.profiles set is_active = false where id = ${D}`;
  await superuser`update auth.users set banned_until = null where id = ${D}`;
  const dClaims = claimsFor(D, users["deactivated D"].email, await startTestSession(superuser, D));
  users["deactivated D"] = { ...users["deactivated D"], claims: dClaims, caller: { role: "authenticated", claims: dClaims } };

  const [token] = await superuser`
    insert into public.api_tokens (token_hash, token_prefix, token_name)
    values (extensions.digest(${`pcv_world_${suffix}`}, 'sha256'), 'pcv_worl', 'world token') returning id`;

  const everyone = { ...users, "signed-out A": signedOut };
  const callers = {
    anon: anonymous,
    ...Object.fromEntries(Object.entries(everyone).map(([persona, user]) => [persona, user.caller])),
  } as Record<Persona, Caller>;

  return { superuser, api, users: everyone, callers, resumes, jobs, applications, usernames, apiTokenId: Number(token!.id), deactivated, place };
}

/** Closes the world's connections (the preload calls this at the end of the run). */
export async function closeWorld(): Promise<void> {
  if (!worldPromise) return;
  const world = await worldPromise;
  await Promise.all([world.superuser.end(), world.api.end()]);
}
