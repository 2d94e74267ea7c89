// Profile rules hold on the direct path too (hole 10 of issue 11): a sign-up through
// Supabase Auth's /auth/v1/signup, with user_metadata the facade never saw, is held to
// the rules of the facade's zod schemas by the triggers on auth.users and the tables'
// constraints (migration 20261201000700). A refusal is the whole sign-up rolled back and,
// for clients of GoTrue's initial API, a 422 naming the field and its rule.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startAuthStandIn, type RunningStandIn } from "../support/auth-stand-in.ts";
import { testPassword as password } from "../support/accounts.ts";
import { uniqueEmail, uniqueUsername } from "../support/personas.ts";

let standIn: RunningStandIn;
beforeAll(async () => {
  standIn = await startAuthStandIn();
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(() => standIn.stop());

/** POST /auth/v1/signup as curl or an old client would: no X-Supabase-Api-Version. */
async function signUp(data: Record<string, unknown>, email = uniqueEmail("rules")) {
  const response = await fetch(`${standIn.url}/auth/v1/signup`, {
    method: "POST",
    headers: { apikey: standIn.anonKey, "content-type": "application/json" },
    body: JSON.stringify({ email, password, data }),
  });
  return { email, status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function leftBehind(email: string) {
  const [row] = await standIn.sql`
    select (select count(*) from auth.users where email = ${email})::int as users,
           (select count(*) from auth.identities where email = ${email})::int as identities,
           (select count(*) from public.profiles where email = ${email})::int as profiles`;
  return row;
}

const recruiter = (profile: Record<string, unknown>) => ({
  full_name: "Rita Recruiter",
  user_type: "recruiter",
  recruiter_profile: { username: uniqueUsername("rules"), recruiter_type: "company", company_name: "Acme", ...profile },
});

describe("a sign-up with metadata that breaks a rule", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    // The two the issue found stored.
    ["control characters in company_name", recruiter({ company_name: "Acme\u0007\u001b[2J Inc" }), "Invalid recruiter_profile.company_name: must not contain control characters"],
    ["a phone that is not one", recruiter({ phone: "not a phone <script>" }), "Invalid recruiter_profile.phone: digits, spaces and + ( ) - . only"],
    // And every other rule of the facade's schemas.
    ["a C1 control character in the account's name", { full_name: "Ann\u0085Candidate", user_type: "candidate" }, "Invalid full_name: not blank, no control characters"],
    ["a name longer than 255", { full_name: "x".repeat(256), user_type: "candidate" }, "Invalid full_name: at most 255 characters"],
    ["an unknown user_type", { user_type: "admin" }, "Invalid user_type: must be candidate or recruiter"],
    ["a recruiter block on a candidate", { user_type: "candidate", recruiter_profile: { username: "x" } }, 'Invalid recruiter_profile: a recruiter_profile needs user_type "recruiter"'],
    ["no username", recruiter({ username: "  " }), "Invalid recruiter_profile.username: required"],
    ["a username with a slash", recruiter({ username: "a/../b" }), "Invalid recruiter_profile.username: 3-100 letters, digits, - or _, starting with a letter or digit"],
    ["an unknown recruiter_type", recruiter({ recruiter_type: "agency" }), "Invalid recruiter_profile.recruiter_type: must be company or individual"],
    ["a javascript: website", recruiter({ company_website: "javascript:alert(1)" }), "Invalid recruiter_profile.company_website: must be an http(s) URL"],
    ["a linkedin_url with a space", recruiter({ linkedin_url: "https://linkedin.com/in/a b" }), "Invalid recruiter_profile.linkedin_url: must be an http(s) URL"],
    ["a data: logo", recruiter({ logo_url: "data:image/png;base64,AAAA" }), "Invalid recruiter_profile.logo_url: must be an http(s) URL"],
    ["a fractional years_experience", recruiter({ years_experience: 2.5 }), "Invalid recruiter_profile.years_experience: a whole number from 0 to 80"],
    ["years_experience over 80", recruiter({ years_experience: 81 }), "Invalid recruiter_profile.years_experience: a whole number from 0 to 80"],
    ["a company_size longer than 50", recruiter({ company_size: "1".repeat(51) }), "Invalid recruiter_profile.company_size: at most 50 characters"],
    ["control characters in location", recruiter({ location: "Berlin\nEvil" }), "Invalid recruiter_profile.location: must not contain control characters"],
    ["a bio over 5000 characters", recruiter({ bio: "b".repeat(5001) }), "Invalid recruiter_profile.bio: at most 5000 characters"],
    ["a company without its name", recruiter({ company_name: "" }), "Invalid recruiter_profile.company_name (for a company) or full_name (for an individual): required"],
    ["an object for a text", recruiter({ industry: { $gt: "" } }), "Invalid recruiter_profile.industry: must be text"],
  ];

  test.each(cases)("%s: 422 with the field and its rule, and nothing stored", async (_label, data, message) => {
    const answer = await signUp(data);
    expect([answer.status, answer.body.code, answer.body.message]).toEqual([422, "PT422", message]);
    expect(await leftBehind(answer.email)).toEqual({ users: 0, identities: 0, profiles: 0 } as never);
  });

  test("supabase-js (API version 2024-01-01) gets GoTrue's 500 'Database error saving new user': nothing stored either", async () => {
    const email = uniqueEmail("rules-js");
    const { error } = await standIn.anonClient().auth.signUp({ email, password, options: { data: recruiter({ phone: "not a phone <script>" }) } });
    expect(error).toMatchObject({ status: 500, message: "Database error saving new user" });
    expect(await leftBehind(email)).toEqual({ users: 0, identities: 0, profiles: 0 } as never);
  });
});

describe("a sign-up within the rules", () => {
  test("is stored trimmed, as the facade stores it", async () => {
    const username = uniqueUsername("trim");
    const answer = await signUp({
      full_name: "  Rita Recruiter  ",
      user_type: "recruiter",
      recruiter_profile: {
        username: `  ${username} `,
        recruiter_type: "company",
        company_name: " Acme ",
        phone: " +1 (555) 010-0100 ",
        company_website: "https://acme.example/jobs?x=1",
        years_experience: 12,
        industry: "   ",
      },
    });
    expect(answer.status).toBe(200);
    const [row] = await standIn.sql`
      select p.full_name as account_name, r.username, r.company_name, r.phone, r.company_website, r.years_experience, r.industry
        from public.profiles p join public.recruiter_profiles r on r.user_id = p.id where p.email = ${answer.email}`;
    expect(row).toEqual({
      account_name: "Rita Recruiter",
      username,
      company_name: "Acme",
      phone: "+1 (555) 010-0100",
      company_website: "https://acme.example/jobs?x=1",
      years_experience: 12,
      industry: null,
    } as never);
  });

  test("an individual's profile takes the account's name", async () => {
    const answer = await signUp({
      full_name: "Ivy Individual",
      user_type: "recruiter",
      recruiter_profile: { username: uniqueUsername("ivy"), recruiter_type: "individual", specialization: "Tech hiring" },
    });
    expect(answer.status).toBe(200);
    const [row] = await standIn.sql`select r.full_name from public.recruiter_profiles r join public.profiles p on p.id = r.user_id where p.email = ${answer.email}`;
    expect(row!.full_name).toBe("Ivy Individual");
  });
});
