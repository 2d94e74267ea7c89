// Accounts made the way a legacy client makes them: register and log in through the
// facade (the stack's over real HTTP, or the in-process one), keeping the access token.
import { expect } from "bun:test";
import { uniqueEmail, uniqueUsername } from "./personas.ts";
import { callFacade, testClientIp, type FacadeTarget } from "./stack.ts";

export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  userType: "candidate" | "recruiter";
  /** Set for recruiters registered with a profile. */
  username?: string;
}

export const testPassword = "SecurePassword123!";

/** The seed's example recruiter profile (its RecruiterProfileCreate), without a username. */
export const techCorpProfile = {
  recruiter_type: "company",
  company_name: "TechCorp Inc.",
  company_website: "https://techcorp.com",
  company_size: "201-500",
  industry: "Technology",
  bio: "Leading technology company...",
  phone: "+1 (555) 123-4567",
  location: "San Francisco, CA",
  linkedin_url: "https://linkedin.com/company/techcorp",
} as const;

export async function registerCandidate(stack: FacadeTarget, options: { fullName?: string } = {}): Promise<Account> {
  const email = uniqueEmail("candidate");
  const ip = testClientIp();
  const registered = await callFacade(stack, "POST", "/api/v1/auth/register", {
    ip,
    body: { email, password: testPassword, full_name: options.fullName ?? "Casey Candidate", user_type: "candidate" },
  });
  expect(registered.status).toBe(200);
  return logIn(stack, email, "candidate", ip);
}

export async function registerRecruiter(
  stack: FacadeTarget,
  profile: Record<string, unknown> = {},
): Promise<Account & { username: string; profileId: number }> {
  const email = uniqueEmail("recruiter");
  const username = (profile.username as string | undefined) ?? uniqueUsername("corp");
  const ip = testClientIp();
  const registered = await callFacade(stack, "POST", "/api/v1/auth/register/recruiter", {
    ip,
    body: {
      email,
      password: testPassword,
      full_name: "Riley Recruiter",
      user_type: "recruiter",
      recruiter_profile: { recruiter_type: "company", company_name: "TechCorp Inc.", ...profile, username },
    },
  });
  expect(registered.status).toBe(200);
  const account = await logIn(stack, email, "recruiter", ip);
  return { ...account, username, profileId: registered.body.profile_id as number };
}

export async function logIn(stack: FacadeTarget, email: string, userType: Account["userType"], ip = testClientIp()): Promise<Account> {
  const login = await callFacade(stack, "POST", "/api/v1/auth/login", { ip, body: { email, password: testPassword } });
  expect(login.status).toBe(200);
  return {
    id: login.body.user.id,
    email,
    password: testPassword,
    token: login.body.access_token,
    refreshToken: login.body.refresh_token,
    userType,
  };
}
