// Who may do what to public.profiles and public.recruiter_profiles.
import { beforeAll, describe, test } from "bun:test";
import type { Transaction } from "../../src/db/client.ts";
import { noPrivilege, nothing, refused, rlsViolation, rows, runMatrix, sees, type MatrixRow } from "../support/rls.ts";
import { refusedPersonas, rlsWorld, type Persona, type World } from "../support/world.ts";

let world: World;
beforeAll(async () => {
  world = await rlsWorld();
});

const me = (persona: Persona) => world.users[persona as Exclude<Persona, "anon">]?.id ?? "00000000-0000-0000-0000-000000000000";
const everyone = () => Object.values(world.users).map((user) => user.id);

describe("profiles", () => {
  const actions = {
    "read every profile": (tx: Transaction, p: Persona) => tx`select id from public.profiles where id = any(${everyone()}::uuid[])`,
    "rename self": (tx: Transaction, p: Persona) => tx`update public.profiles set full_name = 'New Name' where id = ${me(p)} returning id`,
    "rename candidate B": (tx: Transaction) => tx`update public.profiles set full_name = 'Hacked' where id = ${world.users["candidate B"].id} returning id`,
    "promote self to recruiter": (tx: Transaction, p: Persona) => tx`update public.profiles set user_type = 'recruiter' where id = ${me(p)} returning id`,
    "verify self": (tx: Transaction, p: Persona) => tx`update public.profiles set is_verified = true where id = ${me(p)} returning id`,
    "reactivate self": (tx: Transaction, p: Persona) => tx`update public.profiles set is_active = true where id = ${me(p)} returning id`,
    "set own last_login": (tx: Transaction, p: Persona) => tx`update public.profiles set last_login = now() where id = ${me(p)} returning id`,
    "insert a profile": (tx: Transaction, p: Persona) => tx`insert into public.profiles (id, email) values (${crypto.randomUUID()}, 'x@example.test') returning id`,
    "delete self": (tx: Transaction, p: Persona) => tx`delete from public.profiles where id = ${me(p)} returning id`,
    "rename self with control characters": (tx: Transaction, p: Persona) =>
      tx`update public.profiles set full_name = ${"Evil\u001b[2JName"} where id = ${me(p)} returning id`,
    "rename self to blank": (tx: Transaction, p: Persona) => tx`update public.profiles set full_name = '   ' where id = ${me(p)} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "read every profile",        noPrivilege("table profiles")],
    ["anon",        "rename candidate B",        noPrivilege("table profiles")],
    ["anon",        "insert a profile",          noPrivilege("table profiles")],
    ["candidate A", "read every profile",        sees(world.users["candidate A"].id)],
    ["candidate A", "rename self",               rows(1)],
    ["candidate A", "rename candidate B",        nothing],
    ["candidate A", "promote self to recruiter", noPrivilege("table profiles")],
    ["candidate A", "verify self",               noPrivilege("table profiles")],
    ["candidate A", "reactivate self",           noPrivilege("table profiles")],
    ["candidate A", "set own last_login",        noPrivilege("table profiles")],
    ["candidate A", "insert a profile",          noPrivilege("table profiles")],
    ["candidate A", "delete self",               noPrivilege("table profiles")],
    ["candidate B", "read every profile",        sees(world.users["candidate B"].id)],
    ["candidate B", "rename candidate B",        rows(1)],
    ["recruiter R", "read every profile",        sees(world.users["recruiter R"].id)],
    ["recruiter R", "rename self",               rows(1)],
    ["recruiter R", "rename candidate B",        nothing],
    ["recruiter R", "verify self",               noPrivilege("table profiles")],
    ["recruiter S", "read every profile",        sees(world.users["recruiter S"].id)],
    // The profile rules hold through the table too (issue 11, hole 10).
    ["candidate A", "rename self with control characters", refused("23514", /profiles_full_name_clean/)],
    ["candidate A", "rename self to blank",      refused("23514", /profiles_full_name_clean/)],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "read every profile",        nothing],
      [p, "rename self",               nothing],
      [p, "rename candidate B",        nothing],
      [p, "promote self to recruiter", noPrivilege("table profiles")],
      [p, "verify self",               noPrivilege("table profiles")],
      [p, "reactivate self",           noPrivilege("table profiles")],
      [p, "set own last_login",        noPrivilege("table profiles")],
      [p, "insert a profile",          noPrivilege("table profiles")],
      [p, "delete self",               noPrivilege("table profiles")],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});

describe("recruiter_profiles", () => {
  const publicColumns = "id, username, recruiter_type, company_name, bio, is_verified";
  const worldUsernames = () => [world.usernames.r, world.usernames.s];
  const newProfile = (userId: string, username: string) => ({
    user_id: userId,
    username,
    recruiter_type: "company",
    company_name: "New Co",
  });
  const actions = {
    "read public fields": (tx: Transaction) =>
      tx`select ${tx.unsafe(publicColumns)} from public.recruiter_profiles where username = any(${worldUsernames()})`,
    "read phone": (tx: Transaction) => tx`select phone from public.recruiter_profiles where username = any(${worldUsernames()})`,
    "select *": (tx: Transaction) => tx`select * from public.recruiter_profiles where username = any(${worldUsernames()})`,
    "read own profile with phone": (tx: Transaction) => tx`select id, phone from public.my_recruiter_profile()`,
    "update own bio": (tx: Transaction, p: Persona) => tx`update public.recruiter_profiles set bio = 'Updated' where user_id = ${me(p)} returning id`,
    "update own phone": (tx: Transaction, p: Persona) => tx`update public.recruiter_profiles set phone = '+1 555 0199' where user_id = ${me(p)} returning id`,
    "update S's bio": (tx: Transaction) => tx`update public.recruiter_profiles set bio = 'Hacked' where username = ${world.usernames.s} returning id`,
    "verify own profile": (tx: Transaction, p: Persona) => tx`update public.recruiter_profiles set is_verified = true where user_id = ${me(p)} returning id`,
    "take S's username in another case": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set username = ${world.usernames.s.toUpperCase()} where user_id = ${me(p)} returning id`,
    "create own profile": (tx: Transaction, p: Persona) =>
      tx`insert into public.recruiter_profiles ${tx(newProfile(me(p), `new-${p.at(-1)}-${Date.now()}`))} returning id`,
    "create a profile for S": (tx: Transaction) =>
      tx`insert into public.recruiter_profiles ${tx(newProfile(world.users["recruiter S"].id, `fake-${Date.now()}`))} returning id`,
    "move own profile to S": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set user_id = ${world.users["recruiter S"].id} where user_id = ${me(p)} returning id`,
    "delete own profile": (tx: Transaction, p: Persona) => tx`delete from public.recruiter_profiles where user_id = ${me(p)} returning id`,
    "check a username": (tx: Transaction) => tx`select public.recruiter_username_available(${world.usernames.r.toUpperCase()}) as id`,
    "read D's public fields": (tx: Transaction) =>
      tx`select ${tx.unsafe(publicColumns)} from public.recruiter_profiles where username = ${world.deactivated.username}`,
    "check D's username": (tx: Transaction) => tx`select public.recruiter_username_available(${world.deactivated.username}) as id`,
    "check a free username": (tx: Transaction) => tx`select public.recruiter_username_available(${`free-${Date.now()}`}) as id`,
    "set own phone to a script": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set phone = 'not a phone <script>' where user_id = ${me(p)} returning id`,
    "put control characters in own company_name": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set company_name = ${"Acme\u0007Inc"} where user_id = ${me(p)} returning id`,
    "set own website to javascript:": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set company_website = 'javascript:alert(1)' where user_id = ${me(p)} returning id`,
    "set own logo to a C1 control character": (tx: Transaction, p: Persona) =>
      tx`update public.recruiter_profiles set logo_url = ${"https://cdn.example/\u0085.png"} where user_id = ${me(p)} returning id`,
    "create own profile with a junk phone": (tx: Transaction, p: Persona) =>
      tx`insert into public.recruiter_profiles ${tx({ ...newProfile(me(p), `junk-${Date.now()}`), phone: "call me maybe" })} returning id`,
  };
  type Action = keyof typeof actions;

  // prettier-ignore
  const matrix = (): MatrixRow<Persona, Action>[] => [
    ["anon",        "read public fields",                rows(2)],
    ["anon",        "read phone",                        noPrivilege("table recruiter_profiles")],
    ["anon",        "select *",                          noPrivilege("table recruiter_profiles")],
    ["anon",        "read own profile with phone",       noPrivilege("function my_recruiter_profile")],
    ["anon",        "update S's bio",                    noPrivilege("table recruiter_profiles")],
    ["anon",        "create a profile for S",            noPrivilege("table recruiter_profiles")],
    ["anon",        "check a username",                  sees(false)],
    ["candidate A", "read public fields",                rows(2)],
    ["candidate A", "read phone",                        noPrivilege("table recruiter_profiles")],
    ["candidate A", "read own profile with phone",       nothing],
    ["candidate A", "create own profile",                rlsViolation("recruiter_profiles")],
    ["candidate A", "update S's bio",                    nothing],
    ["recruiter R", "read public fields",                rows(2)],
    ["recruiter R", "read phone",                        noPrivilege("table recruiter_profiles")],
    ["recruiter R", "read own profile with phone",       rows(1)],
    ["recruiter R", "update own bio",                    rows(1)],
    ["recruiter R", "update own phone",                  rows(1)],
    ["recruiter R", "update S's bio",                    nothing],
    ["recruiter R", "verify own profile",                noPrivilege("table recruiter_profiles")],
    ["recruiter R", "take S's username in another case", refused("23505", /recruiter_profiles_username_lower_key/)],
    ["recruiter R", "create own profile",                refused("23505", /recruiter_profiles_user_id_key/)],
    ["recruiter R", "create a profile for S",            rlsViolation("recruiter_profiles")],
    ["recruiter R", "move own profile to S",             noPrivilege("table recruiter_profiles")],
    ["recruiter R", "delete own profile",                noPrivilege("table recruiter_profiles")],
    ["recruiter S", "update own bio",                    rows(1)],
    ["recruiter T", "create own profile",                rows(1)],
    ["recruiter T", "read own profile with phone",       nothing],
    // A deactivated recruiter's profile leaves the public pages, for everyone; its
    // username stays taken (reactivation brings the profile back).
    ["anon",        "read D's public fields",            nothing],
    ["candidate A", "read D's public fields",            nothing],
    ["recruiter R", "read D's public fields",            nothing],
    ["anon",        "check D's username",                sees(false)],
    ["candidate A", "check D's username",                sees(false)],
    ["anon",        "check a free username",             sees(true)],
    // The profile rules hold through the table too (issue 11, hole 10).
    ["recruiter R", "set own phone to a script",         refused("23514", /recruiter_profiles_phone_format/)],
    ["recruiter R", "put control characters in own company_name", refused("23514", /recruiter_profiles_company_name_clean/)],
    ["recruiter R", "set own website to javascript:",    refused("23514", /recruiter_profiles_company_website_url/)],
    ["recruiter R", "set own logo to a C1 control character", refused("23514", /recruiter_profiles_logo_url_url/)],
    ["recruiter T", "create own profile with a junk phone", refused("23514", /recruiter_profiles_phone_format/)],
    ["recruiter T", "check a free username",             sees(true)],
    ...refusedPersonas.flatMap((p): MatrixRow<Persona, Action>[] => [
      [p, "read public fields",                nothing],
      [p, "read D's public fields",            nothing],
      [p, "read phone",                        noPrivilege("table recruiter_profiles")],
      [p, "select *",                          noPrivilege("table recruiter_profiles")],
      [p, "read own profile with phone",       nothing],
      [p, "update own bio",                    nothing],
      [p, "update own phone",                  nothing],
      [p, "update S's bio",                    nothing],
      [p, "verify own profile",                noPrivilege("table recruiter_profiles")],
      [p, "take S's username in another case", nothing],
      [p, "create own profile",                rlsViolation("recruiter_profiles")],
      [p, "create a profile for S",            rlsViolation("recruiter_profiles")],
      [p, "move own profile to S",             noPrivilege("table recruiter_profiles")],
      [p, "delete own profile",                noPrivilege("table recruiter_profiles")],
      [p, "check a username",                  sees(null)],
      [p, "check a free username",             sees(null)],
    ]),
  ];

  test("matrix", () => runMatrix(world.api, world.callers, actions, matrix()));
});
