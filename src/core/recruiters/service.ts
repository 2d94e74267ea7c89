// Recruiter profiles: the public profile by username and the owner's update. Plain
// values in, values or ApiErrors out. The public read runs as anon, so the column
// grants keep phone out of reach whatever this code selects; the update runs as the
// caller, whose column grants exclude is_verified.
import { badRequest, databaseErrorOf, forbidden, notFound } from "../errors.ts";
import { anonymous, asCaller, type Sql, type SignedInCaller } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import { USERNAME_PATTERN, type PublicRecruiterProfileResponse, type UpdateRecruiterProfileBody, type UpdateRecruiterProfileResponse } from "./model.ts";

export interface RecruitersServiceDeps {
  sql: Sql;
  settings: { PUBLIC_PROFILE_BASE_URL: string };
}

/** How many open postings a public profile lists. */
export const profileActiveJobsLimit = 50;

/** The public part of a profile (never phone), typed from the generated schema. */
type PublicProfileRow = Pick<
  Tables<"recruiter_profiles">,
  | "username" | "recruiter_type" | "company_name" | "full_name" | "bio" | "location" | "company_website" | "linkedin_url"
  | "is_verified" | "created_at" | "company_size" | "industry" | "specialization" | "years_experience" | "logo_url"
> & { active_jobs: ActiveJob[] };
type ActiveJob = Pick<
  Tables<"job_postings">,
  "id" | "title" | "company_name" | "location" | "job_type" | "experience_level" | "salary_range" | "created_at"
>;

const writableColumns = [
  "username", "recruiter_type", "company_name", "company_website", "company_size", "industry", "full_name",
  "specialization", "years_experience", "bio", "phone", "location", "linkedin_url", "logo_url",
] as const;

export function createRecruitersService(deps: RecruitersServiceDeps) {
  const { sql } = deps;
  const profileUrl = (username: string) => `${deps.settings.PUBLIC_PROFILE_BASE_URL}/${encodeURIComponent(username)}`;

  return {
    /** The seed's public profile; usernames match whatever their case. */
    async publicProfile(username: string): Promise<PublicRecruiterProfileResponse> {
      // Not a username at all: no lookup (the format is the table's check constraint).
      if (!USERNAME_PATTERN.test(username)) throw notFound("Recruiter profile not found");
      const [row] = await asCaller(sql, anonymous, (tx) => tx<PublicProfileRow[]>`
        select rp.username, rp.recruiter_type, rp.company_name, rp.full_name, rp.bio, rp.location, rp.company_website,
               rp.linkedin_url, rp.is_verified, rp.created_at, rp.company_size, rp.industry, rp.specialization,
               rp.years_experience, rp.logo_url,
               coalesce((
                 select json_agg(j order by j.created_at desc, j.id desc) from (
                   select j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.created_at
                     from public.job_postings j
                    where j.recruiter_id = rp.user_id and private.job_posting_is_open(j)
                    order by j.created_at desc, j.id desc
                    limit ${profileActiveJobsLimit}
                 ) j
               ), '[]'::json) as active_jobs
          from public.recruiter_profiles rp
         where lower(rp.username) = lower(${username})`);
      if (!row) throw notFound("Recruiter profile not found");
      const { active_jobs, ...profile } = row;
      return {
        success: true as const,
        profile: {
          ...profile,
          // Inside json, timestamps are Postgres' text; answered as ISO 8601 in UTC like every other.
          active_jobs: active_jobs.map((job) => ({ ...job, created_at: new Date(job.created_at).toISOString() })),
        },
      };
    },

    /** The seed's PUT: only the fields sent change. */
    async updateOwnProfile(caller: SignedInCaller, body: UpdateRecruiterProfileBody): Promise<UpdateRecruiterProfileResponse> {
      const changes: Record<string, unknown> = {};
      for (const column of writableColumns) if (body[column] !== undefined) changes[column] = body[column];

      const updated = await asCaller(sql, caller, async (tx) => {
        const [me] = await tx<Pick<Tables<"profiles">, "user_type">[]>`select user_type from public.profiles where id = (select auth.uid())`;
        if (me?.user_type !== "recruiter") throw forbidden("Only recruiters can update recruiter profiles");
        const [row] =
          Object.keys(changes).length > 0
            ? await tx<Pick<Tables<"recruiter_profiles">, "username">[]>`update public.recruiter_profiles set ${tx(changes)} where user_id = (select auth.uid()) returning username`
            : await tx<Pick<Tables<"recruiter_profiles">, "username">[]>`select username from public.recruiter_profiles where user_id = (select auth.uid())`;
        return row;
      }).catch((error) => {
        const failure = databaseErrorOf(error);
        if (failure?.code === "23505" && failure.constraint === "recruiter_profiles_username_lower_key") throw badRequest("Username already taken");
        if (failure?.code === "23514" && failure.constraint === "recruiter_profiles_names_the_recruiter") {
          throw badRequest("A company profile needs company_name, an individual profile needs full_name");
        }
        throw error;
      });
      if (!updated) throw notFound("Recruiter profile not found");
      const { username } = updated;
      return { success: true as const, message: "Profile updated successfully", username, public_profile_url: profileUrl(username) };
    },
  };
}

export type RecruitersService = ReturnType<typeof createRecruitersService>;
