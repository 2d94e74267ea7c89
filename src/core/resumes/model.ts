// Shapes of resumes and sharing, the same for both faces (the /api/v1 facade and the
// resume-upload / public-resume edge functions): the rules for what owners send, and
// every answer the services give. Declared once with zod: the schema validates, the
// service's answer is typed from it, and the facade documents both (OpenAPI at /docs).
import { z } from "zod";
import { controlCharactersMessage, hasNoControlCharacters } from "../validation.ts";

// ------------------------------------------------------------------------------ requests

/** Trimmed, 1 to 255 characters (resumes.resume_name is varchar(255)), no control characters. */
export const ResumeName = z
  .string()
  .trim()
  .min(1, "Must not be empty")
  .max(255, "Must be at most 255 characters")
  .refine((value) => hasNoControlCharacters(value), controlCharactersMessage);

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/**
 * A form field's boolean, read as FastAPI (the seed) reads one: true/false, 1/0,
 * yes/no, on/off in any case. Absent means the seed's default, false.
 */
export const FormBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value), "Must be true or false")
  .transform((value) => TRUE_WORDS.has(value));

/** PATCH /resumes/{id}: any of the owner-editable fields, at least one. */
export const ResumeChanges = z
  .object({
    resume_name: ResumeName.optional(),
    is_public: z.boolean().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), "Nothing to change: send resume_name, is_public or is_active");
export type ResumeChanges = z.infer<typeof ResumeChanges>;

/** Analytics window in days: 1 to 365, default 30. */
export const AnalyticsDays = z.coerce.number().int().min(1).max(365).default(30);

// ------------------------------------------------------------------------------- answers

/** The seed's upload answer; rotating the share token answers the same. */
export const UploadResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  permanent_token: z.string(),
  preview_url: z.string(),
  qr_code_base64: z.string(),
});
export type UploadResult = z.infer<typeof UploadResponse>;

export const RotateTokenResponse = UploadResponse;

/** One entry of the seed's my-resumes list (is_public and last_accessed_at added). */
export const ResumeSummary = z.object({
  id: z.number(),
  resume_name: z.string(),
  permanent_token: z.string(),
  preview_url: z.string(),
  access_count: z.number(),
  last_accessed_at: z.string().nullable(),
  is_active: z.boolean(),
  is_public: z.boolean(),
  created_at: z.string(),
});
export type ResumeSummary = z.infer<typeof ResumeSummary>;

export const MyResumesResponse = z.object({ success: z.literal(true), resumes: z.array(ResumeSummary) });
export type MyResumes = z.infer<typeof MyResumesResponse>;

/** One resume as its owner sees it. */
export const ResumeDetail = ResumeSummary.extend({
  qr_code_base64: z.string().nullable(),
  /** A freshly signed download link of the owner's own PDF. */
  pdf_signed_url: z.string(),
  updated_at: z.string(),
});
export type ResumeDetail = z.infer<typeof ResumeDetail>;

export const ResumeResponse = z.object({ success: z.literal(true), resume: ResumeDetail });
export type OwnResume = z.infer<typeof ResumeResponse>;

export const DeleteResponse = z.object({ success: z.literal(true), resume_id: z.number(), message: z.string() });
export type DeletedResume = z.infer<typeof DeleteResponse>;

export const AnalyticsResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  days: z.number(),
  total_views: z.number(),
  unique_visitors: z.number(),
  last_accessed_at: z.string().nullable(),
  views_per_day: z.array(z.object({ day: z.string(), views: z.number() })),
  top_referrers: z.array(z.object({ referer: z.string(), views: z.number() })),
});
export type ResumeAnalytics = z.infer<typeof AnalyticsResponse>;

/** The seed's public fetch answer (previewcv.com). */
export const SharedResumeResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  resume_name: z.string(),
  pdf_signed_url: z.string(),
  permanent_token: z.string(),
  qr_code_base64: z.string().nullable(),
  access_count: z.number(),
  last_accessed_at: z.string().nullable(),
  created_at: z.string(),
});
export type SharedResume = z.infer<typeof SharedResumeResponse>;
