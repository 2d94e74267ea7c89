// Who may do what to resumes, their view counters and stats, their access logs, and
// the API tokens. Resumes are owner-only through the tables: previewcv.com reads a
// shared resume through the public fetch, by token.
import { beforeAll, describe, test } from "bun:test";
import type { Transaction } from "../../src/db/client.ts";
import { attempt, noPrivilege, nothing, refused, rlsViolation, rows, runMatrix, sees, type MatrixRow } from "../support/rls.ts";
import { refusedPersonas, rlsWorld, shareToken, type Persona, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await rlsWorld();
});

const idOf = (persona: Persona) => world.users[persona as Exclude<Persona, "anon">]?.id ?? "00000000-0000-0000-0000-000000000000";
const worldResumes = () => Object.values(world.resumes);

describe("resumes", () => {
  const newResume = (owner: string, folderOwner = owner) => ({
    user_id: owner,
    resume_name: "Fresh",
    pdf_filename: `${folderOwner}/${crypto.randomUUID()}.pdf`,
    permanent_token: shareToken(),
  });
  const actions = {
    "list resumes": (tx: Transaction) => tx`select id from public.resumes where id = any(${worldResumes()})`,
    "read B's resume by id": (tx: Transaction) => tx`select id from public.resumes where id = ${world.resumes.b1}`,
    "read A's resume by token": (tx: Transaction) =>
      tx`select r.id from public.resumes r where r.permanent_token = (select permanent_token from public.resumes where id = ${world.resumes.a1})`,
    "upload own resume": (tx: Transaction, p: Persona) => tx`insert into public.resumes ${tx(newResume(idOf(p)))} returning id`,
    "insert a resume with user_id = B": (tx: Transaction) =>
      tx`insert into public.resumes ${tx(newResume(world.users["candidate B"].id))} returning id`,
    "register B's file as own": (tx: Transaction, p: Persona) =>
      tx`insert into public.resumes ${tx(newResume(idOf(p), world.users["candidate B"].id))} returning id`,
    "insert a weak share token": (tx: Transaction, p: Persona) =>
      tx`insert into public.resumes ${tx({ ...newResume(idOf(p)), permanent_token: "abc" })} returning id`,
    "rename own resume": (tx: Transaction, p: Persona) => tx`update public.resumes set resume_name = 'Renamed' where user_id = ${idOf(p)} returning id`,
    "deactivate own resume": (tx: Transaction) => tx`update public.resumes set is_active = false where id = ${world.resumes.a1} returning id`,
    "rename B's resume": (tx: Transaction) => tx`update public.resumes set resume_name = 'Hacked' where id = ${world.resumes.b1} returning id`,
    "hand own resume to B": (tx: Transaction) => tx`update public.resumes set user_id = ${world.users["candidate B"].id} where id = ${world.resumes.a1} returning id`,
    "repoint own resume's file": (tx: Transaction) =>
      tx`update public.resumes set pdf_filename = ${`${world.users["candidate B"].id}/x.pdf`} where id = ${world.resumes.a1} returning id`,
    "delete B's resume": (tx: Transaction) => tx`delete from public.resumes where id = ${world.resumes.b1} returning id`,
    "delete own resume": (tx: Transaction) => tx`delete from public.resumes where id = ${world.resumes.a1} returning id`,
    "list own resumes": (tx: Transaction, p: Persona) => tx`select id from public.resumes where user_id = ${idOf(p)}`,
    // The attacks of issue 11 (hole 3), through the table as PostgREST would run them.
    "insert a path out of the own folder": (tx: Transaction, p: Persona) =>
      tx`insert into public.resumes ${tx({ ...newResume(idOf(p)), pdf_filename: `${idOf(p)}/../${crypto.randomUUID()}.pdf` })} returning id`,
    "insert a javascript: QR code without a file": (tx: Transaction, p: Persona) =>
      tx`insert into public.resumes ${tx({ ...newResume(idOf(p)), qr_code_base64: "javascript:alert(1)" })} returning id`,
    "insert a 5 MB QR code": (tx: Transaction, p: Persona) =>
      tx`insert into public.resumes ${tx({ ...newResume(idOf(p)), qr_code_base64: `data:image/png;base64,${"A".repeat(5_000_000)}` })} returning id`,
    "choose own share token": (tx: Transaction) =>
      tx`update public.resumes set permanent_token = ${shareToken()} where id = ${world.resumes.a1} returning id`,
    "set own QR code to javascript:": (tx: Transaction) =>
      tx`update public.resumes set qr_code_base64 = 'javascript:alert(1)' where id = ${world.resumes.a1} returning id`,
    "set own pdf_url": (tx: Transaction) =>
      tx`update public.resumes set pdf_url = 'https://evil.example/x.pdf' where id = ${world.resumes.a1} returning id`,
    "record an upload through the servers' function": (tx: Transaction, p: Persona) =>
      tx`select private.record_uploaded_resume(${idOf(p)}::uuid, null, 'CV', ${`${"a".repeat(32)}.pdf`}, ${shareToken()}, null, false, 1000) as id`,
    "rotate A's token through the servers' function": (tx: Transaction) =>
      tx`select private.rotate_resume_share_token(${world.users["candidate A"].id}::uuid, null, ${world.resumes.a1}::bigint, ${shareToken()}, null) as id`,
    "delete own resumes": (tx: Transaction, p: Persona) => tx`delete from public.resumes where user_id = ${idOf(p)} returning id`,
  };
  type Action = keyof typeof actions;
  const { a1, a2Inactive, b1 } = { a1: () => world.resumes.a1, a2Inactive: () => world.resumes.a2Inactive, b1: () => world.resumes.b1 };

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "list resumes",                    noPrivilege("table resumes")],
    ["anon",        "upload own resume",               noPrivilege("table resumes")],
    ["anon",        "delete B's resume",               noPrivilege("table resumes")],
    ["candidate A", "list resumes",                    sees(a1(), a2Inactive())],
    ["candidate A", "read B's resume by id",           nothing],
    // Only the upload path records resumes (private.record_uploaded_resume, the servers'
    // role only): no insert through the table at all, whatever the values.
    ["candidate A", "upload own resume",               noPrivilege("table resumes")],
    ["candidate A", "insert a resume with user_id = B", noPrivilege("table resumes")],
    ["candidate A", "register B's file as own",        noPrivilege("table resumes")],
    ["candidate A", "insert a weak share token",       noPrivilege("table resumes")],
    ["candidate A", "insert a path out of the own folder", noPrivilege("table resumes")],
    ["candidate A", "insert a javascript: QR code without a file", noPrivilege("table resumes")],
    ["candidate A", "insert a 5 MB QR code",           noPrivilege("table resumes")],
    ["candidate A", "choose own share token",          noPrivilege("table resumes")],
    ["candidate A", "set own QR code to javascript:",  noPrivilege("table resumes")],
    ["candidate A", "set own pdf_url",                 noPrivilege("table resumes")],
    ["candidate A", "record an upload through the servers' function", noPrivilege("function record_uploaded_resume")],
    ["candidate A", "rotate A's token through the servers' function", noPrivilege("function rotate_resume_share_token")],
    ["anon",        "record an upload through the servers' function", noPrivilege("function record_uploaded_resume")],
    ["anon",        "rotate A's token through the servers' function", noPrivilege("function rotate_resume_share_token")],
    ["candidate A", "rename own resume",               rows(2)],
    ["candidate A", "deactivate own resume",           rows(1)],
    ["candidate A", "rename B's resume",               nothing],
    ["candidate A", "hand own resume to B",            noPrivilege("table resumes")],
    ["candidate A", "repoint own resume's file",       noPrivilege("table resumes")],
    ["candidate A", "delete B's resume",               nothing],
    ["candidate A", "delete own resume",               rows(1)],
    ["candidate B", "list resumes",                    sees(b1())],
    ["candidate B", "read A's resume by token",        nothing],
    ["candidate B", "deactivate own resume",           nothing],
    // R received A's application with a1, and still cannot read the resume row.
    ["recruiter R", "list resumes",                    nothing],
    ["recruiter R", "rename B's resume",               nothing],
    ["recruiter R", "delete B's resume",               nothing],
    ["candidate A", "list own resumes",                sees(a1(), a2Inactive())],
    // A deactivated account (with its session alive) and a signed-out token (A's own
    // claims, session gone) may do nothing, on their own rows least of all.
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "list resumes",                    nothing],
      [p, "list own resumes",                nothing],
      [p, "read B's resume by id",           nothing],
      [p, "read A's resume by token",        nothing],
      [p, "upload own resume",               noPrivilege("table resumes")],
      [p, "insert a resume with user_id = B", noPrivilege("table resumes")],
      [p, "choose own share token",          noPrivilege("table resumes")],
      [p, "record an upload through the servers' function", noPrivilege("function record_uploaded_resume")],
      [p, "rename own resume",               nothing],
      [p, "deactivate own resume",           nothing],
      [p, "rename B's resume",               nothing],
      [p, "hand own resume to B",            noPrivilege("table resumes")],
      [p, "repoint own resume's file",       noPrivilege("table resumes")],
      [p, "delete B's resume",               nothing],
      [p, "delete own resume",               nothing],
      [p, "delete own resumes",              nothing],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("resume_view_counters, resume_stats, resume_access_logs", () => {
  const actions = {
    "read counters": (tx: Transaction) =>
      tx`select resume_id as id from public.resume_view_counters where resume_id = any(${worldResumes()})`,
    "bump A's counter": (tx: Transaction) =>
      tx`update public.resume_view_counters set views = views + 1000 where resume_id = ${world.resumes.a1} returning resume_id as id`,
    "insert a counter": (tx: Transaction) =>
      tx`insert into public.resume_view_counters (resume_id, shard, views) values (${world.resumes.a1}, 9, 1000) returning resume_id as id`,
    "read stats": (tx: Transaction) =>
      tx`select resume_id as id, access_count from public.resume_stats where resume_id = any(${worldResumes()})`,
    "read access logs": (tx: Transaction) =>
      tx`select resume_id as id from public.resume_access_logs where resume_id = any(${worldResumes()})`,
    "write an access log": (tx: Transaction) =>
      tx`insert into public.resume_access_logs (resume_id, ip_address) values (${world.resumes.a1}, '198.51.100.1') returning id`,
    "erase access logs": (tx: Transaction) => tx`delete from public.resume_access_logs where resume_id = ${world.resumes.a1} returning id`,
    "rewrite access logs": (tx: Transaction) =>
      tx`update public.resume_access_logs set referer = 'x' where resume_id = ${world.resumes.a1} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "read counters",       noPrivilege("table resume_view_counters")],
    ["anon",        "read stats",          noPrivilege("view resume_stats")],
    ["anon",        "read access logs",    noPrivilege("table resume_access_logs")],
    ["anon",        "write an access log", noPrivilege("table resume_access_logs")],
    ["candidate A", "read counters",       sees(world.resumes.a1, world.resumes.a1)],
    ["candidate A", "read stats",          sees(world.resumes.a1)],
    ["candidate A", "read access logs",    sees(world.resumes.a1)],
    ["candidate A", "bump A's counter",    noPrivilege("table resume_view_counters")],
    ["candidate A", "insert a counter",    noPrivilege("table resume_view_counters")],
    ["candidate A", "write an access log", noPrivilege("table resume_access_logs")],
    ["candidate A", "erase access logs",   noPrivilege("table resume_access_logs")],
    ["candidate A", "rewrite access logs", noPrivilege("table resume_access_logs")],
    ["candidate B", "read counters",       sees(world.resumes.b1)],
    ["candidate B", "read stats",          sees(world.resumes.b1)],
    ["candidate B", "read access logs",    sees(world.resumes.b1)],
    ["recruiter R", "read counters",       nothing],
    ["recruiter R", "read stats",          nothing],
    ["recruiter R", "read access logs",    nothing],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "read counters",       nothing],
      [p, "read stats",          nothing],
      [p, "read access logs",    nothing],
      [p, "bump A's counter",    noPrivilege("table resume_view_counters")],
      [p, "insert a counter",    noPrivilege("table resume_view_counters")],
      [p, "write an access log", noPrivilege("table resume_access_logs")],
      [p, "erase access logs",   noPrivilege("table resume_access_logs")],
      [p, "rewrite access logs", noPrivilege("table resume_access_logs")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));

  test("stats fold the shards into the seed's access_count", async () => {
    const outcome = await attempt(world.api, world.callers["candidate A"], (tx) =>
      tx`select access_count from public.resume_stats where resume_id = ${world.resumes.a1}`,
    );
    if (!outcome.ok) throw new Error(outcome.message);
    if (outcome.rows[0]?.access_count !== 5) throw new Error(`access_count ${outcome.rows[0]?.access_count}, expected 3 + 2`);
  });
});

describe("api_tokens", () => {
  const actions = {
    "read tokens": (tx: Transaction) => tx`select id from public.api_tokens`,
    "mint a token": (tx: Transaction) =>
      tx`insert into public.api_tokens (token_hash, token_prefix, token_name) values (extensions.digest('mine', 'sha256'), 'mine', 'mine') returning id`,
    "reactivate a token": (tx: Transaction) => tx`update public.api_tokens set is_active = true where id = ${world.apiTokenId} returning id`,
    "delete a token": (tx: Transaction) => tx`delete from public.api_tokens where id = ${world.apiTokenId} returning id`,
  };
  type Action = keyof typeof actions;
  const personas: Persona[] = ["anon", "candidate A", "recruiter R", ...refusedPersonas];

  const matrix = (): MatrixRow<Persona, Action>[] =>
    personas.flatMap((persona) =>
      (Object.keys(actions) as Action[]).map((action): MatrixRow<Persona, Action> => [persona, action, noPrivilege("table api_tokens")]),
    );

  test("matrix: no API role can touch a token", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("resume functions", () => {
  const actions = {
    "A's analytics": (tx: Transaction) => tx`select public.resume_analytics(${world.resumes.a1}, 30) is not null as id`,
    "own analytics": (tx: Transaction, p: Persona) =>
      tx`select public.resume_analytics(r.id, 30) is not null as id from (select ${p === "deactivated D" ? world.deactivated.resume : world.resumes.a1}::bigint as id) r`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "A's analytics", noPrivilege("function resume_analytics")],
    ["candidate A", "A's analytics", sees(true)],
    ["candidate B", "A's analytics", sees(false)],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "A's analytics", sees(false)],
      [p, "own analytics", sees(false)],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});
