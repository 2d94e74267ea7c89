// public-resume: previewcv.com fetches a shared resume by its permanent token or by
// one of its share links' tokens.
//
//   GET /functions/v1/public-resume/{token}[?include=preview]     X-API-Token: <api token>
//   200 the seed's { success, resume_id, resume_name, pdf_signed_url, ... } (+ preview)
//   401 "Invalid API token" (missing too), or a link's gate with `reason`
//   429 + Retry-After   404 "Resume not found"   422 a malformed forwarded header
//   Optional: X-Viewer-IP, X-Viewer-User-Agent, X-Viewer-Referer (the viewer as
//   previewcv.com saw them, trusted only with a valid API token), X-Link-Password,
//   X-Viewer-Email, Authorization: Bearer <the viewer's own access token> (the owner's
//   views are not counted).
//
// The same implementation as GET /api/v1/shared/public/resume/{token}
// (src/core/resumes/public-fetch.ts): one database round trip per view.
// verify_jwt = false (supabase/config.toml): the caller is a server with an API token,
// not a user with a JWT.
import { forwardedClientIp, jsonResponse } from "../../src/core/http.ts";
import { SharedResumeQuery } from "../../src/core/resumes/model.ts";
import { fetchSharedResume, publicFetchHeaders, sharedResumeNotFound } from "../../src/core/resumes/public-fetch.ts";
import { parseOrThrow } from "../../src/core/validation.ts";
import { functionHandler, methodNotAllowed } from "../_shared/http.ts";
import { closeOnShutdown, createFunctionRuntime } from "../_shared/runtime.ts";

const runtime = createFunctionRuntime("public-resume");
closeOnShutdown(runtime);

const handler = functionHandler({
  name: "public-resume",
  cors: { allowedOrigins: runtime.settings.CORS_ALLOWED_ORIGINS },
  log: runtime.log,
  async handle({ request, url, route }) {
    const match = /^\/([^/]+)$/.exec(route);
    if (!match) throw sharedResumeNotFound();
    if (request.method !== "GET") throw methodNotAllowed(["GET"]);
    let shareToken: string;
    try {
      shareToken = decodeURIComponent(match[1]!);
    } catch {
      throw sharedResumeNotFound();
    }
    const query = parseOrThrow(SharedResumeQuery, Object.fromEntries(url.searchParams), "query");
    // runtime.verifier only tells the owner's own views apart (a bearer token is optional here).
    const resume = await fetchSharedResume(runtime, {
      apiToken: request.headers.get("x-api-token"),
      shareToken,
      // Supabase's edge appends the caller's address to X-Forwarded-For. The caller is
      // previewcv.com's server: this address only counts wrong API tokens (a token is
      // 256 bits, so a caller posing as many addresses gains nothing) and is logged
      // when previewcv.com sends no X-Viewer-IP.
      clientIp: forwardedClientIp(request.headers.get("x-forwarded-for")),
      userAgent: request.headers.get("user-agent"),
      referer: request.headers.get("referer"),
      ...publicFetchHeaders(request.headers),
      includePreview: query.include.has("preview"),
    });
    // Each answer counts a view and carries a short-lived signed URL: never cached.
    return jsonResponse(resume, 200, { "Cache-Control": "no-store" });
  },
});

Deno.serve(handler);
