// Who may do what to share links (issue 13), and to an applicant's resume through
// public.open_applicant_resume, as PostgREST applies it: each persona's real session
// claims, role switched, in a transaction rolled back after each case.
import { beforeAll, describe, test } from "bun:test";
import type { Transaction } from "../../src/db/client.ts";
import { attempt, noPrivilege, nothing, refused, rlsViolation, rows, runMatrix, sees, type MatrixRow } from "../support/rls.ts";
import { refusedPersonas, rlsWorld, type Persona, type World } from "../support/world.ts";

let world: World;
/** A's link to a1, B's link to b1, and A's revoked link, made by the superuser as the owners would. */
let links: { a: number; b: number; aRevoked: number };

beforeAll(async () => {
  world = await rlsWorld();
  const make = async (resumeId: number, label: string) => {
    const [row] = await world.superuser`insert into public.resume_share_links (resume_id, label) values (${resumeId}, ${label}) returning id`;
    return Number(row!.id);
  };
  links = { a: await make(world.resumes.a1, "A for R Corp"), b: await make(world.resumes.b1, "B for S Corp"), aRevoked: await make(world.resumes.a1, "A revoked") };
  await world.superuser`update public.resume_share_links set revoked_at = now() where id = ${links.aRevoked}`;
});

const readable = "id, resume_id, token, label, expires_at, view_limit, views_used, has_password, require_viewer_email, revoked_at, created_at, updated_at";

