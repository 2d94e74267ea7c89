// The public fetch of a shared resume (previewcv.com), the same for the public-resume
// edge function and GET /api/v1/shared/public/resume/{token}. The token is a resume's
// permanent token (its default link, answered exactly as the seed did) or one of its
// share links (src/core/share-links).
//
// One round trip: private.fetch_shared_resume checks the API token by its SHA-256
// digest, counts a failure against the caller's IP (429 past the limit), resolves the
// token (an expired, used-up or revoked link is not found), checks a link's password
// and required email, tells what the view was (the owner's, a bot's or a person's),
// uses up a view limit under the link's row lock, logs the view and counts it, all in
// one statement. (Whether a person's view was their first of the day or a repeat, the
// worker tells afterwards: migration 20261206600100.) It runs with the servers' own
// login role (no asCaller transaction), which is all that role may do by itself.
//
// The viewer as previewcv.com sees them. previewcv.com calls from its server, so the
// request's own address and User-Agent are previewcv.com's. It forwards its viewer's in
// X-Viewer-IP, X-Viewer-User-Agent and X-Viewer-Referer; the statement uses them only
// after the API token checked out (never from a caller without a valid token), for the
// access log, the unique-visitor hash and the per-link password limit. Bot detection
// (the `isbot` library) reads X-Viewer-User-Agent only: without it the request's own
// User-Agent is the calling server's, which says nothing about the viewer (and Node's,
// Bun's or curl's are all "bots"), so such a view is counted as the seed counted it.
// A signed-in owner is told apart by their own Supabase access token on the request
// (Authorization: Bearer); a token that does not verify, or whose session ended or whose
// account may not act (private.account_state, in the same statement), is ignored, not
// refused: the API token is what authorises the fetch.
//
// Order of the answers:
//   1. A share token that is not 43 base64url characters: 404, without the database.
//      Every token we ever issued has that shape (the tables' check constraints), so
//      nothing can be found, and the answer is the same whatever API token came with
//      it: it tells a token guesser nothing, so there is nothing for the rate limit to
//      protect, and it costs no database work that could be used for load.
//   2. A malformed X-Viewer-IP or X-Viewer-Email, or an oversized password: 422 naming
//      the header.
//   3. Otherwise the database decides, and every request whose answer depends on the
//      API token reaches it, a missing header included (it is checked as the empty
//      token): 401 "Invalid API token" and, past the per-IP limit, 429 with Retry-After.
//   4. 404 "Resume not found" for an unknown token, an inactive resume, and an expired,
//      used-up or revoked link alike.
//   5. A link's gates: 401 with a `reason` previewcv.com can show (password_required,
//      password_invalid, email_required); 429 past 10 wrong passwords per link and
//      viewer IP in 10 minutes.
import { isbot } from "isbot";
import { readBearerToken } from "../../auth/bearer.ts";
import type { Tables } from "../../db/database.types.ts";
import { Email } from "../accounts/model.ts";
import { ApiError, invalidRequest, notFound, tooManyRequests } from "../errors.ts";
import { isIpAddress } from "../ip-address.ts";
import { apiTokenDigest } from "../digest.ts";
import { isPermanentToken } from "../random-tokens.ts";
import { UUID_PATTERN } from "../validation.ts";
import type { ResumeDeps } from "./deps.ts";
import type { SharedResume } from "./model.ts";
import { signedThumbnailUrl } from "./thumbnail.ts";

