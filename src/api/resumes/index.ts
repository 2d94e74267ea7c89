// /api/v1/resumes: the seed's upload and my-resumes, plus the owner's management of
// one resume (read, rename/toggle/deactivate, rotate the share token, delete,
// analytics). The logic is src/core/resumes, shared with the resume-upload edge
// function; this controller only maps HTTP to it.
import { Elysia } from "elysia";
import { z } from "zod";
import type { JwtVerifier } from "../../auth/index.ts";
import {
  AnalyticsQuery,
  AnalyticsResponse,
  DeleteResponse,
  MyResumesResponse,
  ResumeChanges,
  ResumeResponse,
  RotateTokenResponse,
  UploadResponse,
} from "../../core/resumes/model.ts";
import type { ResumeService } from "../../core/resumes/service.ts";
import { readUploadForm, uploadFormDocs } from "../../core/resumes/upload-form.ts";
import { RowIdText } from "../../core/validation.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";

const ResumeIdParams = z.object({ id: RowIdText });

const MyResumesQuery = z.object({
  /** Also list deactivated resumes (the seed lists active ones only). */
  include_inactive: z
    .enum(["true", "false"])
    .optional()
    .transform((value) => value === "true"),
});

const notTheirs = "Not one of the caller's resumes, or no such resume: the same answer";
const storageDown = "File storage unavailable (Retry-After) or refusing us; nothing was changed";

export function resumesModule(deps: { service: ResumeService; verifier: JwtVerifier; maxUploadBytes: number }) {
  const { service, maxUploadBytes } = deps;
  return new Elysia({ prefix: "/api/v1/resumes", tags: ["Resumes"] })
    .use(callerPlugin(deps.verifier))
    .post(
      "/upload",
      ({ caller, request }) => service.upload(caller, () => readUploadForm(request, maxUploadBytes)),
      documented(
        {
          auth: true,
          // The body is read by the core's size-limited multipart reader, straight from the
          // stream: Elysia must not buffer (or parse) it first. The caller (token, then
          // account and session) and the account's hourly upload limit are checked before
          // a byte of it is read.
          parse: "none" as const,
          response: { 200: UploadResponse },
          detail: { summary: "Upload a resume PDF; returns its share link and QR code", requestBody: uploadFormDocs(maxUploadBytes) as never },
        },
        {
          400: "Not a PDF (checked from its bytes), or a malformed multipart body",
          409: "The account keeps as many resumes, or as many bytes of them, as it may (MAX_RESUMES_PER_USER, MAX_RESUME_BYTES_PER_USER): delete one first",
          413: `The file is larger than ${maxUploadBytes} bytes`,
          415: "Not multipart/form-data",
          422: "A missing or invalid field (file, resume_name, is_public)",
          429: "The account's uploads of the last hour reached UPLOADS_PER_HOUR_PER_USER; see Retry-After",
          502: storageDown,
          503: storageDown,
        },
      ),
    )
    .get(
      "/my-resumes",
      ({ caller, query }) => service.listMine(caller, { includeInactive: query.include_inactive }),
      documented({
        auth: true,
        query: MyResumesQuery,
        response: { 200: MyResumesResponse },
        detail: { summary: "The caller's active resumes, newest first (include_inactive=true for all)" },
      }),
    )
    .get(
      "/:id",
      ({ caller, params }) => service.get(caller, params.id),
      documented(
        {
          auth: true,
          params: ResumeIdParams,
          response: { 200: ResumeResponse },
          detail: { summary: "One of the caller's resumes, with its QR code and a signed link to the PDF" },
        },
        { 404: notTheirs },
      ),
    )
    .patch(
      "/:id",
      ({ caller, params, body }) => service.update(caller, params.id, body),
      documented(
        {
          auth: true,
          params: ResumeIdParams,
          ...jsonBody(ResumeChanges),
          response: { 200: ResumeResponse },
          detail: { summary: "Rename, toggle is_public, deactivate (the share link stops working) or reactivate" },
        },
        { 404: notTheirs },
      ),
    )
    .delete(
      "/:id",
      ({ caller, params }) => service.delete(caller, params.id),
      documented(
        { auth: true, params: ResumeIdParams, response: { 200: DeleteResponse }, detail: { summary: "Delete a resume and its stored PDF, together or not at all" } },
        { 404: notTheirs, 502: storageDown, 503: storageDown },
      ),
    )
    .post(
      "/:id/rotate-token",
      ({ caller, params }) => service.rotateToken(caller, params.id),
      documented(
        { auth: true, params: ResumeIdParams, response: { 200: RotateTokenResponse }, detail: { summary: "New share token and QR code; the old link stops working" } },
        { 404: notTheirs },
      ),
    )
    .get(
      "/:id/analytics",
      ({ caller, params, query }) => service.analytics(caller, params.id, query.days, { breakdown: query.include.has("breakdown") }),
      documented(
        {
          auth: true,
          params: ResumeIdParams,
          query: AnalyticsQuery,
          response: { 200: AnalyticsResponse },
          detail: {
            summary: "Views of a resume: total, unique visitors, per day over `days` (default 30), top referrers; include=breakdown adds them per day and per link, by kind of view",
            description:
              "Counted views (total_views, views_per_day, the seed's access_count) are views by people other than the owner, a visitor's repeats included; bots (link-preview crawlers and others) and the signed-in owner's own views are logged and shown in the breakdown only. Unique visitors are visitor-days: a daily-rotating keyed hash of IP and User-Agent (or the account), no raw IP; the worker tells a first view from a repeat within a second or so, and until then a view counts as a first view.",
          },
        },
        { 404: notTheirs },
      ),
    );
}
