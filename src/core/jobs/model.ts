// Request and response shapes of the job board (/api/v1/jobs, /api/v1/applications):
// the seed's, plus what it leaves out. Each schema is declared once; it validates the
// request and documents it (OpenAPI at /docs).
import { z } from "zod";
import { decodeCursor } from "./cursor.ts";

/** The database's enums (public.job_type, public.experience_level, public.application_status). */
export const JobType = z.enum(["full-time", "part-time", "contract", "internship"]);
export const ExperienceLevel = z.enum(["entry", "mid", "senior", "lead"]);
export const ApplicationStatus = z.enum(["pending", "reviewed", "shortlisted", "accepted", "rejected", "withdrawn"]);
export type JobType = z.infer<typeof JobType>;
export type ExperienceLevel = z.infer<typeof ExperienceLevel>;
export type ApplicationStatus = z.infer<typeof ApplicationStatus>;

/** The API's page sizes: `limit` above the cap is served at the cap (the seed had none). */
export const listLimits = { defaultLimit: 20, maxLimit: 100, maxOffset: 10_000 } as const;

// Lengths are counted in characters (code points), as Postgres counts varchar(n) and
// char_length: "🚀" is one character here although it is two UTF-16 units in JS.
const characters = (value: string) => Array.from(value).length;
// NUL cannot be stored in Postgres text at all; other control characters are noise.
// Multi-line fields keep tab, newline and carriage return.
const singleLineControl = /[\u0000-\u001f\u007f]/;
const multiLineControl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function text(max: number, options: { multiline?: boolean } = {}) {
  const control = options.multiline ? multiLineControl : singleLineControl;
  return z
    .string()
    .trim()
    .min(1, "Must not be empty")
    .refine((value) => characters(value) <= max, `Must be at most ${max} characters`)
    .refine((value) => !control.test(value), "Must not contain control characters");
}

/** Optional text where "" (after trimming) means "none", stored as null. */
function optionalText(max: number, options: { multiline?: boolean } = {}) {
  return z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : value),
    text(max, options).nullable().optional(),
  );
}

/** An ISO 8601 date-time with its offset ("2027-01-31T18:00:00Z"), in the future. */
export const FutureDateTime = z
  .iso.datetime({ offset: true, message: "Must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T18:00:00Z" })
  .refine((value) => Date.parse(value) > Date.now(), "Must be in the future");

/** A row id in a path: a positive whole number (bigint ids stay far below 2^53). */
export const IdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, "Must be a positive integer")
  .transform(Number)
  .refine(Number.isSafeInteger, "Must be a positive integer");

export const JobIdParams = z.object({ job_id: IdParam });
export const ApplicationIdParams = z.object({ application_id: IdParam });

// ---------------------------------------------------------------------------- postings

/** The seed's JobCreate: title, company, location, type, level and description are required. */
export const CreateJobBody = z.object({
  title: text(255),
  company_name: text(255),
  location: text(255),
  job_type: JobType,
  experience_level: ExperienceLevel,
  description: text(20_000, { multiline: true }),
  requirements: optionalText(20_000, { multiline: true }),
  salary_range: optionalText(100),
  /** Beyond the seed: the posting leaves every list at this moment. */
  expires_at: FutureDateTime.nullable().optional(),
});
export type CreateJobBody = z.infer<typeof CreateJobBody>;

export const CreateJobResponse = z.object({
  success: z.literal(true),
  job_id: z.number(),
  message: z.string(),
});

/** PATCH: any of the posting's fields; `is_active: true` reopens a deactivated posting. */
export const UpdateJobBody = CreateJobBody.extend({
  expires_at: FutureDateTime.nullable(),
  is_active: z.boolean(),
})
  .partial()
  .refine((body) => Object.values(body).some((value) => value !== undefined), "Nothing to update: send at least one field");
export type UpdateJobBody = z.infer<typeof UpdateJobBody>;

/** A query value the client left empty ("?job_type=") is no filter, as in the seed. */
function emptyAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

const wholeNumber = (name: string) => z.string().regex(/^[0-9]{1,9}$/, `${name} must be a whole number`).transform(Number);

