// /api/v1/auth: the seed's register, register/recruiter and login, plus refresh, me
// and logout.
import { Elysia } from "elysia";
import { readBearerToken, type JwtVerifier } from "../../auth/index.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { clientIpPlugin } from "../plugins/client-ip.ts";
import {
  LoginBody,
  MeResponse,
  RefreshBody,
  RegisterBody,
  RegisterRecruiterBody,
  RegisterRecruiterResponse,
  RegisterResponse,
  SessionResponse,
} from "../../core/accounts/model.ts";
import type { AuthService } from "../../core/accounts/service.ts";

export function authModule(deps: { service: AuthService; verifier: JwtVerifier; trustProxy: boolean }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/auth", tags: ["Authentication"] })
    .use(clientIpPlugin({ trustProxy: deps.trustProxy }))
    .use(callerPlugin(deps.verifier))
    .post("/register", ({ body, clientIp }) => service.register(body, { ip: clientIp }), {
      body: RegisterBody,
      response: { 200: RegisterResponse },
      detail: { summary: "Register a candidate or recruiter account" },
    })
    .post("/register/recruiter", ({ body, clientIp }) => service.registerRecruiter(body, { ip: clientIp }), {
      body: RegisterRecruiterBody,
      response: { 200: RegisterRecruiterResponse },
      detail: { summary: "Register a recruiter account with its public profile, atomically" },
    })
    .post("/login", ({ body, clientIp }) => service.login(body, { ip: clientIp }), {
      body: LoginBody,
      response: { 200: SessionResponse },
      detail: { summary: "Sign in with email and password; returns a Supabase access token" },
    })
    .post("/refresh", ({ body, clientIp }) => service.refresh(body, { ip: clientIp }), {
      body: RefreshBody,
      response: { 200: SessionResponse },
      detail: { summary: "Exchange a refresh token for a new session" },
    })
    .get("/me", ({ caller }) => service.me(caller), {
      auth: true,
      response: { 200: MeResponse },
      detail: { summary: "The signed-in user's profile" },
    })
    .post("/logout", ({ request }) => service.logout(readBearerToken(request.headers.get("authorization"))!), {
      auth: true,
      detail: { summary: "End the current session (its refresh token stops working)" },
    });
}
