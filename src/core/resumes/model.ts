// Request and response shapes of /api/v1/resumes: the seed's, plus the management
// endpoints. The request rules are the core's own (src/core/resumes/validation.ts), so
// the facade, the edge function and the docs cannot drift apart.
import { z } from "zod";
import { AnalyticsDays, ResumeChanges, ResumeId } from "../validation.ts";

export { ResumeChanges };

export const ResumeIdParams = z.object({ id: ResumeId });

/** Every refusal: { success: false, detail, ...extra } (src/core/errors.ts). */
export const ApiErrorBody = z.looseObject({ success: z.literal(false), detail: z.string() });

/** Documented refusals, by status. */
export const errorResponses = <S extends number>(described: Record<S, string>) =>
  Object.fromEntries(Object.entries(described).map(([status, description]) => [status, ApiErrorBody.describe(description as string)])) as Record<
    S,
    typeof ApiErrorBody
  >;

export const MyResumesQuery = z.object({
  /** Also list deactivated resumes (the seed lists active ones only). */
  include_inactive: z
    .enum(["true", "false"])
    .optional()
    .transform((value) => value === "true"),
});

export const AnalyticsQuery = z.object({ days: AnalyticsDays });

export const UploadResponse = z.object({
  success: z.literal(true),
  resume_id: z.number(),
  permanent_token: z.string(),
  preview_url: z.string(),
  qr_code_base64: z.string(),
});

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

export const MyResumesResponse = z.object({ success: z.literal(true), resumes: z.array(ResumeSummary) });

export const ResumeDetail = ResumeSummary.extend({
  qr_code_base64: z.string().nullable(),
  pdf_signed_url: z.string(),
  updated_at: z.string(),
});

export const ResumeResponse = z.object({ success: z.literal(true), resume: ResumeDetail });

export const RotateTokenResponse = UploadResponse;

export const DeleteResponse = z.object({ success: z.literal(true), resume_id: z.number(), message: z.string() });

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

/** The upload body, for the docs only: the route reads the stream itself (see index.ts). */
export function uploadRequestBody(maxUploadBytes: number) {
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["file", "resume_name"],
          properties: {
            file: { type: "string", format: "binary", description: `A PDF of at most ${maxUploadBytes} bytes (checked from its bytes, not its name).` },
            resume_name: { type: "string", minLength: 1, maxLength: 255, description: "Trimmed; no control characters." },
            is_public: { type: "boolean", default: false },
          },
        },
      },
    },
  };
}
