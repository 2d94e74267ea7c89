// /api/v1/auth: the seed's register, register/recruiter and login, plus refresh, me
// and logout. The accounts service (src/core/accounts) does the work; this controller
// maps HTTP to it.
import { Elysia } from "elysia";
import { readBearerToken, type JwtVerifier } from "../../auth/index.ts";
import {
  LoginBody,
  LogoutResponse,
  MeResponse,
  RefreshBody,
  RegisterBody,
  RegisterRecruiterBody,
  RegisterRecruiterResponse,
  RegisterResponse,
  SessionResponse,
} from "../../core/accounts/model.ts";
import type { AccountService } from "../../core/accounts/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { clientIpPlugin, type TrustedProxies } from "../plugins/client-ip.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";

const authTrouble = {
  429: "Too many attempts from this IP or for this email; see Retry-After",
  502: "Supabase Auth failed",
  503: "Supabase Auth is unreachable (Retry-After)",
} as const;

export function authModule(deps: { service: AccountService; verifier: JwtVerifier; trustProxy: TrustedProxies }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/auth", tags: ["Authentication"] })
    .use(clientIpPlugin({ trustProxy: deps.trustProxy }))
    .use(callerPlugin(deps.verifier))
    .post(
      "/register",
      ({ body, clientIp }) => service.register(body, { ip: clientIp }),
      documented(
        { ...jsonBody(RegisterBody), response: { 200: RegisterResponse }, detail: { summary: "Register a candidate or recruiter account" } },
        { 400: "Email already registered, or Supabase Auth finds the password too weak", 403: "Sign-ups are disabled", ...authTrouble },
      ),
    )
    .post(
      "/register/recruiter",
      ({ body, clientIp }) => service.registerRecruiter(body, { ip: clientIp }),
      documented(
        {
          ...jsonBody(RegisterRecruiterBody),
          response: { 200: RegisterRecruiterResponse },
          detail: { summary: "Register a recruiter account with its public profile, atomically" },
        },
        { 400: "Email already registered, username already taken, or a password Supabase Auth finds too weak", 403: "Sign-ups are disabled", ...authTrouble },
      ),
    )
    .post(
      "/login",
      ({ body, clientIp }) => service.login(body, { ip: clientIp }),
      documented(
        { ...jsonBody(LoginBody), response: { 200: SessionResponse }, detail: { summary: "Sign in with email and password; returns a Supabase access token" } },
        {
          401: "Incorrect email or password",
          403: "The account is inactive, or its email is not confirmed",
          ...authTrouble,
          429: "Too many attempts from this IP, or too many wrong passwords for this email from this IP or from everywhere (successful logins do not count); see Retry-After",
        },
      ),
    )
    .post(
      "/refresh",
      ({ body, clientIp }) => service.refresh(body, { ip: clientIp }),
      documented(
        {
          ...jsonBody(RefreshBody),
          response: { 200: SessionResponse },
          detail: {
            summary: "Exchange a refresh token for a new session",
            description:
              "The credential is the refresh_token in the body (from login or an earlier refresh), not a bearer token, so it works after the access token expired. The old refresh token stops working.",
            security: [],
          },
        },
        { 401: "The refresh token is unknown, used already, or its session ended", 403: "The account is inactive", ...authTrouble },
      ),
    )
    .get("/me", ({ caller }) => service.me(caller), documented({ auth: true, response: { 200: MeResponse }, detail: { summary: "The signed-in user's profile" } }))
    .post(
      "/logout",
      // The macro verified this token; Supabase Auth ends the session it belongs to.
      ({ request }) => service.logout(readBearerToken(request.headers.get("authorization"))!),
      documented(
        { auth: true, response: { 200: LogoutResponse }, detail: { summary: "End the current session (its refresh token stops working)" } },
        { 502: "Supabase Auth failed", 503: "Supabase Auth is unreachable (Retry-After)" },
      ),
    );
}
