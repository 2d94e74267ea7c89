// /api/v1/jobs: the seed's create and list, plus one posting's read, edit and
// deactivation. The jobs service (src/core/jobs) does the work; this controller maps
// HTTP to it. Applying and the applicants are applications' (src/api/applications).
import { Elysia } from "elysia";
import { z } from "zod";
import type { JwtVerifier } from "../../auth/index.ts";
import {
  CreateJobBody,
  CreateJobResponse,
  DeactivateJobResponse,
  JobDetailResponse,
  ListJobsQuery,
  ListJobsResponse,
  UpdateJobBody,
  UpdateJobResponse,
} from "../../core/jobs/model.ts";
import type { JobsService } from "../../core/jobs/service.ts";
import { RowIdText } from "../../core/validation.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { clientIpPlugin, type TrustedProxies } from "../plugins/client-ip.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";
import { parseQuery, queryParameters } from "../query.ts";

export const JobIdParams = z.object({ job_id: RowIdText });

const notVisible = "No such posting, or one the caller may not see (closed or expired, to anyone but its recruiter)";

export function jobsModule(deps: { service: JobsService; verifier: JwtVerifier; trustProxy: TrustedProxies; totalCap: number; searchTotalCap: number }) {
  const searchCap = Math.min(deps.totalCap, deps.searchTotalCap);
  const jobs = deps.service;
  return new Elysia({ prefix: "/api/v1/jobs", tags: ["Jobs"] })
    .use(clientIpPlugin({ trustProxy: deps.trustProxy }))
    .use(callerPlugin(deps.verifier))
    .post(
      "/create",
      ({ caller, body }) => jobs.create(caller, body),
      documented(
        { auth: true, ...jsonBody(CreateJobBody), response: { 200: CreateJobResponse }, detail: { summary: "Create a job posting (recruiters only)" } },
        { 403: "Only active recruiters create postings" },
      ),
    )
    .get(
      "/list",
      ({ caller, query }) => jobs.list(caller, parseQuery(ListJobsQuery, query)),
      documented(
        {
          optionalAuth: true,
          response: { 200: ListJobsResponse },
          detail: {
            parameters: queryParameters(ListJobsQuery),
            summary: "Open job postings, newest first",
            description:
              "Filters: job_type, experience_level, location (case-insensitive substring), q (full-text over title, company and description; websearch syntax). " +
              "Page with limit (default 20, at most 100) and offset (at most 10000), or pass the previous page's next_cursor as cursor for keyset paging at any depth. " +
              `total is counted exactly up to ${deps.totalCap} postings (JOB_LIST_TOTAL_CAP), and up to ${searchCap} when location or q is given (JOB_LIST_SEARCH_TOTAL_CAP: ` +
              "a search's count reads each posting it counts), so that its cost stays bounded however many postings match: past the cap, total is the cap " +
              'with total_relation "gte" (a lower bound, as search engines report it); otherwise total_relation is "eq".',
          },
        },
        { 422: "A filter or paging value is invalid; `errors` names each" },
      ),
    )
    .get(
      "/:job_id",
      // The client's IP and User-Agent tell anonymous viewers apart (each counts once a day).
      ({ caller, params, clientIp, request }) => jobs.get(caller, params.job_id, { ip: clientIp, userAgent: request.headers.get("user-agent") }),
      documented(
        {
          optionalAuth: true,
          params: JobIdParams,
          response: { 200: JobDetailResponse },
          detail: { summary: "One posting (counts a view, once per viewer and day): open ones for everyone, the recruiter's own in any state" },
        },
        { 404: notVisible },
      ),
    )
    .patch(
      "/:job_id",
      ({ caller, params, body }) => jobs.update(caller, params.job_id, body),
      documented(
        {
          auth: true,
          params: JobIdParams,
          ...jsonBody(UpdateJobBody),
          response: { 200: UpdateJobResponse },
          detail: { summary: "Edit one's own posting (any subset of its fields; is_active reopens or closes it)" },
        },
        { 403: "Someone else's posting", 404: notVisible },
      ),
    )
    .delete(
      "/:job_id",
      ({ caller, params }) => jobs.deactivate(caller, params.job_id),
      documented(
        {
          auth: true,
          params: JobIdParams,
          response: { 200: DeactivateJobResponse },
          detail: { summary: "Deactivate one's own posting (its applications and their history stay)" },
        },
        { 403: "Someone else's posting", 404: notVisible },
      ),
    );
}
