// /api/v1/resumes: the seed's upload and my-resumes, plus the owner's management of
// one resume (read, rename/toggle/deactivate, rotate the share token, delete,
// analytics). The logic is src/core/resumes, shared with the resume-upload edge
// function; this controller only maps HTTP to it.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import type { ResumeService } from "../../core/resumes/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import {
  AnalyticsQuery,
  AnalyticsResponse,
  DeleteResponse,
  errorResponses,
  MyResumesQuery,
  MyResumesResponse,
  ResumeChanges,
  ResumeIdParams,
  ResumeResponse,
  RotateTokenResponse,
  UploadResponse,
  uploadRequestBody,
} from "../../core/resumes/model.ts";

/**
 * A parse hook that claims the body without reading it. (`parse: "none"` does the same
 * only while no global parse hook exists; the facade has one for JSON, which passes
 * multipart bodies through untouched.)
 */
const leaveBodyUnread = () => ({});

const unauthenticated = "No valid Supabase access token (WWW-Authenticate: Bearer)";
const notTheirs = "Not one of the caller's resumes, or no such resume: the same answer";
const storageDown = "File storage unavailable (Retry-After) or refusing us; nothing was changed";

export function resumesModule(deps: { service: ResumeService; verifier: JwtVerifier; maxUploadBytes: number }) {
  const { service } = deps;
  const security = [{ bearer: [] }];
  return new Elysia({ prefix: "/api/v1/resumes", tags: ["Resumes"] })
    .use(callerPlugin(deps.verifier))
    .post("/upload", ({ caller, request }) => service.upload(caller, request), {
      auth: true,
      // The body is read by the core's size-limited multipart reader, straight from the
      // stream: Elysia must not buffer (or parse) it first. The caller is checked
      // before a byte of it is read.
      parse: leaveBodyUnread,
      response: {
        200: UploadResponse,
        ...errorResponses({
          400: "Not a PDF (checked from its bytes), or a malformed multipart body",
          401: unauthenticated,
          413: `The file is larger than ${deps.maxUploadBytes} bytes`,
          415: "Not multipart/form-data",
          422: "A missing or invalid field (file, resume_name, is_public)",
          502: storageDown,
          503: storageDown,
        }),
      },
      detail: {
        summary: "Upload a resume PDF; returns its share link and QR code",
        security,
        requestBody: uploadRequestBody(deps.maxUploadBytes) as never,
      },
    })
    .get("/my-resumes", ({ caller, query }) => service.listMine(caller, { includeInactive: query.include_inactive }), {
      auth: true,
      query: MyResumesQuery,
      response: { 200: MyResumesResponse, ...errorResponses({ 401: unauthenticated }) },
      detail: { summary: "The caller's active resumes, newest first (include_inactive=true for all)", security },
    })
    .get("/:id", ({ caller, params }) => service.get(caller, params.id), {
      auth: true,
      params: ResumeIdParams,
      response: { 200: ResumeResponse, ...errorResponses({ 401: unauthenticated, 404: notTheirs }) },
      detail: { summary: "One of the caller's resumes, with its QR code and a signed link to the PDF", security },
    })
    .patch("/:id", ({ caller, params, body }) => service.update(caller, params.id, body), {
      auth: true,
      params: ResumeIdParams,
      body: ResumeChanges,
      response: { 200: ResumeResponse, ...errorResponses({ 401: unauthenticated, 404: notTheirs, 422: "Nothing to change, or an invalid value" }) },
      detail: { summary: "Rename, toggle is_public, deactivate (the share link stops working) or reactivate", security },
    })
    .delete("/:id", ({ caller, params }) => service.delete(caller, params.id), {
      auth: true,
      params: ResumeIdParams,
      response: { 200: DeleteResponse, ...errorResponses({ 401: unauthenticated, 404: notTheirs, 502: storageDown, 503: storageDown }) },
      detail: { summary: "Delete a resume and its stored PDF, together or not at all", security },
    })
    .post("/:id/rotate-token", ({ caller, params }) => service.rotateToken(caller, params.id), {
      auth: true,
      params: ResumeIdParams,
      response: { 200: RotateTokenResponse, ...errorResponses({ 401: unauthenticated, 404: notTheirs }) },
      detail: { summary: "New share token and QR code; the old link stops working", security },
    })
    .get("/:id/analytics", ({ caller, params, query }) => service.analytics(caller, params.id, query.days), {
      auth: true,
      params: ResumeIdParams,
      query: AnalyticsQuery,
      response: { 200: AnalyticsResponse, ...errorResponses({ 401: unauthenticated, 404: notTheirs, 422: "days outside 1-365" }) },
      detail: { summary: "Views of a resume: total, unique visitors, per day over `days` (default 30), top referrers", security },
    });
}
