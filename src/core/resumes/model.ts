// Shapes of resumes and sharing, the same for both faces (the /api/v1 facade and the
// resume-upload / public-resume edge functions): the rules for what owners send, and
// every answer the services give. Declared once with zod: the schema validates, the
// service's answer is typed from it, and the facade documents both (OpenAPI at /docs).
import { z } from "zod";
import { controlCharactersMessage, hasNoControlCharacters, wholeNumber } from "../validation.ts";

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

const analyticsDaysMessage = "days must be from 1 to 365";

/** Analytics window in days: 1 to 365, default 30; digits only, as every number in a query ("0x10" and "1e1" are no number of days). */
export const AnalyticsDays = wholeNumber("days")
  .pipe(z.number().min(1, analyticsDaysMessage).max(365, analyticsDaysMessage))
  .default(30)
  .describe("The window: 1 to 365 days, 30 when left out");

/** `include=...`: optional parts of an answer, comma-separated (unknown names are refused). */
export function includeList<const N extends string>(names: readonly [N, ...N[]]) {
  return z
    .string()
    .optional()
    .transform((value, context) => {
      const asked = (value ?? "").split(",").map((name) => name.trim()).filter(Boolean);
      for (const name of asked) {
        if (!(names as readonly string[]).includes(name)) context.addIssue({ code: "custom", message: `Must be a comma-separated list of: ${names.join(", ")}` });
      }
      return new Set(asked as N[]);
    });
}

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

/** Views of one day or one link in the breakdown (counted views are human_views). */
const ViewTally = {
  human_views: z.number().describe("Counted views: people other than the owner, repeats included"),
  unique_visitors: z.number().describe("Visitor-days: first views of a visitor (keyed hash of IP and User-Agent, or their account) on each UTC day"),
  bot_previews: z.number().describe("Fetches by bots (link-preview crawlers and others): logged, not counted"),
  owner_views: z.number().describe("The signed-in owner's own views: logged, not counted"),
};

export const AnalyticsBreakdown = z.object({
  human_views: z.number(),
  unique_visitors: z.number(),
  repeat_views: z.number().describe("Views by a visitor already seen that UTC day (counted in human_views)"),
  bot_previews: z.number(),
  owner_views: z.number(),
  per_day: z.array(z.object({ day: z.string(), ...ViewTally })),
  links: z.array(
    z.object({
      link_id: z.number().nullable().describe("null: the resume's permanent token"),
      label: z.string().nullable(),
      revoked_at: z.string().nullable(),
      ...ViewTally,
      last_viewed_at: z.string().nullable(),
      per_day: z.array(z.object({ day: z.string(), ...ViewTally })),
    }),
  ),
  top_referrers: z.array(z.object({ referer: z.string(), views: z.number() })),
});
export type AnalyticsBreakdown = z.infer<typeof AnalyticsBreakdown>;

export const AnalyticsResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  days: z.number(),
  total_views: z.number().describe("Counted views, all time: the seed's access_count (people other than the owner; bots excluded)"),
  unique_visitors: z.number().describe("Visitor-days, all time (daily keyed hash; views logged before 2026-12: distinct IPs)"),
  last_accessed_at: z.string().nullable(),
  views_per_day: z.array(z.object({ day: z.string(), views: z.number() })),
  top_referrers: z.array(z.object({ referer: z.string(), views: z.number() })),
  /** With `include=breakdown`: over the last `days` days, per day and per link. */
  breakdown: AnalyticsBreakdown.optional().describe("With include=breakdown: human views, unique visitors, repeats, bot previews and owner views over the last `days` days, per day and per link (link_id null: the permanent token), and top referrers"),
});
export type ResumeAnalytics = z.infer<typeof AnalyticsResponse>;

/** What a link-preview card needs (OpenGraph / Twitter tags), without the owner's email or ids. */
export const LinkPreview = z.object({
  title: z.string().describe("The resume's name"),
  thumbnail_url: z.string().nullable().describe("A signed URL (like the PDF's) of the first page as a PNG 400 px wide; null for resumes uploaded before thumbnails"),
  page_count: z.number().nullable().describe("The PDF's page count; null for resumes uploaded before it was recorded"),
});

/** The seed's public fetch answer (previewcv.com). */
export const SharedResumeResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  resume_name: z.string(),
  pdf_signed_url: z
    .string()
    .nullable()
    .describe("A signed download URL of the PDF. Null only for a bot's fetch of a share link with a view limit: a preview does not use up a view, so it gets the preview, not the document"),
  permanent_token: z.string().describe("The token fetched: the permanent token, or the share link's own"),
  qr_code_base64: z.string().nullable().describe("The permanent token's QR code; null for a share link"),
  access_count: z
    .number()
    .describe(
      "Counted views of the resume, through all its links: views by people other than its owner, a visitor's repeat views included. Link-preview and other bots (isbot on X-Viewer-User-Agent) and the signed-in owner's own views are logged but not counted. Before 2026-12 every fetch counted.",
    ),
  last_accessed_at: z.string().nullable(),
  created_at: z.string(),
  preview: LinkPreview.optional().describe("With include=preview"),
});
export type SharedResume = z.infer<typeof SharedResumeResponse>;

/** The public fetch's query: `include=preview` adds the link-preview fields. */
export const SharedResumeQuery = z.object({
  include: includeList(["preview"]).describe("preview: add the link-preview fields (title, signed thumbnail URL, page count)"),
});

/** The analytics' query: `days`, and `include=breakdown` for the per-day and per-link breakdown. */
export const AnalyticsQuery = z.object({
  days: AnalyticsDays,
  include: includeList(["breakdown"]).describe("breakdown: human views, unique visitors, repeats, bot previews and owner views per day and per link"),
});