describe("resume_share_links", () => {
  const actions = {
    "list links": (tx: Transaction) => tx`select ${tx.unsafe(readable)} from public.resume_share_links where id = any(${[links.a, links.b, links.aRevoked]})`,
    "read the password hash": (tx: Transaction) => tx`select id, password_hash from public.resume_share_links where id = ${links.a}`,
    "select *": (tx: Transaction) => tx`select * from public.resume_share_links where id = ${links.a}`,
    "create a link to A's resume": (tx: Transaction) =>
      tx`insert into public.resume_share_links (resume_id, label) values (${world.resumes.a1}, 'New') returning id`,
    "create a link to B's resume": (tx: Transaction) =>
      tx`insert into public.resume_share_links (resume_id, label) values (${world.resumes.b1}, 'Mine now') returning id`,
    "create a link with a token of one's choosing": (tx: Transaction) =>
      tx`insert into public.resume_share_links (resume_id, label, token) values (${world.resumes.a1}, 'Chosen', ${"a".repeat(43)}) returning id`,
    "create a link with a password hash": (tx: Transaction) =>
      tx`insert into public.resume_share_links (resume_id, label, password_hash) values (${world.resumes.a1}, 'Hashed', ${"$2a$10$" + "a".repeat(53)}) returning id`,
    "create a link already used up": (tx: Transaction) =>
      tx`insert into public.resume_share_links (resume_id, label, views_used) values (${world.resumes.a1}, 'Used', 5) returning id`,
    "relabel A's link": (tx: Transaction) => tx`update public.resume_share_links set label = 'Renamed' where id = ${links.a} returning id`,
    "relabel B's link": (tx: Transaction) => tx`update public.resume_share_links set label = 'Hacked' where id = ${links.b} returning id`,
    "revoke B's link": (tx: Transaction) => tx`update public.resume_share_links set revoked_at = now() where id = ${links.b} returning id`,
    "revoke A's link": (tx: Transaction) => tx`update public.resume_share_links set revoked_at = now() where id = ${links.a} returning id`,
    "un-revoke A's revoked link": (tx: Transaction) => tx`update public.resume_share_links set revoked_at = null where id = ${links.aRevoked} returning id`,
    "choose A's link's token": (tx: Transaction) => tx`update public.resume_share_links set token = ${"b".repeat(43)} where id = ${links.a} returning id`,
    "reset A's link's view count": (tx: Transaction) => tx`update public.resume_share_links set views_used = 0 where id = ${links.a} returning id`,
    "move A's link to B's resume": (tx: Transaction) => tx`update public.resume_share_links set resume_id = ${world.resumes.b1} where id = ${links.a} returning id`,
    "delete A's link": (tx: Transaction) => tx`delete from public.resume_share_links where id = ${links.a} returning id`,
    "rotate A's link": (tx: Transaction) => tx`select id from public.rotate_resume_share_link(${links.a}) as id where id is not null`,
    "rotate B's link": (tx: Transaction) => tx`select id from public.rotate_resume_share_link(${links.b}) as id where id is not null`,
    "rotate A's revoked link": (tx: Transaction) => tx`select id from public.rotate_resume_share_link(${links.aRevoked}) as id where id is not null`,
    "set A's link's password": (tx: Transaction) => tx`select ok as id from public.set_resume_share_link_password(${links.a}, 'secret words') as ok where ok`,
    "set B's link's password": (tx: Transaction) => tx`select ok as id from public.set_resume_share_link_password(${links.b}, 'secret words') as ok where ok`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list links",                        noPrivilege("table resume_share_links")],
    ["anon",        "create a link to A's resume",       noPrivilege("table resume_share_links")],
    ["anon",        "relabel A's link",                  noPrivilege("table resume_share_links")],
    ["anon",        "rotate A's link",                   noPrivilege("function rotate_resume_share_link")],
    ["anon",        "set A's link's password",           noPrivilege("function set_resume_share_link_password")],
    ["candidate A", "list links",                        sees(links.a, links.aRevoked)],
    ["candidate A", "read the password hash",            noPrivilege("table resume_share_links")],
    ["candidate A", "select *",                          noPrivilege("table resume_share_links")],
    ["candidate A", "create a link to A's resume",       rows(1)],
    ["candidate A", "create a link to B's resume",       rlsViolation("resume_share_links")],
    ["candidate A", "create a link with a token of one's choosing", noPrivilege("table resume_share_links")],
    ["candidate A", "create a link with a password hash", noPrivilege("table resume_share_links")],
    ["candidate A", "create a link already used up",     noPrivilege("table resume_share_links")],
    ["candidate A", "relabel A's link",                  rows(1)],
    ["candidate A", "relabel B's link",                  nothing],
    ["candidate A", "revoke A's link",                   rows(1)],
    ["candidate A", "revoke B's link",                   nothing],
    ["candidate A", "un-revoke A's revoked link",        refused("PT409", /revoked and can no longer change/)],
    ["candidate A", "choose A's link's token",           noPrivilege("table resume_share_links")],
    ["candidate A", "reset A's link's view count",       noPrivilege("table resume_share_links")],
    ["candidate A", "move A's link to B's resume",       noPrivilege("table resume_share_links")],
    ["candidate A", "delete A's link",                   noPrivilege("table resume_share_links")],
    ["candidate A", "rotate A's link",                   rows(1)],
    ["candidate A", "rotate B's link",                   nothing],
    ["candidate A", "rotate A's revoked link",           nothing],
    ["candidate A", "set A's link's password",           rows(1)],
    ["candidate A", "set B's link's password",           nothing],
    ["candidate B", "list links",                        sees(links.b)],
    ["candidate B", "relabel A's link",                  nothing],
    ["candidate B", "create a link to A's resume",       rlsViolation("resume_share_links")],
    ["candidate B", "rotate A's link",                   nothing],
    ["candidate B", "set A's link's password",           nothing],
    // R received A's application with a1: that shares no link of it.
    ["recruiter R", "list links",                        nothing],
    ["recruiter R", "create a link to A's resume",       rlsViolation("resume_share_links")],
    ["recruiter R", "relabel A's link",                  nothing],
    ["recruiter R", "revoke A's link",                   nothing],
    ["recruiter R", "rotate A's link",                   nothing],
    ["recruiter R", "set A's link's password",           nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list links",                        nothing],
      [p, "create a link to A's resume",       rlsViolation("resume_share_links")],
      [p, "relabel A's link",                  nothing],
      [p, "revoke A's link",                   nothing],
      [p, "rotate A's link",                   nothing],
      [p, "set A's link's password",           nothing],
      [p, "delete A's link",                   noPrivilege("table resume_share_links")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("the owner's password is stored as bcrypt, and reads back only as has_password", async () => {
    const outcome = await attempt(world.api, world.callers["candidate A"], async (tx) => {
      await tx`select public.set_resume_share_link_password(${links.a}, 'secret words')`;
      return tx`select has_password from public.resume_share_links where id = ${links.a}`;
    });
    if (!outcome.ok || outcome.rows[0]?.has_password !== true) throw new Error(`has_password: ${JSON.stringify(outcome)}`);
    const tooShort = await attempt(world.api, world.callers["candidate A"], (tx) => tx`select public.set_resume_share_link_password(${links.a}, 'abc')`);
    if (tooShort.ok || tooShort.code !== "22023") throw new Error(`a 3-character password: ${JSON.stringify(tooShort)}`);
  });
});

describe("public.open_applicant_resume", () => {
  const actions = {
    "open A's application to R": (tx: Transaction) => tx`select application_id as id, status from public.open_applicant_resume(${world.applications.aToR})`,
    "open B's application to S": (tx: Transaction) => tx`select application_id as id from public.open_applicant_resume(${world.applications.bToS})`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "open A's application to R", noPrivilege("function open_applicant_resume")],
    ["recruiter R", "open A's application to R", sees(world.applications.aToR)],
    ["recruiter R", "open B's application to S", nothing],
    ["recruiter S", "open A's application to R", nothing],
    ["recruiter S", "open B's application to S", sees(world.applications.bToS)],
    // The candidate is a party, but only the job's recruiter reviews.
    ["candidate A", "open A's application to R", nothing],
    ["candidate B", "open A's application to R", nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "open A's application to R", nothing],
      [p, "open B's application to S", nothing],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("the job's recruiter opening it moves pending to reviewed, once, with history by the recruiter", async () => {
    const outcome = await attempt(world.api, world.callers["recruiter R"], async (tx) => {
      const first = await tx`select status, reviewed_at from public.open_applicant_resume(${world.applications.aToR})`;
      const second = await tx`select status, reviewed_at from public.open_applicant_resume(${world.applications.aToR})`;
      const history = await tx`select from_status, to_status, changed_by from public.job_application_status_history where application_id = ${world.applications.aToR} order by id`;
      return [{ id: JSON.stringify({ first: first[0], second: second[0], history: [...history] }) }];
    });
    if (!outcome.ok) throw new Error(outcome.message);
    const seen = JSON.parse(outcome.rows[0]!.id as string);
    const expected = { status: "reviewed", reviewed_at: seen.first.reviewed_at };
    if (JSON.stringify(seen.first) !== JSON.stringify(expected) || JSON.stringify(seen.second) !== JSON.stringify(expected) || !seen.first.reviewed_at) {
      throw new Error(`openings: ${JSON.stringify(seen)}`);
    }
    const moves = seen.history.map((h: { from_status: string | null; to_status: string; changed_by: string }) => [h.from_status, h.to_status, h.changed_by]);
    if (JSON.stringify(moves) !== JSON.stringify([[null, "pending", null], ["pending", "reviewed", world.users["recruiter R"].id]])) throw new Error(`history: ${JSON.stringify(moves)}`);
  });
});
