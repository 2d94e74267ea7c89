// Job postings: create, list, read, edit, deactivate. Plain values in, values or
// ApiErrors out; never sees the HTTP context. Every statement runs as the caller
// (asCaller), under the same RLS as a supabase-js frontend: the database decides who
// may post, edit or see what; this code only words its refusals the seed's way.
// The public list is one statement, public.list_open_job_postings_with_total (migration
// 20261206700100), granted to anon and authenticated like any rpc: it shows what the
// policy "visitors read open postings" shows (private.job_posting_is_open) itself, so
// that the filters can use their indexes, which they cannot through the table under
// RLS. Its total is counted up to a cap (migration 20261206300100): a page costs
// O(limit), so its total must not cost O(matches).
import { databaseErrorOf, forbidden, notFound } from "../errors.ts";
import { asCaller, type Caller, type Sql, type Transaction, type SignedInCaller } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import { cursorTimestampFormat, keysetPage, type KeysetCursor } from "../keyset.ts";
import { listLimits } from "../validation.ts";
import type {
  CreateJobBody,
  CreateJobResponse,
  DeactivateJobResponse,
  JobDetail,
  JobDetailResponse,
  JobSummary,
  ListJobsQuery,
  ListJobsResponse,
  UpdateJobBody,
  TotalRelation,
  UpdateJobResponse,
} from "./model.ts";
import { JOB_LIST_CURSOR } from "./model.ts";

export interface JobsServiceDeps {
  sql: Sql;
  /** JOB_LIST_TOTAL_CAP: list totals are exact up to this many postings, a lower bound past it. */
  totalCap: number;
  /** JOB_LIST_SEARCH_TOTAL_CAP: the same for a location or text search (at most totalCap). */
  searchTotalCap: number;
}

/** The filters of the public listing, normalised (what the database functions take). */
export interface JobListFilters {
  jobType: string | null;
  experienceLevel: string | null;
  location: string | null;
  q: string | null;
}

/**
 * Who reads a posting, as the server saw them: an anonymous viewer is counted once a day
 * as a keyed hash of these two (the database never stores them).
 */
export interface JobViewer {
  ip: string | undefined;
  userAgent: string | null;
}

export interface JobListPage {
  limit: number;
  offset: number;
  after: KeysetCursor | null;
}

// Rows typed from the generated schema: a renamed column breaks the build.
type Posting = Tables<"job_postings">;
type SummaryRow = Pick<Posting, "id" | "title" | "company_name" | "location" | "job_type" | "experience_level" | "salary_range" | "created_at">;
type PageRow = SummaryRow & { cursor_at: string; total: number | null };
type DetailRow = SummaryRow &
  Pick<Posting, "description" | "requirements" | "is_active" | "views_count" | "applications_count" | "updated_at" | "expires_at"> & {
    is_open: boolean;
    is_owner: boolean;
  };
type RecruiterProfile = Tables<"recruiter_profiles">;
type DetailWithRecruiterRow = DetailRow & {
  recruiter_username: RecruiterProfile["username"] | null;
  recruiter_type: RecruiterProfile["recruiter_type"] | null;
  recruiter_company_name: RecruiterProfile["company_name"];
  recruiter_full_name: RecruiterProfile["full_name"];
  recruiter_is_verified: RecruiterProfile["is_verified"] | null;
};

/**
 * One page of open postings, newest first, each row with the total of matching postings
 * counted up to `countLimit` (null: no total): `limit` rows plus one to tell whether
 * another page follows. The statement the facade runs (and the benchmark beside it).
 * The cursor's created_at travels as text: a parameter the server types timestamptz is
 * serialised by postgres.js through a JS Date, which would drop its microseconds.
 */
export function selectJobPage(tx: Transaction | Sql, filters: JobListFilters, page: JobListPage, countLimit: number | null) {
  return tx<PageRow[]>`
    select id, title, company_name, location, job_type, experience_level, salary_range, created_at,
           to_char(created_at at time zone 'UTC', ${cursorTimestampFormat}) as cursor_at, total
      from public.list_open_job_postings_with_total(
             filter_job_type => ${filters.jobType}::public.job_type,
             filter_experience_level => ${filters.experienceLevel}::public.experience_level,
             filter_location => ${filters.location}::text,
             search_text => ${filters.q}::text,
             after_created_at => ${page.after?.createdAt ?? null}::text::timestamptz,
             after_id => ${page.after?.id ?? null}::bigint,
             page_limit => ${page.limit + 1}::integer,
             page_offset => ${page.offset}::integer,
             count_limit => ${countLimit}::integer)`;
}

