// Request and response shapes of the caller's own account as data (/api/v1/me): the
// export and the erasure. Declared once; the same schemas validate, type what the
// service answers and document both (OpenAPI at /docs).
import { z } from "zod";
import { AnalyticsBreakdown, AnalyticsResponse } from "../resumes/model.ts";
import { UUID_PATTERN } from "../validation.ts";

/** The account to act on, when a client names it: it must be the caller's own (404 otherwise). */
const OwnUserId = z.string().regex(UUID_PATTERN, "Must be a user id (uuid)");

export const ExportQuery = z.object({
  /** Optional: the caller's own id, for a client holding several accounts' tokens. */
  user_id: OwnUserId.optional(),
});
export type ExportQuery = z.infer<typeof ExportQuery>;

/** One stored file of the caller's, with a short-lived download link. */
export const ExportedFile = z.object({
  /** The export section its row is in (resumes). */
  source: z.string(),
  row_id: z.number().nullable(),
  column: z.string(),
  storage_key: z.string(),
  /** Signed for SIGNED_URL_TTL_SECONDS; null when it could not be signed (the export still answers). */
  signed_url: z.string().nullable(),
  expires_at: z.string().nullable(),
});

/**
 * Everything stored about the caller. `data` has one list of rows per table that holds
 * their data (the registry private.personal_data; secrets such as webhook signing secrets
 * and password hashes are never in it), `about` says what each list is, `files` their
 * stored files with signed links.
 */
export const ExportResponse = z.object({
  success: z.literal(true),
  format: z.literal("previewcv-export/1"),
  generated_at: z.string(),
  user_id: z.string(),
  data: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  /** Per resume, the owner's analytics over the last 365 days, with the breakdown by kind of view and share link. */
  resume_analytics: z.array(AnalyticsResponse.omit({ success: true, days: true }).extend({ breakdown: AnalyticsBreakdown })),
  files: z.array(ExportedFile),
  about: z.record(z.string(), z.string()),
});
export type ExportResponse = z.infer<typeof ExportResponse>;

/**
 * DELETE /api/v1/me. The body is optional: a token from a sign-in of the last few
 * minutes is enough; otherwise the password confirms it is the account's owner.
 */
export const EraseBody = z.preprocess(
  (value) => value ?? {},
  z
    .object({
      /** The account's password, when the token is not from a recent sign-in. */
      password: z.string().min(1, "Must not be empty").max(1024).optional(),
      /** Optional: the caller's own id, to make sure the right account goes. */
      user_id: OwnUserId.optional(),
    })
    .strict(),
);
export type EraseBody = z.infer<typeof EraseBody>;

export const EraseResponse = z.object({
  success: z.literal(true),
  user_id: z.string(),
  /**
   * completed: the auth user, every row and every file are gone. pending: the account
   * is disabled and its rows deleted; the auth user or some stored files are still to
   * delete (the storage or Supabase Auth failed): the worker finishes, asking again
   * answers the same until then.
   */
  status: z.enum(["completed", "pending"]),
  pending_files: z.number(),
  message: z.string(),
});
export type EraseResponse = z.infer<typeof EraseResponse>;
