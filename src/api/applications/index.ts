// Job applications: applying to a posting and its applicants (/api/v1/jobs/{job_id}/apply,
// /api/v1/jobs/{job_id}/applications), and /api/v1/applications (the candidate's own,
// withdrawal, the status pipeline and its history). The applications service
// (src/core/applications) does the work; this controller maps HTTP to it.
import { Elysia } from "elysia";
import { z } from "zod";
import type { JwtVerifier } from "../../auth/index.ts";
import {
  ApplicantResumeResponse,
  ApplicantsQuery,
  ApplicantsResponse,
  ApplyBody,
  ApplyResponse,
  HistoryResponse,
  MyApplicationsResponse,
  StatusChangeResponse,
  UpdateStatusBody,
} from "../../core/applications/model.ts";
import type { ApplicationsService } from "../../core/applications/service.ts";
import { PageQuery, RowIdText } from "../../core/validation.ts";
import { JobIdParams } from "../jobs/index.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";
import { parseQuery, queryParameters } from "../query.ts";

const ApplicationIdParams = z.object({ application_id: RowIdText });

const notVisible = "No such application, or one the caller is not a party to";

export function applicationsModule(deps: { service: ApplicationsService; verifier: JwtVerifier }) {
  const applications = deps.service;

  const perPosting = new Elysia({ prefix: "/api/v1/jobs", tags: ["Applications"] })
    .use(callerPlugin(deps.verifier))
    .post(
      "/:job_id/apply",
      ({ caller, params, body }) => applications.apply(caller, params.job_id, body),
      documented(
        { auth: true, params: JobIdParams, ...jsonBody(ApplyBody), response: { 200: ApplyResponse }, detail: { summary: "Apply to an open job with one of one's resumes" } },
        {
          400: "Already applied to this job",
          403: "The caller posted this job",
          404: "No open posting with this id, or no active resume of the caller's with resume_id",
        },
      ),
    )
    .get(
      "/:job_id/applications",
      ({ caller, params, query }) => applications.applicants(caller, params.job_id, parseQuery(ApplicantsQuery, query)),
      documented(
        {
          auth: true,
          params: JobIdParams,
          response: { 200: ApplicantsResponse },
          detail: { parameters: queryParameters(ApplicantsQuery), summary: "Applications to one's own job, newest first, each with a signed link to the resume" },
        },
        { 404: "No posting of the caller's with this id", 422: "status or a paging value is invalid" },
      ),
    );

  const own = new Elysia({ prefix: "/api/v1/applications", tags: ["Applications"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/mine",
      ({ caller, query }) => applications.mine(caller, parseQuery(PageQuery, query)),
      documented(
        {
          auth: true,
          response: { 200: MyApplicationsResponse },
          detail: { parameters: queryParameters(PageQuery), summary: "The caller's applications, newest first, with their jobs' titles and statuses" },
        },
        { 422: "A paging value is invalid" },
      ),
    )
    .post(
      "/:application_id/withdraw",
      ({ caller, params }) => applications.withdraw(caller, params.application_id),
      documented(
        {
          auth: true,
          params: ApplicationIdParams,
          response: { 200: StatusChangeResponse },
          detail: { summary: "Withdraw one's own application (not once accepted or rejected)" },
        },
        { 403: "Only the candidate withdraws an application", 404: notVisible, 409: "The application is accepted, rejected or withdrawn already" },
      ),
    )
    .patch(
      "/:application_id/status",
      ({ caller, params, body }) => applications.setStatus(caller, params.application_id, body.status),
      documented(
        {
          auth: true,
          params: ApplicationIdParams,
          ...jsonBody(UpdateStatusBody),
          response: { 200: StatusChangeResponse },
          detail: {
            summary: "Move an application to one's job along the pipeline",
            description: "pending → reviewed → shortlisted → accepted, and rejected from any of the first three. 409 for any other move; accepted and rejected are final.",
          },
        },
        { 403: "Only the job's recruiter moves an application", 404: notVisible, 409: "Not a move the pipeline allows from the current status" },
      ),
    )
    .get(
      "/:application_id/resume",
      ({ caller, params, set }) => {
        // A signed link of someone's resume: never cached.
        set.headers["Cache-Control"] = "no-store";
        return applications.openResume(caller, params.application_id);
      },
      documented(
        {
          auth: true,
          params: ApplicationIdParams,
          response: { 200: ApplicantResumeResponse },
          detail: {
            summary: "The job's recruiter opens an applicant's resume: a fresh signed link; a pending application becomes reviewed (once, with history)",
            description: "The candidate sees it in GET /applications/mine: status reviewed and reviewed_at. Later openings change nothing.",
          },
        },
        { 404: "No such application to one of the caller's jobs, or it was withdrawn (its resume is no longer shared)" },
      ),
    )
    .get(
      "/:application_id/history",
      ({ caller, params }) => applications.history(caller, params.application_id),
      documented(
        {
          auth: true,
          params: ApplicationIdParams,
          response: { 200: HistoryResponse },
          detail: { summary: "Every status change of an application (its candidate and the job's recruiter)" },
        },
        { 404: notVisible },
      ),
    );

  return new Elysia({ name: "applications" }).use(perPosting).use(own);
}
