// /api/v1/me: the caller's account as data. GET /export answers everything stored about
// them in one JSON document; DELETE erases the account in one request. The privacy
// service (src/core/privacy) does the work; this controller maps HTTP to it.
import { Elysia } from "elysia";
import type { JwtVerifier } from "../../auth/index.ts";
import { EraseBody, EraseResponse, ExportQuery, ExportResponse } from "../../core/privacy/model.ts";
import type { PrivacyService } from "../../core/privacy/service.ts";
import { callerPlugin } from "../plugins/caller.ts";
import { documented } from "../plugins/docs.ts";
import { jsonBody } from "../plugins/json-body.ts";
import { parseQuery, queryParameters } from "../query.ts";

export function meModule(deps: { service: PrivacyService; verifier: JwtVerifier }) {
  const privacy = deps.service;
  return new Elysia({ prefix: "/api/v1/me", tags: ["Your data"] })
    .use(callerPlugin(deps.verifier))
    .get(
      "/export",
      ({ caller, query, set }) => {
        set.headers["Cache-Control"] = "no-store";
        return privacy.exportData(caller, parseQuery(ExportQuery, query));
      },
      documented(
        {
          auth: true,
          response: { 200: ExportResponse },
          detail: {
            parameters: queryParameters(ExportQuery),
            summary: "Everything stored about the caller, as one JSON document, with short-lived download links of their files",
            description:
              "`data` holds one list of rows per table that keeps the caller's data (profile, recruiter profile, resumes and their views, postings, applications and their history, notifications, webhook endpoints without their secrets, deliveries and attempts, sessions, administrators' changes to the account); `about` says what each list is. Also supabase.rpc('export_my_data'), without the signed links.",
          },
        },
        {
          403: "The account is deactivated",
          404: "user_id names another account (or the account is gone)",
          422: "user_id is not a user id",
          429: "More than 10 exports in an hour (Retry-After)",
        },
      ),
    )
    .delete(
      "",
      ({ caller, body }) => privacy.erase(caller, body),
      documented(
        {
          auth: true,
          ...jsonBody(EraseBody),
          response: { 200: EraseResponse },
          detail: {
            summary: "Erase the caller's account and everything stored about it, in one request",
            description:
              "Needs a token from a sign-in of the last few minutes (ERASURE_REAUTH_SECONDS, 5 by default), or the password in the body. The account is disabled at once; its rows and stored files are deleted, and the Supabase Auth user. Others keep their records without the caller: a recruiter keeps an application's status and history, without name, email, cover letter or resume. If the storage or Supabase Auth fails midway the answer says `pending` and the worker finishes; asking again answers the same 200 until then, and 404 once the account is gone.",
          },
        },
        {
          401: "No fresh sign-in and no password, a wrong password, or the session has ended",
          403: "The account is deactivated",
          404: "user_id names another account, or the account is already erased",
          422: "The body is not { password?, user_id? }",
          429: "Too many wrong passwords (Retry-After)",
          503: "Supabase Auth is unreachable to check the password (Retry-After)",
        },
      ),
    );
}
