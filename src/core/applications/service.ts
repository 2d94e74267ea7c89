// Applications: apply, the candidate's own list and withdrawal, the recruiter's
// applicants and the status pipeline, and each application's history. Every statement
// runs as the caller; the database enforces who may do what (RLS), the pipeline's
// transitions and who may make them (a trigger raising PT409/PT403, which either face
// answers 409/403 with the trigger's message, through apiErrorFromDatabase), stamps
// reviewed_at, writes the history and keeps applications_count exact. Plain values in,
// values or ApiErrors out.
import { badRequest, databaseErrorOf, forbidden, notFound } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import type { FileStorage } from "../storage/index.ts";
import { asCaller, type Sql, type SignedInCaller } from "../../db/client.ts";
import type { Database, Tables } from "../../db/database.types.ts";
import { listLimits, type PageQuery } from "../validation.ts";
import type { ApplicantResumeResponse, ApplicantsQuery, ApplicantsResponse, ApplicationStatus, ApplyBody, ApplyResponse, ChangedByRole, HistoryResponse, MyApplicationsResponse, StatusChangeResponse } from "./model.ts";

export interface ApplicationsServiceDeps {
  sql: Sql;
  storage: Pick<FileStorage, "signedUrl">;
  settings: Pick<Settings, "SIGNED_URL_TTL_SECONDS">;
  log: Logger;
}

// Rows typed from the generated schema: a renamed column breaks the build.
type Application = Tables<"job_applications">;
type StatusRow = Pick<Application, "id" | "status" | "reviewed_at">;
type MineRow = Pick<Application, "id" | "status" | "cover_letter" | "applied_at" | "reviewed_at" | "updated_at" | "job_id" | "resume_id" | "resume_deleted_at"> & {
  // left joins: the posting or resume may be out of the caller's sight
  title: Tables<"job_postings">["title"] | null;
  company_name: Tables<"job_postings">["company_name"] | null;
  location: Tables<"job_postings">["location"];
  job_is_open: boolean;
  resume_name: Tables<"resumes">["resume_name"] | null;
};
type OpenedResumeRow = Database["public"]["Functions"]["open_applicant_resume"]["Returns"][number];
// pg-meta types a function's result columns as never null; the nullable ones are handled below.
type ApplicantRow = Database["public"]["Functions"]["job_applicants"]["Returns"][number];
type HistoryRow = Pick<Application, "id" | "status"> & {
  // left join: an application always has at least its submission in the history
  [K in "from_status" | "to_status" | "changed_at" | "changed_by"]: Tables<"job_application_status_history">[K] | null;
} & { changed_by_role: ChangedByRole };

