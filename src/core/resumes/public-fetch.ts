// The public fetch of a shared resume (previewcv.com), the same for the public-resume
// edge function and GET /api/v1/shared/public/resume/{permanent_token}.
//
// One round trip: private.fetch_shared_resume checks the API token by its SHA-256
// digest, counts a failure against the caller's IP (429 past the limit), finds the
// active resume, logs the view and counts it on a sharded counter, all in one
// statement. It runs with the servers' own login role (no asCaller transaction), which
// is all that role may do by itself.
//
// Order of the answers:
//   1. A share token that is not 43 base64url characters: 404, without the database.
//      Every share link we ever issued has that shape (the table's check constraint),
//      so nothing can be found, and the answer is the same whatever API token came
//      with it: it tells a token guesser nothing, so there is nothing for the rate
//      limit to protect, and it costs no database work that could be used for load.
//   2. Otherwise the database decides, and every request whose answer depends on the
//      API token reaches it, a missing header included (it is checked as the empty
//      token): 401 "Invalid API token" and, past the per-IP limit, 429 with Retry-After.
//   3. 404 "Resume not found" for an unknown token and an inactive resume alike.
import type { Tables } from "../../db/database.types.ts";
import { ApiError, notFound, tooManyRequests } from "../errors.ts";
import { isIpAddress } from "../ip-address.ts";
import { apiTokenDigest } from "../digest.ts";
import { isPermanentToken } from "../random-tokens.ts";
import type { ResumeDeps } from "./deps.ts";
import type { SharedResume } from "./model.ts";

export interface PublicFetchRequest {
  /** The X-API-Token header; missing counts as a wrong token. */
  apiToken: string | null | undefined;
  /** The {permanent_token} of the path. */
  shareToken: string;
  /** The viewer's IP as this face sees it (rate limit bucket, access log). */
  clientIp: string | null | undefined;
  userAgent: string | null | undefined;
  referer: string | null | undefined;
}

export const invalidApiToken = () => new ApiError(401, "Invalid API token");
export const sharedResumeNotFound = () => notFound("Resume not found");

/** Longest header value we pass on; the table cuts again (1000 and 500 characters). */
const MAX_HEADER_CHARS = 1000;

/** What private.fetch_shared_resume answers: an outcome, and the resume's columns when ok. */
type FetchOutcome = Partial<Pick<Tables<"resumes">, "resume_name" | "pdf_filename" | "permanent_token" | "qr_code_base64" | "created_at">> & {
  outcome: "ok" | "unauthorized" | "rate_limited" | "not_found";
  retry_after_seconds: number | null;
  resume_id: number | null;
  access_count: number | null;
  last_accessed_at: string | null;
};

export async function fetchSharedResume(
  deps: Pick<ResumeDeps, "sql" | "storage" | "settings">,
  request: PublicFetchRequest,
): Promise<SharedResume> {
  if (!isPermanentToken(request.shareToken)) throw sharedResumeNotFound();

  const digest = await apiTokenDigest(request.apiToken ?? "");
  const ip = request.clientIp && isIpAddress(request.clientIp) ? request.clientIp : null;
  const [row] = await deps.sql<FetchOutcome[]>`
    select * from private.fetch_shared_resume(
      ${digest}, ${request.shareToken}, ${ip}::inet,
      ${request.userAgent?.slice(0, MAX_HEADER_CHARS) ?? null}, ${request.referer?.slice(0, MAX_HEADER_CHARS) ?? null})`;

  switch (row?.outcome) {
    case "ok":
      break;
    case "unauthorized":
      throw invalidApiToken();
    case "rate_limited":
      throw tooManyRequests(Number(row.retry_after_seconds) || 60, "Too many requests with an invalid API token, try again later");
    case "not_found":
      throw sharedResumeNotFound();
    default:
      throw new Error(`private.fetch_shared_resume answered an unknown outcome: ${String(row?.outcome)}`);
  }

  return {
    success: true,
    resume_id: row.resume_id!,
    resume_name: row.resume_name!,
    pdf_signed_url: await deps.storage.signedUrl(row.pdf_filename!, { expiresInSeconds: deps.settings.SIGNED_URL_TTL_SECONDS }),
    permanent_token: row.permanent_token!,
    qr_code_base64: row.qr_code_base64 ?? null,
    access_count: row.access_count!,
    last_accessed_at: row.last_accessed_at,
    created_at: row.created_at!,
  };
}
