// /api/v1/recruiters: the seed's public recruiter profile and the owner's update.
// (Sign-up with a profile is POST /api/v1/auth/register/recruiter.) The recruiters
// service (src/core/recruiters) does the work; this controller maps HTTP to it.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import { PublicRecruiterProfileResponse, UpdateRecruiterProfileBody, UpdateRecruiterProfileResponse } from "../../core/recruiters/model.ts";
import type { RecruitersService } from "../../core/recruiters/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";

export function recruitersModule(deps: { service: RecruitersService; verifier: JwtVerifier }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/recruiters", tags: ["Recruiters"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/profile/:username",
      ({ params }) => service.publicProfile(params.username),
      documented(
        {
          // No params schema: any text is looked up, and one that is no username is the seed's 404.
          response: { 200: PublicRecruiterProfileResponse },
          detail: { summary: "A recruiter's public profile (any letter case) with their open postings" },
        },
        { 404: "Recruiter profile not found" },
      ),
    )
    .put(
      "/profile",
      ({ caller, body }) => service.updateOwnProfile(caller, body),
      documented(
        {
          auth: true,
          ...jsonBody(UpdateRecruiterProfileBody),
          response: { 200: UpdateRecruiterProfileResponse },
          detail: { summary: "Update one's own recruiter profile (only the fields sent)" },
        },
        {
          400: "Username already taken, or the profile would no longer name its recruiter (company_name / full_name)",
          403: "Only recruiters have profiles",
          404: "The recruiter has no profile yet",
        },
      ),
    );
}