/**
 * How many open postings match, counted up to `countLimit`: a total above it means
 * "more than countLimit" (the database stops counting at countLimit + 1). The list asks
 * it only for an empty page past the last one, which has no row to carry its total.
 */
export function selectJobCount(tx: Transaction | Sql, filters: JobListFilters, countLimit: number) {
  return tx<{ total: number | null }[]>`
    select public.count_open_job_postings(
             filter_job_type => ${filters.jobType}::public.job_type,
             filter_experience_level => ${filters.experienceLevel}::public.experience_level,
             filter_location => ${filters.location}::text,
             search_text => ${filters.q}::text,
             count_limit => ${countLimit}::integer) as total`;
}

/**
 * The cap of a list's total: a location or text search counts to the search cap, which
 * costs a read of each posting it counts; other lists count index entries.
 */
export function totalCapOf(filters: JobListFilters, caps: { totalCap: number; searchTotalCap: number }): number {
  return filters.location || filters.q ? Math.min(caps.totalCap, caps.searchTotalCap) : caps.totalCap;
}

/** The seed's `total` from a count capped at `cap`: exact up to the cap, the cap as a lower bound past it. */
export function cappedTotal(counted: number, cap: number): { total: number; total_relation: TotalRelation } {
  return counted > cap ? { total: cap, total_relation: "gte" } : { total: counted, total_relation: "eq" };
}

export function jobFiltersOf(query: { job_type?: string; experience_level?: string; location?: string; q?: string }): JobListFilters {
  return {
    jobType: query.job_type ?? null,
    experienceLevel: query.experience_level ?? null,
    location: query.location || null,
    q: query.q || null,
  };
}

function summaryOf(row: SummaryRow): JobSummary {
  return {
    id: row.id,
    title: row.title,
    company_name: row.company_name,
    location: row.location,
    job_type: row.job_type,
    experience_level: row.experience_level,
    salary_range: row.salary_range,
    created_at: row.created_at,
  };
}

// Every column of a posting the API shows, for statements over job_postings (aliased j).
const detailColumns = (tx: Transaction) => tx`
  j.id, j.title, j.company_name, j.location, j.job_type, j.experience_level, j.salary_range, j.description,
  j.requirements, j.is_active, private.job_posting_is_open(j) as is_open,
  j.views_count, j.applications_count, j.created_at, j.updated_at, j.expires_at,
  coalesce(j.recruiter_id = (select auth.uid()), false) as is_owner`;

function detailOf(row: DetailRow | DetailWithRecruiterRow): JobDetail {
  const recruiter = "recruiter_username" in row && row.recruiter_username ? row : undefined;
  return {
    ...summaryOf(row),
    description: row.description,
    requirements: row.requirements,
    is_active: row.is_active,
    is_open: row.is_open,
    views_count: row.views_count,
    applications_count: row.applications_count,
    updated_at: row.updated_at,
    expires_at: row.expires_at,
    is_owner: row.is_owner,
    recruiter: recruiter
      ? {
          username: recruiter.recruiter_username!,
          recruiter_type: recruiter.recruiter_type!,
          company_name: recruiter.recruiter_company_name,
          full_name: recruiter.recruiter_full_name,
          is_verified: recruiter.recruiter_is_verified!,
        }
      : null,
  };
}

/** The columns a recruiter writes, from a validated body (undefined = not sent). */
function postingColumns(body: Partial<CreateJobBody> & { is_active?: boolean }): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const key of [
    "title", "company_name", "location", "job_type", "experience_level", "description", "requirements", "salary_range", "expires_at", "is_active",
  ] as const) {
    if (body[key] !== undefined) columns[key] = body[key];
  }
  return columns;
}

