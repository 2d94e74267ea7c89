// Request and response shapes of job applications (/api/v1/jobs/{job_id}/apply and
// .../applications, /api/v1/applications): the seed's apply, plus the candidate's list,
// the recruiter's applicants and the status pipeline. Each schema is declared once; it
// validates the request, types what the service answers, and documents both.
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { emptyAsAbsent, optionalText, PageQuery, RowId } from "../validation.ts";

/** The database's enum public.application_status, as generated. */
export const ApplicationStatus = z.enum(Constants.public.Enums.application_status);
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;

/**
 * Who made a change of status, as the parties see it; "admin" when no user did. The
 * column is text with a check constraint (job_application_status_history_changed_by_role_known),
 * so the generated types say only `string`: this is the one list.
 */
export const ChangedByRole = z.enum(["candidate", "recruiter", "admin"]);
export type ChangedByRole = z.infer<typeof ChangedByRole>;

/** The seed's JobApply. */
export const ApplyBody = z.object({
  resume_id: RowId,
  cover_letter: optionalText(10_000, { multiline: true }),
});
export type ApplyBody = z.infer<typeof ApplyBody>;

export const ApplyResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  message: z.string(),
});
export type ApplyResponse = z.infer<typeof ApplyResponse>;

export const ApplicantsQuery = PageQuery.extend({ status: emptyAsAbsent(ApplicationStatus) });
export type ApplicantsQuery = z.infer<typeof ApplicantsQuery>;

export const MyApplication = z.object({
  application_id: z.number(),
  status: ApplicationStatus,
  cover_letter: z.string().nullable(),
  applied_at: z.string(),
  reviewed_at: z.string().nullable(),
  updated_at: z.string(),
  job: z.object({
    id: z.number(),
    title: z.string().nullable(),
    company_name: z.string().nullable(),
    location: z.string().nullable(),
    /** False once the posting is closed or expired (the application stays visible). */
    is_open: z.boolean(),
  }),
  /** id and resume_name are null once the resume was deleted (deleted_at, present only then, says when); the application stays. */
  resume: z.object({ id: z.number().nullable(), resume_name: z.string().nullable(), deleted_at: z.string().optional() }),
});

export const MyApplicationsResponse = z.object({
  success: z.literal(true),
  total: z.number(),
  applications: z.array(MyApplication),
});
export type MyApplicationsResponse = z.infer<typeof MyApplicationsResponse>;

export const Applicant = z.object({
  application_id: z.number(),
  status: ApplicationStatus,
  cover_letter: z.string().nullable(),
  applied_at: z.string(),
  reviewed_at: z.string().nullable(),
  /** All null once the candidate erased their account (erased_at, present only then, says when): the record, status and history stay. */
  candidate: z.object({ id: z.string().nullable(), full_name: z.string().nullable(), email: z.string().nullable(), erased_at: z.string().optional() }),
  resume: z.object({
    /** id and resume_name are null once the candidate deleted the resume (deleted_at, present only then, says when). */
    id: z.number().nullable(),
    resume_name: z.string().nullable(),
    is_active: z.boolean(),
    /** A signed link to the PDF (SIGNED_URL_TTL_SECONDS); null once the candidate withdrew or deleted it. */
    url: z.string().nullable(),
    deleted_at: z.string().optional(),
  }),
});

export const ApplicantsResponse = z.object({
  success: z.literal(true),
  job_id: z.number(),
  total: z.number(),
  applications: z.array(Applicant),
});
export type ApplicantsResponse = z.infer<typeof ApplicantsResponse>;

export const UpdateStatusBody = z.object({ status: ApplicationStatus });

export const StatusChangeResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  status: ApplicationStatus,
  reviewed_at: z.string().nullable(),
  message: z.string(),
});
export type StatusChangeResponse = z.infer<typeof StatusChangeResponse>;

export const HistoryResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  status: ApplicationStatus,
  history: z.array(
    z.object({
      from_status: ApplicationStatus.nullable(),
      to_status: ApplicationStatus,
      changed_at: z.string(),
      changed_by: z.string().nullable(),
      changed_by_role: ChangedByRole,
    }),
  ),
});
export type HistoryResponse = z.infer<typeof HistoryResponse>;

/** GET /applications/{id}/resume: the job's recruiter opens the applicant's resume (a pending application becomes reviewed). */
export const ApplicantResumeResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  status: ApplicationStatus.describe("reviewed once the recruiter opened a pending application's resume"),
  reviewed_at: z.string().nullable(),
  resume: z.object({
    id: z.number(),
    resume_name: z.string(),
    is_active: z.boolean(),
    /** A freshly signed link to the PDF (SIGNED_URL_TTL_SECONDS). */
    url: z.string(),
  }),
});
export type ApplicantResumeResponse = z.infer<typeof ApplicantResumeResponse>;
