// Shapes of /api/v1/recruiters: the seed's public profile and its update. The fields
// and their rules are the ones sign-up uses (src/api/auth/model.ts), declared once.
import { z } from "zod";
import { RecruiterProfileFields } from "../accounts/model.ts";
import { JobSummary } from "../jobs/model.ts";

export const UsernameParams = z.object({ username: z.string() });

const fields = RecruiterProfileFields.shape;

/**
 * The seed's PUT body (its RecruiterProfileCreate, every field optional: only what is
 * sent changes). Optional details may be cleared with null. is_verified is set by
 * administrators only, so sending it is an error rather than silently ignored.
 */
export const UpdateRecruiterProfileBody = z.object({
  username: fields.username.optional(),
  recruiter_type: fields.recruiter_type.optional(),
  company_name: fields.company_name.nullable(),
  company_website: fields.company_website.nullable(),
  company_size: fields.company_size.nullable(),
  industry: fields.industry.nullable(),
  full_name: fields.full_name.nullable(),
  specialization: fields.specialization.nullable(),
  years_experience: fields.years_experience.nullable(),
  bio: fields.bio.nullable(),
  phone: fields.phone.nullable(),
  location: fields.location.nullable(),
  linkedin_url: fields.linkedin_url.nullable(),
  logo_url: fields.logo_url.nullable(),
  is_verified: z.never({ message: "is_verified is set by administrators only" }).optional(),
});
export type UpdateRecruiterProfileBody = z.infer<typeof UpdateRecruiterProfileBody>;

export const UpdateRecruiterProfileResponse = z.object({
  success: z.literal(true),
  message: z.string(),
  username: z.string(),
  public_profile_url: z.string(),
});

/** The seed's public profile (never the phone), plus the other public details and the open postings. */
export const PublicRecruiterProfile = z.object({
  username: z.string(),
  recruiter_type: z.enum(["company", "individual"]),
  company_name: z.string().nullable(),
  full_name: z.string().nullable(),
  bio: z.string().nullable(),
  location: z.string().nullable(),
  company_website: z.string().nullable(),
  linkedin_url: z.string().nullable(),
  is_verified: z.boolean(),
  created_at: z.string(),
  company_size: z.string().nullable(),
  industry: z.string().nullable(),
  specialization: z.string().nullable(),
  years_experience: z.number().nullable(),
  logo_url: z.string().nullable(),
  /** The recruiter's open postings, newest first (at most 50), in the job list's shape. */
  active_jobs: z.array(JobSummary),
});

export const PublicRecruiterProfileResponse = z.object({ success: z.literal(true), profile: PublicRecruiterProfile });
