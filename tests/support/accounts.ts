// Accounts for end-to-end suites, made the way a legacy client makes them: register
// and log in through the facade (real HTTP), keeping the access token.
import { expect } from "bun:test";
import type { RunningStack } from "../../src/local/stack.ts";
import { uniqueEmail } from "./personas.ts";
import { callFacade, testClientIp } from "./stack.ts";

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

export async function registerCandidate(stack: RunningStack, options: { fullName?: string } = {}): Promise<Account> {
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
  stack: RunningStack,
  profile: Record<string, unknown> = {},
): Promise<Account & { username: string; profileId: number }> {
  const email = uniqueEmail("recruiter");
  const username = (profile.username as string | undefined) ?? `corp-${Math.random().toString(36).slice(2, 10)}`;
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

export async function logIn(stack: RunningStack, email: string, userType: Account["userType"], ip = testClientIp()): Promise<Account> {
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