export function createJobsService(deps: JobsServiceDeps) {
  const { sql } = deps;

  /** After an update matched nothing: someone else's posting (403) or none the caller can see (404). */
  async function refuseChange(tx: Transaction, jobId: number): Promise<never> {
    const [visible] = await tx`select id from public.job_postings where id = ${jobId}`;
    if (visible) throw forbidden("You can only change your own job postings");
    throw notFound("Job not found");
  }

  return {
    async create(caller: SignedInCaller, body: CreateJobBody): Promise<CreateJobResponse> {
      try {
        // recruiter_id defaults to auth.uid(); the insert policy admits active recruiters only.
        const [row] = await asCaller(sql, caller, (tx) => tx<Pick<Posting, "id">[]>`
          insert into public.job_postings ${tx(postingColumns(body))} returning id`);
        return { success: true as const, job_id: row!.id, message: "Job posting created successfully" };
      } catch (error) {
        if (databaseErrorOf(error)?.code === "42501") throw forbidden("Only recruiters can create job postings");
        throw error;
      }
    },

    async list(caller: Caller, query: ListJobsQuery): Promise<ListJobsResponse> {
      const filters = jobFiltersOf(query);
      const page: JobListPage = { limit: query.limit ?? listLimits.defaultLimit, offset: query.offset ?? 0, after: query.cursor ?? null };
      const cap = totalCapOf(filters, deps);
      // One statement: the page, each row carrying the capped total. An empty page has
      // no row to carry it: nothing matches when it is a first page; past the last page
      // (an offset or a cursor beyond the end, rare) it is counted on its own.
      const [rows, counted] = await asCaller(sql, caller, async (tx) => {
        const rows = await selectJobPage(tx, filters, page, cap);
        if (rows.length > 0) return [rows, rows[0]!.total] as const;
        if (page.after === null && page.offset === 0) return [rows, 0] as const;
        const [count] = await selectJobCount(tx, filters, cap);
        return [rows, count?.total] as const;
      });
      const { shown, nextCursor } = keysetPage(JOB_LIST_CURSOR, rows, page.limit);
      return {
        success: true as const,
        // Null for a signed-in caller whose account may not act (they see no postings either).
        ...cappedTotal(counted ?? 0, cap),
        jobs: shown.map(summaryOf),
        next_cursor: nextCursor,
      };
    },

    /**
     * One posting, counting a view. Open postings for everyone; the recruiter's own in
     * any state; a closed one to a candidate who applied (not counted).
     */
    async get(caller: Caller, jobId: number, viewer: JobViewer): Promise<JobDetailResponse> {
      const row = await asCaller(sql, caller, async (tx) => {
        const recruiter = tx`
          left join public.recruiter_profiles rp on rp.user_id = j.recruiter_id`;
        const recruiterColumns = tx`
          rp.username as recruiter_username, rp.recruiter_type, rp.company_name as recruiter_company_name,
          rp.full_name as recruiter_full_name, rp.is_verified as recruiter_is_verified`;
        // Counts the view once per viewer and day, a viewer being the signed-in user or a
        // keyed hash of the client's IP and User-Agent (the database believes those two
        // from the servers' role only, and keeps neither).
        const [viewed] = await tx<DetailWithRecruiterRow[]>`
          select ${detailColumns(tx)}, ${recruiterColumns}
            from public.view_job_posting(${jobId}, viewer_ip => ${viewer.ip ?? null}::inet, viewer_user_agent => ${viewer.userAgent}::text) j ${recruiter}`;
        if (viewed || caller.role === "anon") return viewed;
        const [applied] = await tx<DetailWithRecruiterRow[]>`
          select ${detailColumns(tx)}, ${recruiterColumns}
            from public.job_postings j ${recruiter}
           where j.id = ${jobId}`;
        return applied;
      });
      if (!row) throw notFound("Job not found");
      return { success: true as const, job: detailOf(row) };
    },

    async update(caller: SignedInCaller, jobId: number, body: UpdateJobBody): Promise<UpdateJobResponse> {
      const columns = postingColumns(body);
      const row = await asCaller(sql, caller, async (tx) => {
        const [updated] = await tx<DetailRow[]>`
          update public.job_postings j set ${tx(columns)} where j.id = ${jobId} returning ${detailColumns(tx)}`;
        return updated ?? refuseChange(tx, jobId);
      });
      const { recruiter: _recruiter, is_owner: _isOwner, ...job } = detailOf(row);
      return { success: true as const, job, message: "Job posting updated successfully" };
    },

    /** DELETE: the posting is deactivated, not removed, so its applications keep their history. */
    async deactivate(caller: SignedInCaller, jobId: number): Promise<DeactivateJobResponse> {
      await asCaller(sql, caller, async (tx) => {
        const [updated] = await tx`update public.job_postings set is_active = false where id = ${jobId} returning id`;
        return updated ?? refuseChange(tx, jobId);
      });
      return { success: true as const, job_id: jobId, message: "Job posting deactivated" };
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
