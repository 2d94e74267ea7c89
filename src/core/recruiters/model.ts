// Shapes of recruiter profiles: the fields and their rules (sign-up with a profile,
// POST /api/v1/auth/register/recruiter, and the owner's PUT /api/v1/recruiters/profile
// take the same ones), the seed's public profile and the update's answer. Declared once:
// each validates, types what the service answers, and documents both.
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { JobSummary } from "../jobs/model.ts";
import { controlCharactersMessage, hasNoControlCharacters } from "../validation.ts";

/** A username as the table's check constraint allows it (recruiter_profiles_username_format). */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,99}$/;

export const Username = z.string().trim().regex(USERNAME_PATTERN, "3-100 letters, digits, - or _, starting with a letter or digit");

/** The database's enum public.recruiter_type, as generated. */
export const RecruiterType = z.enum(Constants.public.Enums.recruiter_type);

const optionalProfileText = (max: number) => z.string().trim().max(max).refine((value) => hasNoControlCharacters(value), controlCharactersMessage).optional();
const optionalUrl = (max: number) =>
  z.string().trim().max(max).pipe(z.url({ protocol: /^https?$/, message: "Must be an http(s) URL" })).optional();

/** The seed's RecruiterProfileCreate (sign-up with a profile); PUT takes the same fields, each optional (below). */
export const RecruiterProfileFields = z.object({
  username: Username,
  recruiter_type: RecruiterType,
  company_name: optionalProfileText(255),
  company_website: optionalUrl(500),
  company_size: optionalProfileText(50),
  industry: optionalProfileText(100),
  full_name: optionalProfileText(255),
  specialization: optionalProfileText(255),
  years_experience: z.number().int().min(0).max(80).optional(),
  bio: z.string().trim().max(5000).optional(),
  phone: z.string().trim().max(50).regex(/^[0-9+()\-. ]*$/, "Digits, spaces and + ( ) - . only").optional(),
  location: optionalProfileText(255),
  linkedin_url: optionalUrl(500),
  logo_url: optionalUrl(1000),
});

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
export type UpdateRecruiterProfileResponse = z.infer<typeof UpdateRecruiterProfileResponse>;

/** The seed's public profile (never the phone), plus the other public details and the open postings. */
export const PublicRecruiterProfile = z.object({
  username: z.string(),
  recruiter_type: RecruiterType,
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
export type PublicRecruiterProfileResponse = z.infer<typeof PublicRecruiterProfileResponse>;