export interface PublicFetchRequest {
  /** The X-API-Token header; missing counts as a wrong token. */
  apiToken: string | null | undefined;
  /** The {token} of the path: a permanent token or a share link's. */
  shareToken: string;
  /** The request's own client IP as this face sees it (the bad-API-token limit; the log unless X-Viewer-IP). */
  clientIp: string | null | undefined;
  /** The request's own User-Agent and Referer. */
  userAgent: string | null | undefined;
  referer: string | null | undefined;
  /** What previewcv.com forwards of its viewer: X-Viewer-IP, X-Viewer-User-Agent, X-Viewer-Referer. */
  viewerIp?: string | null;
  viewerUserAgent?: string | null;
  viewerReferer?: string | null;
  /** The request's Authorization header: the owner's own token makes the view theirs. */
  authorization?: string | null;
  /** X-Link-Password: what the viewer typed for a link with a password. */
  linkPassword?: string | null;
  /** X-Viewer-Email: what the viewer gave for a link that requires one. */
  viewerEmail?: string | null;
  /** Answer the link-preview fields too (`?include=preview`). */
  includePreview?: boolean;
}

/** How a face reads a PublicFetchRequest's forwarded and gate fields from the request's headers. */
export function publicFetchHeaders(headers: Headers): Pick<PublicFetchRequest, "viewerIp" | "viewerUserAgent" | "viewerReferer" | "authorization" | "linkPassword" | "viewerEmail"> {
  return {
    viewerIp: headers.get("x-viewer-ip"),
    viewerUserAgent: headers.get("x-viewer-user-agent"),
    viewerReferer: headers.get("x-viewer-referer"),
    authorization: headers.get("authorization"),
    linkPassword: headers.get("x-link-password"),
    viewerEmail: headers.get("x-viewer-email"),
  };
}

export const invalidApiToken = () => new ApiError(401, "Invalid API token");
export const sharedResumeNotFound = () => notFound("Resume not found");

/** A share link's gate, with the reason previewcv.com shows its viewer. */
export type GateReason = "password_required" | "password_invalid" | "email_required";
const gateDetails: Record<GateReason, string> = {
  password_required: "Password required",
  password_invalid: "Wrong password",
  email_required: "Email required",
};
export const gateRefusal = (reason: GateReason) => new ApiError(401, gateDetails[reason], { reason });

/** Longest header value we pass on; the table cuts again (1000 and 500 characters). */
const MAX_HEADER_CHARS = 1000;
/** bcrypt reads 72 bytes; anything much longer is no password of ours. */
const MAX_PASSWORD_CHARS = 200;

/** What private.fetch_shared_resume answers: an outcome, and the resume's columns when ok. */
type FetchOutcome = Partial<Pick<Tables<"resumes">, "resume_name" | "pdf_filename" | "permanent_token" | "qr_code_base64" | "created_at" | "thumbnail_key">> & {
  outcome: "ok" | "unauthorized" | "rate_limited" | "not_found" | GateReason | "password_rate_limited";
  retry_after_seconds: number | null;
  resume_id: number | null;
  access_count: number | null;
  last_accessed_at: string | null;
  page_count: number | null;
  document_served: boolean | null;
};

const clip = (value: string | null | undefined) => (value ? value.slice(0, MAX_HEADER_CHARS) : null);

/** The forwarded and gate fields, checked: 422 naming the header. */
function checkedViewer(request: PublicFetchRequest) {
  const problems: { loc: string[]; msg: string }[] = [];
  const viewerIp = request.viewerIp?.trim() || null;
  if (viewerIp && !isIpAddress(viewerIp)) problems.push({ loc: ["header", "x-viewer-ip"], msg: "Must be an IP address" });
  let viewerEmail: string | null = null;
  if (request.viewerEmail != null && request.viewerEmail !== "") {
    const parsed = Email.safeParse(request.viewerEmail);
    if (parsed.success) viewerEmail = parsed.data;
    else problems.push({ loc: ["header", "x-viewer-email"], msg: parsed.error.issues[0]?.message ?? "Not a valid email address" });
  }
  const linkPassword = request.linkPassword ? request.linkPassword : null;
  if (linkPassword && linkPassword.length > MAX_PASSWORD_CHARS) problems.push({ loc: ["header", "x-link-password"], msg: `Must be at most ${MAX_PASSWORD_CHARS} characters` });
  if (problems.length > 0) throw invalidRequest(problems);
  return { viewerIp, viewerEmail, linkPassword };
}

