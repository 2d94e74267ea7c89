// /api/v1/shared: the seed's public fetch of a shared resume (previewcv.com), over the
// same core as the public-resume edge function.
import { Elysia } from "elysia";
import { z } from "zod";
import { SharedResumeResponse } from "../../core/resumes/model.ts";
import type { ResumeService } from "../../core/resumes/service.ts";
import { clientIpPlugin } from "../plugins/client-ip.ts";
import { documented } from "../plugins/docs.ts";

/** Documents the header; the core decides (a missing token is a 401, and counts as a wrong one). */
const ApiTokenHeader = z.object({
  "x-api-token": z.string().optional().describe("previewcv.com's API token. Required: missing or wrong is 401, and counts toward the per-IP limit."),
});

export function sharedResumesModule(deps: { service: ResumeService; trustProxy: boolean }) {
  const { service } = deps;
  return new Elysia({ prefix: "/api/v1/shared", tags: ["Shared resumes"] })
    .use(clientIpPlugin({ trustProxy: deps.trustProxy }))
    .get(
      "/public/resume/:permanent_token",
      async ({ params, request, clientIp, set }) => {
        const resume = await service.fetchShared({
          apiToken: request.headers.get("x-api-token"),
          shareToken: params.permanent_token,
          clientIp,
          userAgent: request.headers.get("user-agent"),
          referer: request.headers.get("referer"),
        });
        // Each answer counts a view and carries a short-lived signed URL: never cached.
        set.headers["Cache-Control"] = "no-store";
        return resume;
      },
      documented(
        {
          headers: ApiTokenHeader,
          response: { 200: SharedResumeResponse },
          detail: { summary: "A shared resume by its permanent token, with a freshly signed PDF link (counts a view)" },
        },
        {
          401: "Missing or invalid API token",
          404: "No active resume has this token (unknown and deactivated alike)",
          429: "Too many invalid API tokens from this IP; see Retry-After",
        },
      ),
    );
}