export function createApplicationsService(deps: ApplicationsServiceDeps) {
  const { sql, storage, log } = deps;
  const signed = { expiresInSeconds: deps.settings.SIGNED_URL_TTL_SECONDS };

  async function signedResumeUrl(key: string): Promise<string | null> {
    try {
      return await storage.signedUrl(key, signed);
    } catch (error) {
      // A link we cannot sign is left out; the rest of the list still answers.
      log.error("could not sign a resume link", { key, error: String(error) });
      return null;
    }
  }

  return {
    /**
     * The seed's apply, in one statement as the caller: the job must be open and the
     * resume the caller's own and active (both read under RLS), then the insert, which
     * the insert policy checks again. A second application hits uq_job_candidate.
     */
    async apply(caller: SignedInCaller, jobId: number, body: ApplyBody): Promise<ApplyResponse> {
      let row: { job_id: number | null; resume_id: number | null; application_id: number | null } | undefined;
      try {
        [row] = await asCaller(sql, caller, (tx) => tx<NonNullable<typeof row>[]>`
          with job as (
            select j.id from public.job_postings j
             where j.id = ${jobId} and private.job_posting_is_open(j)
          ), resume as (
            select r.id from public.resumes r where r.id = ${body.resume_id} and r.is_active
          ), inserted as (
            insert into public.job_applications (job_id, resume_id, cover_letter)
            select job.id, resume.id, ${body.cover_letter ?? null} from job, resume
            returning id
          )
          select (select id from job) as job_id, (select id from resume) as resume_id, (select id from inserted) as application_id`);
      } catch (error) {
        const code = databaseErrorOf(error)?.code;
        if (code === "23505") throw badRequest("Already applied to this job");
        // The job and the resume passed; the policy still refused: the caller posted the job.
        if (code === "42501") throw forbidden("You cannot apply to this job");
        throw error;
      }
      if (!row?.job_id) throw notFound("Job not found");
      if (!row.resume_id) throw notFound("Resume not found");
      return { success: true as const, application_id: row.application_id!, message: "Application submitted successfully" };
    },

    /** The caller's own applications, newest first, with their jobs even once closed. */
    async mine(caller: SignedInCaller, page: PageQuery): Promise<MyApplicationsResponse> {
      const limit = page.limit ?? listLimits.defaultLimit;
      const offset = page.offset ?? 0;
      const [rows, [count]] = await asCaller(sql, caller, (tx) =>
        Promise.all([
          // Job postings a candidate applied to stay readable to them after they close
          // (policy "users read open, own and applied-to postings").
          tx<MineRow[]>`
            select a.id, a.status, a.cover_letter, a.applied_at, a.reviewed_at, a.updated_at,
                   a.job_id, j.title, j.company_name, j.location,
                   coalesce(private.job_posting_is_open(j), false) as job_is_open,
                   a.resume_id, r.resume_name, a.resume_deleted_at
              from public.job_applications a
              left join public.job_postings j on j.id = a.job_id
              left join public.resumes r on r.id = a.resume_id
             where a.candidate_id = (select auth.uid())
             order by a.applied_at desc, a.id desc
             limit ${limit} offset ${offset}`,
          tx<{ total: number }[]>`select count(*)::int as total from public.job_applications where candidate_id = (select auth.uid())`,
        ]),
      );
      return {
        success: true as const,
        total: count!.total,
        applications: rows.map((row) => ({
          application_id: row.id,
          status: row.status,
          cover_letter: row.cover_letter,
          applied_at: row.applied_at,
          reviewed_at: row.reviewed_at,
          updated_at: row.updated_at,
          job: { id: row.job_id, title: row.title, company_name: row.company_name, location: row.location, is_open: row.job_is_open },
          resume: { id: row.resume_id, resume_name: row.resume_name, ...(row.resume_deleted_at ? { deleted_at: row.resume_deleted_at } : {}) },
        })),
      };
    },

    /** The candidate withdraws (the trigger refuses anyone else, and final statuses). */
    async withdraw(caller: SignedInCaller, applicationId: number): Promise<StatusChangeResponse> {
      const [row] = await asCaller(sql, caller, (tx) => tx<StatusRow[]>`
        update public.job_applications set status = 'withdrawn' where id = ${applicationId} returning id, status, reviewed_at`);
      if (!row) throw notFound("Application not found");
      return { success: true as const, application_id: row.id, status: row.status, reviewed_at: row.reviewed_at, message: "Application withdrawn" };
    },

    /** The recruiter's applicants to one of their jobs, each with a signed link to the resume PDF. */
    async applicants(caller: SignedInCaller, jobId: number, query: ApplicantsQuery): Promise<ApplicantsResponse> {
      const limit = query.limit ?? listLimits.defaultLimit;
      const offset = query.offset ?? 0;
      const status = query.status ?? null;
      const result = await asCaller(sql, caller, async (tx) => {
        const [job] = await tx<Pick<Tables<"job_postings">, "id">[]>`select id from public.job_postings where id = ${jobId} and recruiter_id = (select auth.uid())`;
        if (!job) return undefined;
        // job_applicants reads the resumes (owner-only tables) with its definer's rights,
        // after checking that the caller posted the job.
        const [rows, [count]] = await Promise.all([
          tx<ApplicantRow[]>`
            select * from public.job_applicants(${jobId})
             where ${status}::public.application_status is null or status = ${status}::public.application_status
             order by applied_at desc, application_id desc
             limit ${limit} offset ${offset}`,
          tx<{ total: number }[]>`
            select count(*)::int as total from public.job_applications
             where job_id = ${jobId} and (${status}::public.application_status is null or status = ${status}::public.application_status)`,
        ]);
        return { rows, total: count!.total };
      });
      if (!result) throw notFound("Job not found");
      const applications = await Promise.all(
        result.rows.map(async (row) => ({
          application_id: row.application_id,
          status: row.status,
          cover_letter: row.cover_letter ?? null,
          applied_at: row.applied_at,
          reviewed_at: row.reviewed_at ?? null,
          // An erased candidate, a deleted resume: the record stays, saying so.
          candidate: {
            id: row.candidate_id ?? null,
            full_name: row.candidate_name ?? null,
            email: row.candidate_email ?? null,
            ...(row.candidate_erased_at ? { erased_at: row.candidate_erased_at } : {}),
          },
          resume: {
            id: row.resume_id ?? null,
            resume_name: row.resume_name ?? null,
            is_active: row.resume_is_active,
            // A withdrawn application no longer shares the candidate's resume.
            url: row.status === "withdrawn" || !row.resume_pdf_filename ? null : await signedResumeUrl(row.resume_pdf_filename),
            ...(row.resume_deleted_at ? { deleted_at: row.resume_deleted_at } : {}),
          },
        })),
      );
      return { success: true as const, job_id: jobId, total: result.total, applications };
    },

    /**
     * The job's recruiter opens an applicant's resume: a fresh signed link, and a pending
     * application moves to reviewed, once, through the pipeline (public.open_applicant_resume:
     * the transition trigger, reviewed_at, the history, the status-changed event). Anyone
     * else, and a withdrawn application, get the same 404.
     */
    async openResume(caller: SignedInCaller, applicationId: number): Promise<ApplicantResumeResponse> {
      const [row] = await asCaller(sql, caller, (tx) => tx<OpenedResumeRow[]>`select * from public.open_applicant_resume(${applicationId})`);
      if (!row) throw notFound("Application not found");
      return {
        success: true as const,
        application_id: row.application_id,
        status: row.status,
        reviewed_at: row.reviewed_at ?? null,
        resume: { id: row.resume_id, resume_name: row.resume_name, is_active: row.resume_is_active, url: await storage.signedUrl(row.resume_pdf_filename, signed) },
      };
    },

    /** The recruiter moves an application along the pipeline; the database says whether it may. */
    async setStatus(caller: SignedInCaller, applicationId: number, status: ApplicationStatus): Promise<StatusChangeResponse> {
      const [row] = await asCaller(sql, caller, (tx) => tx<StatusRow[]>`
        update public.job_applications set status = ${status}::public.application_status
         where id = ${applicationId}
        returning id, status, reviewed_at`);
      if (!row) throw notFound("Application not found");
      return { success: true as const, application_id: row.id, status: row.status, reviewed_at: row.reviewed_at, message: "Application status updated" };
    },

    /** Every status the application has had, for its candidate and the job's recruiter. */
    async history(caller: SignedInCaller, applicationId: number): Promise<HistoryResponse> {
      const rows = await asCaller(sql, caller, (tx) => tx<HistoryRow[]>`
        select a.id, a.status, h.from_status, h.to_status, h.changed_at, h.changed_by,
               -- Recorded with the change, so it still reads right once that person is erased.
               h.changed_by_role
          from public.job_applications a
          left join public.job_application_status_history h on h.application_id = a.id
         where a.id = ${applicationId}
         order by h.changed_at, h.id`);
      const first = rows[0];
      if (!first) throw notFound("Application not found");
      return {
        success: true as const,
        application_id: first.id,
        status: first.status,
        history: rows
          .filter((row) => row.to_status)
          .map((row) => ({
            from_status: row.from_status,
            to_status: row.to_status!,
            changed_at: row.changed_at!,
            changed_by: row.changed_by,
            changed_by_role: row.changed_by_role,
          })),
      };
    },
  };
}

export type ApplicationsService = ReturnType<typeof createApplicationsService>;
