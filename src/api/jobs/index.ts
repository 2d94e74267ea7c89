// The job board: /api/v1/jobs (the seed's create, list and apply, plus one posting's
// read, edit and deactivation, and its applicants) and /api/v1/applications (the
// candidate's own, withdrawal, the status pipeline and its history). The controller
// only maps HTTP to the services.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import type { Logger } from "../../core/log.ts";
import type { FileStorage } from "../../core/storage/index.ts";
import type { Sql } from "../../db/client.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { createApplicationsService } from "../../core/applications/service.ts";
import {
  ApplicantsQuery,
  ApplicantsResponse,
  ApplicationIdParams,
  ApplyBody,
  ApplyResponse,
  CreateJobBody,
  CreateJobResponse,
  DeactivateJobResponse,
  HistoryResponse,
  JobDetailResponse,
  JobIdParams,
  ListJobsQuery,
  ListJobsResponse,
  MyApplicationsResponse,
  PageQuery,
  StatusChangeResponse,
  UpdateJobBody,
  UpdateJobResponse,
  UpdateStatusBody,
} from "../../core/jobs/model.ts";
import { parseQuery, queryParameters } from "../query.ts";
import { createJobsService } from "../../core/jobs/service.ts";
import type { TotalCacheOptions } from "../../core/jobs/total-cache.ts";

export interface JobsModuleDeps {
  sql: Sql;
  verifier: JwtVerifier;
  storage: FileStorage;
  log: Logger;
  totalCache?: TotalCacheOptions;
}

const bearer = [{ bearer: [] as string[] }];

export function jobsModule(deps: JobsModuleDeps) {
  const jobs = createJobsService({ sql: deps.sql, log: deps.log, totalCache: deps.totalCache });
  const applications = createApplicationsService({ sql: deps.sql, storage: deps.storage, log: deps.log });

  const postings = new Elysia({ prefix: "/api/v1/jobs", tags: ["Jobs"] })
    .use(callerPlugin(deps.verifier))
    .post("/create", ({ caller, body }) => jobs.create(caller, body), {
      auth: true,
      body: CreateJobBody,
      response: { 200: CreateJobResponse },
      detail: { summary: "Create a job posting (recruiters only)", security: bearer },
    })
    .get("/list", ({ caller, query }) => jobs.list(caller, parseQuery(ListJobsQuery, query)), {
      optionalAuth: true,
      response: { 200: ListJobsResponse },
      detail: {
        parameters: queryParameters(ListJobsQuery),
        summary: "Open job postings, newest first",
        description:
          "Filters: job_type, experience_level, location (case-insensitive substring), q (full-text over title, company and description; websearch syntax). " +
          "Page with limit (default 20, at most 100) and offset (at most 10000), or pass the previous page's next_cursor as cursor for keyset paging at any depth.",
      },
    })
    .get("/:job_id", ({ caller, params }) => jobs.get(caller, params.job_id), {
      optionalAuth: true,
      params: JobIdParams,
      response: { 200: JobDetailResponse },
      detail: { summary: "One posting (counts a view): open ones for everyone, the recruiter's own in any state" },
    })
    .patch("/:job_id", ({ caller, params, body }) => jobs.update(caller, params.job_id, body), {
      auth: true,
      params: JobIdParams,
      body: UpdateJobBody,
      response: { 200: UpdateJobResponse },
      detail: { summary: "Edit one's own posting (any subset of its fields; is_active reopens or closes it)", security: bearer },
    })
    .delete("/:job_id", ({ caller, params }) => jobs.deactivate(caller, params.job_id), {
      auth: true,
      params: JobIdParams,
      response: { 200: DeactivateJobResponse },
      detail: { summary: "Deactivate one's own posting (its applications and their history stay)", security: bearer },
    })
    .post("/:job_id/apply", ({ caller, params, body }) => applications.apply(caller, params.job_id, body), {
      auth: true,
      params: JobIdParams,
      body: ApplyBody,
      response: { 200: ApplyResponse },
      detail: { summary: "Apply to an open job with one of one's resumes", security: bearer },
    })
    .get("/:job_id/applications", ({ caller, params, query }) => applications.applicants(caller, params.job_id, parseQuery(ApplicantsQuery, query)), {
      auth: true,
      params: JobIdParams,
      response: { 200: ApplicantsResponse },
      detail: { parameters: queryParameters(ApplicantsQuery), summary: "Applications to one's own job, newest first, each with a signed link to the resume", security: bearer },
    });

  const applicationRoutes = new Elysia({ prefix: "/api/v1/applications", tags: ["Applications"] })
    .use(callerPlugin(deps.verifier))
    .get("/mine", ({ caller, query }) => applications.mine(caller, parseQuery(PageQuery, query)), {
      auth: true,
      response: { 200: MyApplicationsResponse },
      detail: { parameters: queryParameters(PageQuery), summary: "The caller's applications, newest first, with their jobs' titles and statuses", security: bearer },
    })
    .post("/:application_id/withdraw", ({ caller, params }) => applications.withdraw(caller, params.application_id), {
      auth: true,
      params: ApplicationIdParams,
      response: { 200: StatusChangeResponse },
      detail: { summary: "Withdraw one's own application (not once accepted or rejected)", security: bearer },
    })
    .patch("/:application_id/status", ({ caller, params, body }) => applications.setStatus(caller, params.application_id, body.status), {
      auth: true,
      params: ApplicationIdParams,
      body: UpdateStatusBody,
      response: { 200: StatusChangeResponse },
      detail: {
        summary: "Move an application to one's job along the pipeline",
        description: "pending → reviewed → shortlisted → accepted, and rejected from any of the first three. 409 for any other move; accepted and rejected are final.",
        security: bearer,
      },
    })
    .get("/:application_id/history", ({ caller, params }) => applications.history(caller, params.application_id), {
      auth: true,
      params: ApplicationIdParams,
      response: { 200: HistoryResponse },
      detail: { summary: "Every status change of an application (its candidate and the job's recruiter)", security: bearer },
    });

  return new Elysia({ name: "jobs" }).use(postings).use(applicationRoutes);
}
