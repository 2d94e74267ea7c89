// /api/v1/recruiters: the seed's public recruiter profile and the owner's update.
// (Sign-up with a profile is POST /api/v1/auth/register/recruiter.)
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import type { Sql } from "../../db/client.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { PublicRecruiterProfileResponse, UpdateRecruiterProfileBody, UpdateRecruiterProfileResponse, UsernameParams } from "../../core/recruiters/model.ts";
import { createRecruitersService } from "../../core/recruiters/service.ts";

export function recruitersModule(deps: { sql: Sql; verifier: JwtVerifier; settings: { PUBLIC_PROFILE_BASE_URL: string } }) {
  const service = createRecruitersService(deps);
  return new Elysia({ prefix: "/api/v1/recruiters", tags: ["Recruiters"] })
    .use(callerPlugin(deps.verifier))
    .get("/profile/:username", ({ params }) => service.publicProfile(params.username), {
      params: UsernameParams,
      response: { 200: PublicRecruiterProfileResponse },
      detail: { summary: "A recruiter's public profile (any letter case) with their open postings" },
    })
    .put("/profile", ({ caller, body }) => service.updateOwnProfile(caller, body), {
      auth: true,
      body: UpdateRecruiterProfileBody,
      response: { 200: UpdateRecruiterProfileResponse },
      detail: { summary: "Update one's own recruiter profile (only the fields sent)", security: [{ bearer: [] }] },
    });
}
