// /api/v1/shared: the seed's public fetch of a shared resume (previewcv.com), over the
// same core as the public-resume edge function. The token is a resume's permanent token
// (answered exactly as the seed did) or one of its share links.
import { Elysia } from "elysia";
import { z } from "zod";
import { jsonResponse } from "../../core/http.ts";
import { SharedResumeQuery, SharedResumeResponse } from "../../core/resumes/model.ts";
import { publicFetchHeaders } from "../../core/resumes/public-fetch.ts";
import type { ResumeService } from "../../core/resumes/service.ts";
import { clientIpPlugin, type TrustedProxies } from "../plugins/client-ip.ts";
import { documented } from "../plugins/docs.ts";

/** Documents the headers; the core decides (a missing token is a 401, and counts as a wrong one). */
export const PublicFetchHeaders = z.object({
  "x-api-token": z.string().optional().describe("previewcv.com's API token. Required: missing or wrong is 401, and counts toward the per-IP limit."),
  "x-viewer-ip": z
    .string()
    .optional()
    .describe("The viewer's IP as previewcv.com saw it (previewcv.com calls from its own server). Trusted only with a valid X-API-Token; for the access log, unique visitors and the per-link password limit. Malformed: 422."),
  "x-viewer-user-agent": z
    .string()
    .optional()
    .describe("The viewer's User-Agent. Trusted only with a valid X-API-Token; bots (link-preview crawlers included) are told by it, with the isbot library: their fetches are logged as previews, not counted, and use up no view limit. Without it the request's own User-Agent is logged and no bot is told apart."),
  "x-viewer-referer": z.string().optional().describe("The page that linked the viewer to previewcv.com. Trusted only with a valid X-API-Token."),
  "x-link-password": z.string().optional().describe("What the viewer typed, for a share link with a password: 401 reason password_required / password_invalid; 10 wrong ones per link and viewer IP in 10 minutes, then 429."),
  "x-viewer-email": z.string().optional().describe("The viewer's email, for a share link that requires one (401 reason email_required without it; malformed: 422). Logged with the view for 90 days."),
  authorization: z.string().optional().describe("Bearer <the viewer's Supabase access token>, optional: the resume's owner's own views are logged as theirs and not counted. A token that does not verify is ignored."),
});

export function sharedResumesModule(deps: { service: ResumeService; trustProxy: TrustedProxies }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/shared", tags: ["Shared resumes"] })
    .use(clientIpPlugin({ trustProxy: deps.trustProxy }))
    .get(
      "/public/resume/:permanent_token",
      async ({ params, query, request, clientIp }) => {
        const resume = await service.fetchShared({
          apiToken: request.headers.get("x-api-token"),
          shareToken: params.permanent_token,
          clientIp,
          userAgent: request.headers.get("user-agent"),
          referer: request.headers.get("referer"),
          ...publicFetchHeaders(request.headers),
          includePreview: query.include.has("preview"),
        });
        // Each answer counts a view and carries a short-lived signed URL: never cached.
        // Answered as a ready Response: Elysia checks what a handler returns against
        // the route's `response` schema, but not a Response. On the hottest path the
        // 200 is documented by SharedResumeResponse, not re-validated per request;
        // tests/e2e/share-links.test.ts holds real answers of both faces to the schema.
        return jsonResponse(resume, 200, { "Cache-Control": "no-store" });
      },
      documented(
        {
          headers: PublicFetchHeaders,
          query: SharedResumeQuery,
          response: { 200: SharedResumeResponse },
          detail: {
            summary: "A shared resume by its permanent token or a share link's token, with a freshly signed PDF link (logs the view, counts a person's)",
            description:
              "Every fetch is logged as a person's view, bot (isbot on X-Viewer-User-Agent) or owner (the owner's own bearer token). access_count counts people's views at once; whether one was the visitor's first that UTC day (human) or a repeat is told by the worker within a second or so. An expired, used-up or revoked share link answers the same 404 as an unknown token; a one-time link is served once however many ask at once. include=preview adds what a link-preview card needs.",
          },
        },
        {
          401: "Missing or invalid API token; or a share link's gate, with `reason`: password_required, password_invalid, email_required",
          404: "No active resume or live share link has this token (unknown, deactivated, expired, used up, revoked alike)",
          422: "A malformed X-Viewer-IP or X-Viewer-Email, an oversized X-Link-Password, or an unknown include",
          429: "Too many invalid API tokens from this IP, or wrong passwords for this link from this viewer IP; see Retry-After",
        },
      ),
    );
}