/** The sub and session of a valid access token on the request, or nulls: only to recognise the owner. */
async function signedInViewer(
  deps: Pick<ResumeDeps, "verifier">,
  authorization: string | null | undefined,
): Promise<{ userId: string | null; sessionId: string | null }> {
  const nobody = { userId: null, sessionId: null };
  const token = readBearerToken(authorization?.trim());
  if (!token || !deps.verifier) return nobody;
  try {
    const claims = await deps.verifier.verifyAccessToken(token);
    const sessionId = typeof claims.session_id === "string" && UUID_PATTERN.test(claims.session_id) ? claims.session_id : null;
    return { userId: claims.sub, sessionId };
  } catch {
    return nobody;
  }
}

export async function fetchSharedResume(
  deps: Pick<ResumeDeps, "sql" | "storage" | "thumbnails" | "settings" | "verifier">,
  request: PublicFetchRequest,
): Promise<SharedResume> {
  if (!isPermanentToken(request.shareToken)) throw sharedResumeNotFound();
  const viewer = checkedViewer(request);

  const [digest, signedIn] = await Promise.all([apiTokenDigest(request.apiToken ?? ""), signedInViewer(deps, request.authorization)]);
  const ip = request.clientIp && isIpAddress(request.clientIp) ? request.clientIp : null;
  const forwardedAgent = clip(request.viewerUserAgent);
  const [row] = await deps.sql<FetchOutcome[]>`
    select * from private.fetch_shared_resume(
      ${digest}, ${request.shareToken}, ${ip}::inet, ${clip(request.userAgent)}, ${clip(request.referer)},
      ${viewer.viewerIp}::inet, ${forwardedAgent}, ${clip(request.viewerReferer)},
      ${forwardedAgent ? isbot(forwardedAgent) : false},
      case when private.account_state(${signedIn.userId}::uuid, ${signedIn.sessionId}::uuid) = 'active' then ${signedIn.userId}::uuid end,
      ${viewer.linkPassword}, ${viewer.viewerEmail})`;

  switch (row?.outcome) {
    case "ok":
      break;
    case "unauthorized":
      throw invalidApiToken();
    case "rate_limited":
      throw tooManyRequests(Number(row.retry_after_seconds) || 60, "Too many requests with an invalid API token, try again later");
    case "password_rate_limited":
      throw tooManyRequests(Number(row.retry_after_seconds) || 60, "Too many wrong passwords for this link, try again later");
    case "not_found":
      throw sharedResumeNotFound();
    case "password_required":
    case "password_invalid":
    case "email_required":
      throw gateRefusal(row.outcome);
    default:
      throw new Error(`private.fetch_shared_resume answered an unknown outcome: ${String(row?.outcome)}`);
  }

  const ttl = { expiresInSeconds: deps.settings.SIGNED_URL_TTL_SECONDS };
  const [pdfUrl, thumbnailUrl] = await Promise.all([
    row.document_served === false ? null : deps.storage.signedUrl(row.pdf_filename!, ttl),
    request.includePreview ? signedThumbnailUrl(deps, row.thumbnail_key ?? null) : null,
  ]);
  return {
    success: true,
    resume_id: row.resume_id!,
    resume_name: row.resume_name!,
    pdf_signed_url: pdfUrl,
    permanent_token: row.permanent_token!,
    qr_code_base64: row.qr_code_base64 ?? null,
    access_count: Number(row.access_count ?? 0),
    last_accessed_at: row.last_accessed_at,
    created_at: row.created_at!,
    ...(request.includePreview
      ? { preview: { title: row.resume_name!, thumbnail_url: thumbnailUrl, page_count: row.page_count == null ? null : Number(row.page_count) } }
      : {}),
  };
}
