// Request and response shapes of job postings (/api/v1/jobs): the seed's, plus what it
// leaves out. Each schema is declared once; it validates the request, types what the
// service answers, and documents both (OpenAPI at /docs).
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { emptyAsAbsent, hasNoControlCharacters, controlCharactersMessage, listLimits, optionalText, PageLimit, text, wholeNumber } from "../validation.ts";
import { keysetCursor } from "../keyset.ts";

/** What the job list's keyset cursors say they page through (a cursor of another list is refused). */
export const JOB_LIST_CURSOR = "jobs";

/** The database's enums public.job_type and public.experience_level, as generated. */
export const JobType = z.enum(Constants.public.Enums.job_type);
export const ExperienceLevel = z.enum(Constants.public.Enums.experience_level);
export type JobType = z.infer<typeof JobType>;
export type ExperienceLevel = z.infer<typeof ExperienceLevel>;

/** An ISO 8601 date-time with its offset ("2027-01-31T18:00:00Z"), in the future. */
export const FutureDateTime = z
  .iso.datetime({ offset: true, message: "Must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T18:00:00Z" })
  .refine((value) => Date.parse(value) > Date.now(), "Must be in the future");

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
export type CreateJobResponse = z.infer<typeof CreateJobResponse>;

/** PATCH: any of the posting's fields; `is_active: true` reopens a deactivated posting. */
export const UpdateJobBody = CreateJobBody.extend({
  expires_at: FutureDateTime.nullable(),
  is_active: z.boolean(),
})
  .partial()
  .refine((body) => Object.values(body).some((value) => value !== undefined), "Nothing to update: send at least one field");
export type UpdateJobBody = z.infer<typeof UpdateJobBody>;

/** Free text of a query string: trimmed, at most `max` UTF-16 units, no control characters. */
const queryText = (max: number) => z.string().trim().max(max).refine((value) => hasNoControlCharacters(value), controlCharactersMessage);

export const ListJobsQuery = z
  .object({
    job_type: emptyAsAbsent(JobType),
    experience_level: emptyAsAbsent(ExperienceLevel),
    /** Beyond the seed: a case-insensitive substring of the location ("berlin", "remote"). */
    location: emptyAsAbsent(queryText(255)),
    /** Beyond the seed: full-text search over title, company and description (websearch syntax). */
    q: emptyAsAbsent(queryText(200)),
    limit: PageLimit,
    offset: emptyAsAbsent(
      wholeNumber("offset").refine(
        (value) => value <= listLimits.maxOffset,
        `offset must be at most ${listLimits.maxOffset}; page deeper with cursor`,
      ),
    ),
    /** Beyond the seed: the next_cursor of the previous page (keyset paging, any depth). */
    cursor: keysetCursor(JOB_LIST_CURSOR),
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

/** How to read a list's `total`: Elasticsearch's names for an exact count and a lower bound. */
export const TotalRelation = z.enum(["eq", "gte"]);
export type TotalRelation = z.infer<typeof TotalRelation>;

export const ListJobsResponse = z.object({
  success: z.literal(true),
  total: z
    .number()
    .describe(
      "Open postings matching the filters, counted exactly up to the server's cap (JOB_LIST_TOTAL_CAP, 1000 unless configured; " +
        "JOB_LIST_SEARCH_TOTAL_CAP when location or q is given): past it, total is the cap and total_relation is gte. The seed's integer, kept for its clients.",
    ),
  total_relation: TotalRelation.describe(
    'eq: total is exact. gte: more postings match than the cap; total is the cap, a lower bound (show it as "1000+"). Paging with next_cursor still reaches every one.',
  ),
  jobs: z.array(JobSummary),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});
export type ListJobsResponse = z.infer<typeof ListJobsResponse>;

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
export type JobDetailResponse = z.infer<typeof JobDetailResponse>;

export const UpdateJobResponse = z.object({ success: z.literal(true), job: JobDetail.omit({ recruiter: true, is_owner: true }), message: z.string() });
export type UpdateJobResponse = z.infer<typeof UpdateJobResponse>;

export const DeactivateJobResponse = z.object({ success: z.literal(true), job_id: z.number(), message: z.string() });
export type DeactivateJobResponse = z.infer<typeof DeactivateJobResponse>;