export const ListJobsQuery = z
  .object({
    job_type: emptyAsAbsent(JobType),
    experience_level: emptyAsAbsent(ExperienceLevel),
    /** Beyond the seed: a case-insensitive substring of the location ("berlin", "remote"). */
    location: emptyAsAbsent(z.string().trim().max(255).refine((value) => !singleLineControl.test(value), "Must not contain control characters")),
    /** Beyond the seed: full-text search over title, company and description (websearch syntax). */
    q: emptyAsAbsent(z.string().trim().max(200).refine((value) => !singleLineControl.test(value), "Must not contain control characters")),
    limit: emptyAsAbsent(
      wholeNumber("limit").refine((value) => value >= 1, "limit must be at least 1").transform((value) => Math.min(value, listLimits.maxLimit)),
    ),
    offset: emptyAsAbsent(
      wholeNumber("offset").refine(
        (value) => value <= listLimits.maxOffset,
        `offset must be at most ${listLimits.maxOffset}; page deeper with cursor`,
      ),
    ),
    /** Beyond the seed: the next_cursor of the previous page (keyset paging, any depth). */
    cursor: emptyAsAbsent(
      z
        .string()
        .max(200)
        .transform((value, context) => {
          const cursor = decodeCursor(value);
          if (!cursor) {
            context.addIssue({ code: "custom", message: "Not a cursor this API issued" });
            return z.NEVER;
          }
          return cursor;
        }),
    ),
  })
  .refine((query) => !(query.cursor !== undefined && query.offset !== undefined && query.offset !== 0), {
    message: "offset cannot be combined with cursor",
    path: ["offset"],
  });
export type ListJobsQuery = z.infer<typeof ListJobsQuery>;

/** The seed's list item. */
export const JobSummary = z.object({
  id: z.number(),
  title: z.string(),
  company_name: z.string(),
  location: z.string().nullable(),
  job_type: JobType.nullable(),
  experience_level: ExperienceLevel.nullable(),
  salary_range: z.string().nullable(),
  created_at: z.string(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const ListJobsResponse = z.object({
  success: z.literal(true),
  /** All open postings matching the filters (exact below 1,000; above, at most a few seconds old). */
  total: z.number(),
  jobs: z.array(JobSummary),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});

export const JobDetail = JobSummary.extend({
  description: z.string(),
  requirements: z.string().nullable(),
  is_active: z.boolean(),
  /** Active and not expired: others can see and apply to it. */
  is_open: z.boolean(),
  views_count: z.number(),
  applications_count: z.number(),
  updated_at: z.string(),
  expires_at: z.string().nullable(),
  /** True when the caller posted it. */
  is_owner: z.boolean(),
  recruiter: z
    .object({ username: z.string(), recruiter_type: z.string(), company_name: z.string().nullable(), full_name: z.string().nullable(), is_verified: z.boolean() })
    .nullable(),
});
export type JobDetail = z.infer<typeof JobDetail>;

export const JobDetailResponse = z.object({ success: z.literal(true), job: JobDetail });

export const UpdateJobResponse = z.object({ success: z.literal(true), job: JobDetail.omit({ recruiter: true, is_owner: true }), message: z.string() });

export const DeactivateJobResponse = z.object({ success: z.literal(true), job_id: z.number(), message: z.string() });

// ------------------------------------------------------------------------ applications

/** The seed's JobApply. */
export const ApplyBody = z.object({
  resume_id: z.number({ message: "resume_id must be a number" }).int().positive().max(Number.MAX_SAFE_INTEGER),
  cover_letter: optionalText(10_000, { multiline: true }),
});
export type ApplyBody = z.infer<typeof ApplyBody>;

export const ApplyResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  message: z.string(),
});

export const PageQuery = z.object({
  limit: emptyAsAbsent(
    wholeNumber("limit").refine((value) => value >= 1, "limit must be at least 1").transform((value) => Math.min(value, listLimits.maxLimit)),
  ),
  offset: emptyAsAbsent(wholeNumber("offset")),
});
export type PageQuery = z.infer<typeof PageQuery>;

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
  resume: z.object({ id: z.number(), resume_name: z.string().nullable() }),
});

export const MyApplicationsResponse = z.object({
  success: z.literal(true),
  total: z.number(),
  applications: z.array(MyApplication),
});

export const Applicant = z.object({
  application_id: z.number(),
  status: ApplicationStatus,
  cover_letter: z.string().nullable(),
  applied_at: z.string(),
  reviewed_at: z.string().nullable(),
  candidate: z.object({ id: z.string(), full_name: z.string().nullable(), email: z.string().nullable() }),
  resume: z.object({
    id: z.number(),
    resume_name: z.string(),
    is_active: z.boolean(),
    /** A signed link to the PDF (one hour); null once the candidate withdrew. */
    url: z.string().nullable(),
  }),
});

export const ApplicantsResponse = z.object({
  success: z.literal(true),
  job_id: z.number(),
  total: z.number(),
  applications: z.array(Applicant),
});

export const UpdateStatusBody = z.object({ status: ApplicationStatus });

export const StatusChangeResponse = z.object({
  success: z.literal(true),
  application_id: z.number(),
  status: ApplicationStatus,
  reviewed_at: z.string().nullable(),
  message: z.string(),
});

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
      /** Who made the change, as the parties see it; "admin" when no user did. */
      changed_by_role: z.enum(["candidate", "recruiter", "admin"]),
    }),
  ),
});
