// Who may do what to job postings, applications and the status history.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Transaction } from "../../src/db/client.ts";
import { attempt, noPrivilege, nothing, refused, rlsViolation, rows, runMatrix, sees, type MatrixRow } from "../support/rls.ts";
import { refusedPersonas, rlsWorld, type Persona, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await rlsWorld();
});

const idOf = (persona: Persona) => world.users[persona as Exclude<Persona, "anon">]?.id ?? "00000000-0000-0000-0000-000000000000";

describe("job_postings", () => {
  const worldJobs = () => Object.values(world.jobs);
  const posting = (recruiterId: string) => ({
    recruiter_id: recruiterId,
    title: "New role",
    company_name: "Corp",
    description: "Do things.",
    job_type: "contract",
    experience_level: "senior",
  });
  const actions = {
    "list postings": (tx: Transaction) => tx`select id from public.job_postings where id = any(${worldJobs()})`,
    "create a posting": (tx: Transaction, p: Persona) => tx`insert into public.job_postings ${tx(posting(idOf(p)))} returning id`,
    "create a posting as S": (tx: Transaction) => tx`insert into public.job_postings ${tx(posting(world.users["recruiter S"].id))} returning id`,
    "edit own open posting": (tx: Transaction) => tx`update public.job_postings set title = 'Edited' where id = ${world.jobs.rOpen} returning id`,
    "deactivate own posting": (tx: Transaction) => tx`update public.job_postings set is_active = false where id = ${world.jobs.rOpen} returning id`,
    "reopen own expired posting": (tx: Transaction) =>
      tx`update public.job_postings set expires_at = null where id = ${world.jobs.rExpired} returning id`,
    "edit S's posting": (tx: Transaction) => tx`update public.job_postings set title = 'Hacked' where id = ${world.jobs.sOpen} returning id`,
    "hand own posting to S": (tx: Transaction) =>
      tx`update public.job_postings set recruiter_id = ${world.users["recruiter S"].id} where id = ${world.jobs.rOpen} returning id`,
    "inflate own counters": (tx: Transaction) =>
      tx`update public.job_postings set views_count = 1000000, applications_count = 1000 where id = ${world.jobs.rOpen} returning id`,
    "delete S's posting": (tx: Transaction) => tx`delete from public.job_postings where id = ${world.jobs.sOpen} returning id`,
    "delete own posting": (tx: Transaction) => tx`delete from public.job_postings where id = ${world.jobs.rInactive} returning id`,
    "read D's posting": (tx: Transaction) => tx`select id from public.job_postings where id = ${world.deactivated.job}`,
    "edit D's posting": (tx: Transaction) => tx`update public.job_postings set title = 'Edited' where id = ${world.deactivated.job} returning id`,
    "reopen D's posting": (tx: Transaction) => tx`update public.job_postings set is_active = true, expires_at = null where id = ${world.deactivated.job} returning id`,
    "delete D's posting": (tx: Transaction) => tx`delete from public.job_postings where id = ${world.deactivated.job} returning id`,
    "relist D's posting": (tx: Transaction) => tx`update public.job_postings set recruiter_is_active = true where id = ${world.deactivated.job} returning id`,
  };
  type Action = keyof typeof actions;
  const { rOpen, rInactive, rExpired, sOpen } = {
    rOpen: () => world.jobs.rOpen, rInactive: () => world.jobs.rInactive, rExpired: () => world.jobs.rExpired, sOpen: () => world.jobs.sOpen,
  };

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list postings",              sees(rOpen(), sOpen())],
    ["anon",        "create a posting",           noPrivilege("table job_postings")],
    ["anon",        "edit S's posting",           noPrivilege("table job_postings")],
    ["anon",        "delete S's posting",         noPrivilege("table job_postings")],
    ["candidate A", "list postings",              sees(rOpen(), sOpen())],
    ["candidate A", "create a posting",           rlsViolation("job_postings")],
    ["candidate A", "edit S's posting",           nothing],
    ["candidate A", "delete S's posting",         nothing],
    ["recruiter R", "list postings",              sees(rOpen(), rInactive(), rExpired(), sOpen())],
    ["recruiter R", "create a posting",           rows(1)],
    ["recruiter R", "create a posting as S",      rlsViolation("job_postings")],
    ["recruiter R", "edit own open posting",      rows(1)],
    ["recruiter R", "deactivate own posting",     rows(1)],
    ["recruiter R", "reopen own expired posting", rows(1)],
    ["recruiter R", "edit S's posting",           nothing],
    ["recruiter R", "hand own posting to S",      noPrivilege("table job_postings")],
    ["recruiter R", "inflate own counters",       noPrivilege("table job_postings")],
    ["recruiter R", "delete S's posting",         nothing],
    ["recruiter R", "delete own posting",         rows(1)],
    ["recruiter S", "list postings",              sees(rOpen(), sOpen())],
    ["recruiter S", "edit S's posting",           rows(1)],
    ["recruiter T", "create a posting",           rows(1)],
    // A deactivated recruiter's posting is no longer public; A, who applied, keeps it.
    ["anon",        "read D's posting",           nothing],
    ["candidate A", "read D's posting",           sees(world.deactivated.job)],
    ["candidate B", "read D's posting",           nothing],
    ["recruiter R", "read D's posting",           nothing],
    ["recruiter R", "edit D's posting",           nothing],
    ["recruiter R", "relist D's posting",         noPrivilege("table job_postings")],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list postings",              nothing],
      [p, "read D's posting",           nothing],
      [p, "create a posting",           rlsViolation("job_postings")],
      [p, "create a posting as S",      rlsViolation("job_postings")],
      [p, "edit own open posting",      nothing],
      [p, "deactivate own posting",     nothing],
      [p, "reopen own expired posting", nothing],
      [p, "edit S's posting",           nothing],
      [p, "hand own posting to S",      noPrivilege("table job_postings")],
      [p, "inflate own counters",       noPrivilege("table job_postings")],
      [p, "delete S's posting",         nothing],
      [p, "delete own posting",         nothing],
      [p, "edit D's posting",           nothing],
      [p, "reopen D's posting",         nothing],
      [p, "delete D's posting",         nothing],
      [p, "relist D's posting",         noPrivilege("table job_postings")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("job_applications", () => {
  const worldApplications = () => Object.values(world.applications);
  const application = (candidate: string, jobId: number, resumeId: number) => ({
    job_id: jobId,
    candidate_id: candidate,
    resume_id: resumeId,
    cover_letter: "Please",
  });
  const status = (id: () => number, to: string) => (tx: Transaction) =>
    tx`update public.job_applications set status = ${to} where id = ${id()} returning id`;
  const aToR = () => world.applications.aToR;
  const bToR = () => world.applications.bToR;
  const bToS = () => world.applications.bToS;

  const actions = {
    "list applications": (tx: Transaction) => tx`select id from public.job_applications where id = any(${worldApplications()})`,
    "read applications to S's job": (tx: Transaction) => tx`select id from public.job_applications where job_id = ${world.jobs.sOpen}`,
    "apply to S with own resume": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.sOpen, world.resumes.a1))} returning id`,
    "apply to S with B's resume": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.sOpen, world.resumes.b1))} returning id`,
    "apply to S with own inactive resume": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.sOpen, world.resumes.a2Inactive))} returning id`,
    "apply as B": (tx: Transaction) =>
      tx`insert into public.job_applications ${tx(application(world.users["candidate B"].id, world.jobs.sOpen, world.resumes.b1))} returning id`,
    "apply to an inactive job": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.rInactive, world.resumes.a1))} returning id`,
    "apply to an expired job": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.rExpired, world.resumes.a1))} returning id`,
    "apply to R twice": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.jobs.rOpen, world.resumes.a1))} returning id`,
    "apply pre-accepted": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx({ ...application(idOf(p), world.jobs.sOpen, world.resumes.a1), status: "accepted" })} returning id`,
    "review A's application": status(aToR, "reviewed"),
    "accept A's pending application": status(aToR, "accepted"),
    "reject A's application": status(aToR, "rejected"),
    "withdraw A's application": status(aToR, "withdrawn"),
    "review B's application to S": status(bToS, "reviewed"),
    "edit own cover letter": (tx: Transaction) =>
      tx`update public.job_applications set cover_letter = 'Edited' where id = ${world.applications.aToR} returning id`,
    "swap own resume": (tx: Transaction) =>
      tx`update public.job_applications set resume_id = ${world.resumes.a2Inactive} where id = ${world.applications.aToR} returning id`,
    "delete an application": (tx: Transaction) => tx`delete from public.job_applications where id = ${world.applications.aToR} returning id`,
    "read applications to D's job": (tx: Transaction) => tx`select id from public.job_applications where job_id = ${world.deactivated.job}`,
    "review A's application to D": (tx: Transaction) =>
      tx`update public.job_applications set status = 'reviewed' where id = ${world.deactivated.application} returning id`,
    "apply to D's job": (tx: Transaction, p: Persona) =>
      tx`insert into public.job_applications ${tx(application(idOf(p), world.deactivated.job, world.resumes.b1))} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list applications",                   noPrivilege("table job_applications")],
    ["anon",        "apply as B",                          noPrivilege("table job_applications")],
    ["candidate A", "list applications",                   sees(aToR())],
    ["candidate A", "apply to S with own resume",          rows(1)],
    ["candidate A", "apply to S with B's resume",          rlsViolation("job_applications")],
    ["candidate A", "apply to S with own inactive resume", rlsViolation("job_applications")],
    ["candidate A", "apply as B",                          rlsViolation("job_applications")],
    ["candidate A", "apply to an inactive job",            rlsViolation("job_applications")],
    ["candidate A", "apply to an expired job",             rlsViolation("job_applications")],
    ["candidate A", "apply to R twice",                    refused("23505", /uq_job_candidate/)],
    ["candidate A", "apply pre-accepted",                  noPrivilege("table job_applications")],
    ["candidate A", "review A's application",              refused("PT403", /a candidate can only withdraw/)],
    ["candidate A", "withdraw A's application",            rows(1)],
    ["candidate A", "edit own cover letter",               noPrivilege("table job_applications")],
    ["candidate A", "swap own resume",                     noPrivilege("table job_applications")],
    ["candidate A", "delete an application",               noPrivilege("table job_applications")],
    ["candidate A", "review B's application to S",         nothing],
    ["candidate B", "list applications",                   sees(bToR(), bToS())],
    ["candidate B", "withdraw A's application",            nothing],
    ["recruiter R", "list applications",                   sees(aToR(), bToR())],
    ["recruiter R", "read applications to S's job",        nothing],
    ["recruiter R", "review A's application",              rows(1)],
    ["recruiter R", "reject A's application",              rows(1)],
    ["recruiter R", "accept A's pending application",      refused("PT409", /cannot move an application from pending to accepted/)],
    ["recruiter R", "withdraw A's application",            refused("PT403", /only the candidate can withdraw/)],
    ["recruiter R", "review B's application to S",         nothing],
    ["recruiter R", "edit own cover letter",               noPrivilege("table job_applications")],
    ["recruiter S", "list applications",                   sees(bToS())],
    ["recruiter S", "review A's application",              nothing],
    ["recruiter S", "review B's application to S",         rows(1)],
    // A's application to D's job stays A's; nobody can apply to D's job any more.
    ["candidate A", "read applications to D's job",        sees(world.deactivated.application)],
    ["candidate B", "apply to D's job",                    rlsViolation("job_applications")],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list applications",                   nothing],
      [p, "read applications to S's job",        nothing],
      [p, "read applications to D's job",        nothing],
      [p, "apply to S with own resume",          rlsViolation("job_applications")],
      [p, "apply as B",                          rlsViolation("job_applications")],
      [p, "apply pre-accepted",                  noPrivilege("table job_applications")],
      [p, "review A's application",              nothing],
      [p, "reject A's application",              nothing],
      [p, "withdraw A's application",            nothing],
      [p, "review B's application to S",         nothing],
      [p, "review A's application to D",         nothing],
      [p, "edit own cover letter",               noPrivilege("table job_applications")],
      [p, "swap own resume",                     noPrivilege("table job_applications")],
      [p, "delete an application",               noPrivilege("table job_applications")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("the status pipeline", () => {
  /** Moves A's application to R's job through `steps` as R, in one rolled-back transaction. */
  const walk = (steps: string[]) =>
    attempt(world.api, world.callers["recruiter R"], async (tx) => {
      for (const to of steps) await tx`update public.job_applications set status = ${to} where id = ${world.applications.aToR}`;
      return tx`
        select a.status, a.reviewed_at is not null as reviewed,
               (select array_agg(h.to_status::text order by h.id) from public.job_application_status_history h where h.application_id = a.id) as history,
               (select array_agg(distinct h.changed_by) from public.job_application_status_history h where h.application_id = a.id and h.from_status is not null) as changed_by
          from public.job_applications a where a.id = ${world.applications.aToR}`;
    });

  test("pending → reviewed → shortlisted → accepted, stamped and recorded", async () => {
    const outcome = await walk(["reviewed", "shortlisted", "accepted"]);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.rows[0]).toEqual({
      status: "accepted",
      reviewed: true,
      history: ["pending", "reviewed", "shortlisted", "accepted"],
      changed_by: [world.users["recruiter R"].id],
    });
  });

  test.each([
    [["reviewed", "shortlisted", "accepted", "rejected"], /application is accepted and can no longer change/],
    [["rejected", "reviewed"], /application is rejected and can no longer change/],
    [["reviewed", "pending"], /cannot move an application from reviewed to pending/],
    [["shortlisted"], /cannot move an application from pending to shortlisted/],
  ])("%p is refused", async (steps, message) => {
    const outcome = await walk(steps as string[]);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.code).toBe("PT409");
      expect(outcome.message).toMatch(message);
    }
  });

  test("a withdrawn application is final for the recruiter too", async () => {
    const outcome = await attempt(world.api, world.callers["candidate A"], async (tx) => {
      await tx`update public.job_applications set status = 'withdrawn' where id = ${world.applications.aToR}`;
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(world.users["recruiter R"].claims)}, true)`;
      return tx`update public.job_applications set status = 'reviewed' where id = ${world.applications.aToR} returning id`;
    });
    expect(outcome).toMatchObject({ ok: false, code: "PT409" });
  });
});

describe("job_application_status_history", () => {
  const worldApplications = () => Object.values(world.applications);
  const actions = {
    "read history": (tx: Transaction) =>
      tx`select application_id as id from public.job_application_status_history where application_id = any(${worldApplications()})`,
    "forge a history row": (tx: Transaction) =>
      tx`insert into public.job_application_status_history (application_id, to_status) values (${world.applications.aToR}, 'accepted') returning id`,
    "rewrite history": (tx: Transaction) =>
      tx`update public.job_application_status_history set to_status = 'accepted' where application_id = ${world.applications.aToR} returning id`,
    "erase history": (tx: Transaction) =>
      tx`delete from public.job_application_status_history where application_id = ${world.applications.aToR} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "read history",        noPrivilege("table job_application_status_history")],
    ["candidate A", "read history",        sees(world.applications.aToR)],
    ["candidate A", "forge a history row", noPrivilege("table job_application_status_history")],
    ["candidate A", "rewrite history",     noPrivilege("table job_application_status_history")],
    ["candidate A", "erase history",       noPrivilege("table job_application_status_history")],
    ["candidate B", "read history",        sees(world.applications.bToR, world.applications.bToS)],
    ["recruiter R", "read history",        sees(world.applications.aToR, world.applications.bToR)],
    ["recruiter R", "rewrite history",     noPrivilege("table job_application_status_history")],
    ["recruiter R", "erase history",       noPrivilege("table job_application_status_history")],
    ["recruiter S", "read history",        sees(world.applications.bToS)],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "read history",        nothing],
      [p, "forge a history row", noPrivilege("table job_application_status_history")],
      [p, "rewrite history",     noPrivilege("table job_application_status_history")],
      [p, "erase history",       noPrivilege("table job_application_status_history")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("job board functions", () => {
  const actions = {
    "view R's open posting": (tx: Transaction) => tx`select id, views_count from public.view_job_posting(${world.jobs.rOpen})`,
    "view R's inactive posting": (tx: Transaction) => tx`select id from public.view_job_posting(${world.jobs.rInactive})`,
    "view R's expired posting": (tx: Transaction) => tx`select id from public.view_job_posting(${world.jobs.rExpired})`,
    "list applicants to R's job": (tx: Transaction) =>
      tx`select application_id as id, resume_name from public.job_applicants(${world.jobs.rOpen})`,
    "list applicants to S's job": (tx: Transaction) => tx`select application_id as id from public.job_applicants(${world.jobs.sOpen})`,
    "view D's posting": (tx: Transaction) => tx`select id from public.view_job_posting(${world.deactivated.job})`,
    "list applicants to D's job": (tx: Transaction) =>
      tx`select application_id as id, candidate_email from public.job_applicants(${world.deactivated.job})`,
    "list open postings": (tx: Transaction) => tx`select id from public.list_open_job_postings(filter_location => ${world.place})`,
    "count open postings": (tx: Transaction) => tx`select public.count_open_job_postings(filter_location => ${world.place}) as id`,
    "list open postings with their total": (tx: Transaction) =>
      tx`select id from public.list_open_job_postings_with_total(filter_location => ${world.place})`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "view R's open posting",      sees(world.jobs.rOpen)],
    ["anon",        "view R's inactive posting",  nothing],
    ["anon",        "view R's expired posting",   nothing],
    ["anon",        "list applicants to R's job", noPrivilege("function job_applicants")],
    ["candidate A", "view R's open posting",      sees(world.jobs.rOpen)],
    ["candidate A", "view R's inactive posting",  nothing],
    ["candidate A", "list applicants to R's job", nothing],
    ["recruiter R", "view R's inactive posting",  sees(world.jobs.rInactive)],
    ["recruiter R", "view R's expired posting",   sees(world.jobs.rExpired)],
    ["recruiter R", "list applicants to R's job", sees(world.applications.aToR, world.applications.bToR)],
    ["recruiter R", "list applicants to S's job", nothing],
    ["recruiter S", "view R's inactive posting",  nothing],
    ["recruiter S", "list applicants to R's job", nothing],
    ["recruiter S", "list applicants to S's job", sees(world.applications.bToS)],
    // Open postings: R's and S's; D's is unlisted with its recruiter.
    ["anon",        "list open postings",         sees(world.jobs.rOpen, world.jobs.sOpen)],
    ["anon",        "count open postings",        sees(2)],
    ["candidate A", "list open postings",         sees(world.jobs.rOpen, world.jobs.sOpen)],
    ["candidate A", "count open postings",        sees(2)],
    ["anon",        "list open postings with their total", sees(world.jobs.rOpen, world.jobs.sOpen)],
    ["candidate A", "list open postings with their total", sees(world.jobs.rOpen, world.jobs.sOpen)],
    ["anon",        "view D's posting",           nothing],
    ["candidate A", "view D's posting",           nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "view R's open posting",      nothing],
      [p, "view R's inactive posting",  nothing],
      [p, "view R's expired posting",   nothing],
      [p, "view D's posting",           nothing],
      [p, "list applicants to R's job", nothing],
      [p, "list applicants to S's job", nothing],
      [p, "list applicants to D's job", nothing],
      [p, "list open postings",         nothing],
      [p, "count open postings",        sees(null)],
      [p, "list open postings with their total", nothing],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("a view counts once per viewer and day: the same visitor twice counts one, another visitor one more", async () => {
    // Was "each view counts one": every call added one, so anyone could inflate the
    // count (issue 11, hole 9). The servers' role vouches for the IP and User-Agent.
    const views = async () =>
      Number((await world.superuser`select private.job_posting_views(j) as n from public.job_postings j where j.id = ${world.jobs.sOpen}`)[0]!.n);
    const before = await views();
    await world.api.begin(async (tx) => {
      await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
      await tx`select id from public.view_job_posting(${world.jobs.sOpen}, '203.0.113.50', 'Browser/1')`;
      await tx`select id from public.view_job_posting(${world.jobs.sOpen}, '203.0.113.50', 'Browser/1')`;
    });
    expect((await views()) - before).toBe(1);
    await world.api.begin(async (tx) => {
      await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
      await tx`select id from public.view_job_posting(${world.jobs.sOpen}, '203.0.113.51', 'Browser/1')`;
    });
    expect((await views()) - before).toBe(2);
  });

  test("a candidate keeps seeing a posting they applied to after it closes; others don't", async () => {
    const [job] = await world.superuser`
      insert into public.job_postings (recruiter_id, title, company_name, description)
      values (${world.users["recruiter R"].id}, 'Closing soon', 'R Corp', 'Short-lived.') returning id`;
    await world.superuser`
      insert into public.job_applications (job_id, candidate_id, resume_id)
      values (${job!.id}, ${world.users["candidate A"].id}, ${world.resumes.a1})`;
    await world.superuser`update public.job_postings set is_active = false where id = ${job!.id}`;
    const read = (persona: Persona) => attempt(world.api, world.callers[persona], (tx) => tx`select id from public.job_postings where id = ${job!.id}`);
    expect(await read("candidate A")).toEqual({ ok: true, rows: [{ id: Number(job!.id) }] });
    expect(await read("candidate B")).toEqual({ ok: true, rows: [] });
    expect(await read("anon")).toEqual({ ok: true, rows: [] });
  });
});

// The security definer functions anon may run bypass RLS on job_postings; they stay
// security definer only because this holds for every persona: they show exactly what
// the caller's own select policy shows of open postings, and the listing shows
// nothing that policy adds for some callers (a recruiter's closed postings, the
// postings a candidate applied to). The oracle is the policy itself: the same read
// through the table, as the persona, under RLS, with the rule written out.
describe("security definer reads show what the caller's policy shows, for every persona", () => {
  const personas: Persona[] = ["anon", "candidate A", "candidate B", "recruiter R", "recruiter S", "recruiter T"];
  const openRule = "j.is_active and (j.expires_at is null or j.expires_at > now())";
  let place: string;
  let postings: number[];

  beforeAll(async () => {
    place = `Definer${Math.random().toString(36).slice(2, 8)}`;
    const R = world.users["recruiter R"].id;
    const S = world.users["recruiter S"].id;
    const post = async (recruiter: string, title: string, extra: { type?: string; level?: string; active?: boolean; expires?: string } = {}) => {
      const [row] = await world.superuser`
        insert into public.job_postings (recruiter_id, title, company_name, description, location, job_type, experience_level, is_active, expires_at)
        values (${recruiter}, ${title}, 'Definer Corp', ${`${title}: kubernetes and rust.`}, ${place}, ${extra.type ?? "full-time"},
                ${extra.level ?? "mid"}, ${extra.active ?? true}, ${extra.expires ? world.superuser.unsafe(extra.expires) : null})
        returning id`;
      return Number(row!.id);
    };
    const closedAfterApplying = await post(R, "Applied then closed", { type: "contract" });
    await world.superuser`
      insert into public.job_applications (job_id, candidate_id, resume_id)
      values (${closedAfterApplying}, ${world.users["candidate A"].id}, ${world.resumes.a1})`;
    await world.superuser`update public.job_postings set is_active = false where id = ${closedAfterApplying}`;
    postings = [
      closedAfterApplying,
      await post(R, "Open", { type: "contract", level: "senior" }),
      await post(R, "Open until next week", { level: "senior" }),
      await post(R, "Closed", { type: "contract", active: false }),
      await post(R, "Expired", { type: "contract", level: "senior" }),
      await post(S, "S open", { type: "part-time", level: "senior" }),
      await post(S, "S closed", { active: false }),
      await post(S, "S expired"),
    ];
    await world.superuser`update public.job_postings set expires_at = now() + interval '7 days' where id = ${postings[2]!}`;
    await world.superuser`update public.job_postings set expires_at = now() - interval '1 second' where id = any(${[postings[4]!, postings[7]!]})`;
  });

  const filters: { label: string; args: string; oracle: string }[] = [
    { label: "location only", args: "", oracle: "true" },
    { label: "job_type", args: ", filter_job_type => 'contract'", oracle: "j.job_type = 'contract'" },
    { label: "experience_level", args: ", filter_experience_level => 'senior'", oracle: "j.experience_level = 'senior'" },
    { label: "job_type + experience_level", args: ", filter_job_type => 'contract', filter_experience_level => 'senior'", oracle: "j.job_type = 'contract' and j.experience_level = 'senior'" },
    { label: "text search", args: ", search_text => 'kubernetes -closed'", oracle: "j.search_vector @@ websearch_to_tsquery('english', 'kubernetes -closed')" },
  ];

  test("list_open_job_postings and count_open_job_postings", async () => {
    const failures: string[] = [];
    for (const persona of personas) {
      const outcome = await attempt(world.api, world.callers[persona], async (tx) => {
        const seen: Record<string, unknown>[] = [];
        for (const filter of filters) {
          const listed = await tx.unsafe(`select id from public.list_open_job_postings(filter_location => $1${filter.args})`, [place]);
          const [counted] = await tx.unsafe(`select public.count_open_job_postings(filter_location => $1${filter.args}) as total`, [place]);
          const policy = await tx.unsafe(
            `select j.id from public.job_postings j where j.location = $1 and ${filter.oracle} and ${openRule} order by j.created_at desc, j.id desc`,
            [place],
          );
          const table = await tx.unsafe(`select j.id from public.job_postings j where j.location = $1 and ${filter.oracle} order by j.created_at desc, j.id desc`, [place]);
          seen.push({ filter: filter.label, listed: listed.map((r) => r.id), total: Number(counted!.total), policy: policy.map((r) => r.id), table: table.map((r) => r.id) });
        }
        return seen;
      });
      if (!outcome.ok) throw new Error(`${persona}: ${outcome.message}`);
      for (const seen of outcome.rows) {
        const { filter, listed, total, policy, table } = seen as { filter: string; listed: number[]; total: number; policy: number[]; table: number[] };
        if (JSON.stringify(listed) !== JSON.stringify(policy)) failures.push(`${persona} / ${filter}: listed ${listed}, the policy shows ${policy}`);
        if (total !== policy.length) failures.push(`${persona} / ${filter}: counted ${total}, the policy shows ${policy.length}`);
        // anon's policy is the open rule alone: the functions show all it may read.
        if (persona === "anon" && JSON.stringify(listed) !== JSON.stringify(table)) failures.push(`anon / ${filter}: listed ${listed}, anon reads ${table}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("list_open_job_postings_with_total: the same rows, each carrying the count, on every kind of page", async () => {
    const failures: string[] = [];
    for (const persona of personas) {
      const outcome = await attempt(world.api, world.callers[persona], async (tx) => {
        const seen: Record<string, unknown>[] = [];
        for (const filter of filters) {
          const policy = await tx.unsafe(
            `select j.id, to_char(j.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
               from public.job_postings j where j.location = $1 and ${filter.oracle} and ${openRule} order by j.created_at desc, j.id desc`,
            [place],
          );
          const pages: [string, string, unknown[]][] = [
            ["whole", "", []],
            // One row: the page does not tell the total, so it is counted.
            ["first of one row", ", page_limit => 1", []],
            ["second by offset", ", page_limit => 1, page_offset => 1", []],
          ];
          if (policy.length > 0) {
            // ::text first, as the services pass cursors: postgres.js serializes a value for a
            // timestamptz parameter through a JS Date, which keeps milliseconds only (postings
            // made within one millisecond then all fell on the wrong side of the cursor).
            pages.push(["after the first by cursor", ", after_created_at => $2::text::timestamptz, after_id => $3", [policy[0]!.created_at, policy[0]!.id]]);
          }
          for (const [page, args, values] of pages) {
            const rows = await tx.unsafe(
              `select id, total from public.list_open_job_postings_with_total(filter_location => $1${filter.args}${args})`,
              [place, ...values] as never[],
            );
            seen.push({ filter: filter.label, page, ids: rows.map((r) => r.id), totals: rows.map((r) => Number(r.total)), policy: policy.map((r) => r.id) });
          }
        }
        return seen;
      });
      if (!outcome.ok) throw new Error(`${persona}: ${outcome.message}`);
      for (const seen of outcome.rows) {
        const { filter, page, ids, totals, policy } = seen as { filter: string; page: string; ids: number[]; totals: number[]; policy: number[] };
        const expected = { whole: policy, "first of one row": policy.slice(0, 1), "second by offset": policy.slice(1, 2), "after the first by cursor": policy.slice(1) }[page];
        if (JSON.stringify(ids) !== JSON.stringify(expected)) failures.push(`${persona} / ${filter} / ${page}: listed ${ids}, the policy shows ${expected}`);
        if (totals.some((total) => total !== policy.length)) failures.push(`${persona} / ${filter} / ${page}: totals ${totals}, the policy shows ${policy.length}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test("the listing shows none of what some callers' policy adds", async () => {
    const read = (persona: Persona) =>
      attempt(world.api, world.callers[persona], async (tx) => {
        const listed = await tx`select id from public.list_open_job_postings(filter_location => ${place})`;
        const table = await tx`select j.id from public.job_postings j where j.location = ${place}`;
        return [{ listed: listed.map((r) => r.id).sort(), table: table.map((r) => r.id).sort() }];
      });
    const open = [postings[1]!, postings[2]!, postings[5]!].sort();
    expect(await read("anon")).toEqual({ ok: true, rows: [{ listed: open, table: open }] });
    // A applied to the posting that closed; R owns five of them, closed and expired too.
    expect(await read("candidate A")).toEqual({ ok: true, rows: [{ listed: open, table: [...open, postings[0]!].sort() }] });
    expect(await read("recruiter R")).toEqual({ ok: true, rows: [{ listed: open, table: [...open, postings[0]!, postings[3]!, postings[4]!].sort() }] });
    expect(await read("recruiter S")).toEqual({ ok: true, rows: [{ listed: open, table: [...open, postings[6]!, postings[7]!].sort() }] });
  });

  test("view_job_posting: an open posting or the caller's own, never one the caller's policy hides", async () => {
    const failures: string[] = [];
    for (const persona of personas) {
      const me = persona === "anon" ? null : world.users[persona].id;
      for (const id of postings) {
        const outcome = await attempt(world.api, world.callers[persona], async (tx) => {
          const viewed = await tx`select id from public.view_job_posting(${id})`;
          const policy = await tx.unsafe(
            `select j.id from public.job_postings j where j.id = $1 and (${openRule} or j.recruiter_id is not distinct from $2::uuid)`,
            [id, me],
          );
          const table = await tx`select j.id from public.job_postings j where j.id = ${id}`;
          return [{ viewed: viewed.map((r) => r.id), policy: policy.map((r) => r.id), table: table.map((r) => r.id) }];
        });
        if (!outcome.ok) throw new Error(`${persona} / ${id}: ${outcome.message}`);
        const { viewed, policy, table } = outcome.rows[0] as { viewed: number[]; policy: number[]; table: number[] };
        if (JSON.stringify(viewed) !== JSON.stringify(policy)) failures.push(`${persona} / posting ${id}: viewed ${viewed}, open or own through the policy ${policy}`);
        if (persona === "anon" && JSON.stringify(viewed) !== JSON.stringify(table)) failures.push(`anon / posting ${id}: viewed ${viewed}, anon reads ${table}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

// The helpers the policies call are functions authenticated may run directly too (as
// supabase-js could, were private exposed): to a caller who may not act they answer
// nothing either.
describe("policy helpers, called directly", () => {
  const worldJobs = () => [...Object.values(world.jobs), world.deactivated.job];
  const actions = {
    "applied job ids": (tx: Transaction) => tx`select x as id from private.applied_job_ids() x where x = any(${worldJobs()})`,
    "am I an active recruiter": (tx: Transaction) => tx`select private.is_active_recruiter() as id`,
    "do I own R's open posting": (tx: Transaction) => tx`select private.is_job_owner(${world.jobs.rOpen}) as id`,
    "do I own D's posting": (tx: Transaction) => tx`select private.is_job_owner(${world.deactivated.job}) as id`,
    "is R's posting open": (tx: Transaction) => tx`select private.is_open_job(${world.jobs.rOpen}) as id`,
    "is D's posting open": (tx: Transaction) => tx`select private.is_open_job(${world.deactivated.job}) as id`,
    "may I act": (tx: Transaction) => tx`select private.caller_may_act() as id`,
    "my state": (tx: Transaction) => tx`select private.caller_state() as id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",          "applied job ids",           noPrivilege("function applied_job_ids")],
    ["anon",          "may I act",                 noPrivilege("function caller_may_act")],
    ["anon",          "my state",                  noPrivilege("function caller_state")],
    ["candidate A",   "applied job ids",           sees(world.jobs.rOpen, world.deactivated.job)],
    ["candidate A",   "am I an active recruiter",  sees(false)],
    ["candidate A",   "is R's posting open",       sees(true)],
    ["candidate A",   "is D's posting open",       sees(false)],
    ["candidate A",   "may I act",                 sees(true)],
    ["candidate A",   "my state",                  sees("active")],
    ["recruiter R",   "am I an active recruiter",  sees(true)],
    ["recruiter R",   "do I own R's open posting", sees(true)],
    ["deactivated D", "my state",                  sees("deactivated")],
    ["signed-out A",  "my state",                  sees("signed_out")],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "applied job ids",           nothing],
      [p, "am I an active recruiter",  sees(false)],
      [p, "do I own R's open posting", sees(false)],
      [p, "do I own D's posting",      sees(false)],
      [p, "is R's posting open",       sees(false)],
      [p, "is D's posting open",       sees(false)],
      [p, "may I act",                 sees(false)],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("job_posting_view_counters", () => {
  const count = async (jobId: number) => {
    await world.superuser`insert into public.job_posting_view_counters (job_id, shard, views) values (${jobId}, 7, 3) on conflict do nothing`;
  };
  beforeAll(async () => {
    for (const id of [world.jobs.rOpen, world.jobs.rInactive, world.deactivated.job]) await count(id);
  });
  const actions = {
    "read R's open posting's views": (tx: Transaction) => tx`select job_id as id from public.job_posting_view_counters where job_id = ${world.jobs.rOpen}`,
    "read R's closed posting's views": (tx: Transaction) => tx`select job_id as id from public.job_posting_view_counters where job_id = ${world.jobs.rInactive}`,
    "read D's posting's views": (tx: Transaction) => tx`select job_id as id from public.job_posting_view_counters where job_id = ${world.deactivated.job}`,
    "inflate R's views": (tx: Transaction) => tx`update public.job_posting_view_counters set views = 1000000 where job_id = ${world.jobs.rOpen} returning job_id as id`,
    "add a shard": (tx: Transaction) => tx`insert into public.job_posting_view_counters (job_id, shard, views) values (${world.jobs.rOpen}, 8, 1000) returning job_id as id`,
    "erase R's views": (tx: Transaction) => tx`delete from public.job_posting_view_counters where job_id = ${world.jobs.rOpen} returning job_id as id`,
    "total views of R's open posting": (tx: Transaction) => tx`select private.job_posting_views(j) as id from public.job_postings j where j.id = ${world.jobs.rOpen}`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "read R's open posting's views",   sees(world.jobs.rOpen)],
    ["anon",        "read R's closed posting's views", nothing],
    ["anon",        "read D's posting's views",        nothing],
    ["anon",        "inflate R's views",               noPrivilege("table job_posting_view_counters")],
    ["anon",        "add a shard",                     noPrivilege("table job_posting_view_counters")],
    ["anon",        "total views of R's open posting", sees(3)],
    ["candidate A", "read R's closed posting's views", nothing],
    ["candidate A", "read D's posting's views",        sees(world.deactivated.job)],
    ["candidate A", "inflate R's views",               noPrivilege("table job_posting_view_counters")],
    ["recruiter R", "read R's closed posting's views", sees(world.jobs.rInactive)],
    ["recruiter R", "inflate R's views",               noPrivilege("table job_posting_view_counters")],
    ["recruiter R", "erase R's views",                 noPrivilege("table job_posting_view_counters")],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "read R's open posting's views",   nothing],
      [p, "read D's posting's views",        nothing],
      [p, "inflate R's views",               noPrivilege("table job_posting_view_counters")],
      [p, "add a shard",                     noPrivilege("table job_posting_view_counters")],
      [p, "erase R's views",                 noPrivilege("table job_posting_view_counters")],
      [p, "total views of R's open posting", nothing],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});
