// Uploading a resume, the same for the facade (POST /api/v1/resumes/upload) and the
// resume-upload edge function. Each face reads the form (upload-form.ts: the multipart
// body, size-limited while it streams, the fields checked and the bytes proven a PDF)
// and hands this service a function that reads it; then:
//   0. the caller's account and session are checked (asCaller's refusal: 401 for an
//      ended session, 403 for a deactivated account), then the upload is counted
//      against the account's hourly limit (UPLOADS_PER_HOUR_PER_USER: past it 429),
//      both before a byte of the body is read and long before anything is stored;
//   1. read the form, and the PDF with MuPDF (thumbnail.ts): damaged, encrypted or active content
//      (JavaScript, launch actions, embedded files) is refused here, before anything is
//      stored; the pages are counted and the first one rendered;
//   2. store the first page's PNG beside the PDF (the link preview);
//   3. store the PDF under a name we make up ({random}.pdf, no user id in it);
//   4. record the row with private.record_uploaded_resume (the caller's verified
//      session and account, and their quotas MAX_RESUMES_PER_USER and
//      MAX_RESUME_BYTES_PER_USER, are checked there: 409 past either).
// No half states: a failed store leaves no row (and a PUT that may have landed is
// deleted again); a failed insert deletes the stored file before answering.
import { asCaller } from "../../db/client.ts";
import { postgresRateLimiter } from "../../db/rate-limit.ts";
import { releaseBuffer } from "../body.ts";
import { apiErrorFromDatabase, tooManyRequests } from "../errors.ts";
import { qrCodePngDataUrl } from "../qr.ts";
import { newPermanentToken, newStorageFileName } from "../random-tokens.ts";
import type { ResumeDeps, SignedInCaller } from "./deps.ts";
import type { UploadResult } from "./model.ts";
import { removeOrphan, runInBackground } from "./orphan-cleanup.ts";
import { putMayHaveStored, storageFailure } from "./storage-failure.ts";
import { readUploadedPdf, storeThumbnail } from "./thumbnail.ts";
import type { UploadForm } from "./upload-form.ts";

/** The share link https://previewcv.com/r/{token} (base configurable). */
export function previewUrlOf(previewBaseUrl: string, permanentToken: string): string {
  return `${previewBaseUrl.replace(/\/+$/, "")}/r/${permanentToken}`;
}

/** The bucket of an account's uploads (its name ends with the user id: export and erasure find it). */
export const uploadRateBucket = (userId: string) => `upload:user:${userId}`;

/**
 * Counts one upload of the caller's against UPLOADS_PER_HOUR_PER_USER; past it, 429.
 * Always in Postgres, whatever the facade's REDIS_URL: the two faces must share one
 * count, and an upload writes several rows anyway.
 */
async function enforceUploadRate(deps: ResumeDeps, userId: string): Promise<void> {
  const perHour = deps.settings.UPLOADS_PER_HOUR_PER_USER;
  const decision = await postgresRateLimiter(deps.sql).hit(uploadRateBucket(userId), { maxHits: perHour, windowSeconds: 3600 });
  if (!decision.allowed) {
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    throw tooManyRequests(
      decision.retryAfterSeconds,
      `Upload limit reached: an account may upload ${perHour} resumes per hour. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    );
  }
}

/**
 * Checks the caller and their hourly upload limit, reads the form (`readForm`:
 * upload-form.ts over the face's request), stores the PDF, then records it as the
 * caller's resume; all or nothing.
 */
export async function uploadResume(deps: ResumeDeps, caller: SignedInCaller, readForm: () => Promise<UploadForm>): Promise<UploadResult> {
  // One round trip that reads nothing but the caller's state (asCaller refuses one who
  // may not act): a deactivated or signed-out token must not get its file stored, nor
  // use up the account's uploads.
  await asCaller(deps.sql, caller, async () => undefined);
  const userId = caller.claims.sub;
  await enforceUploadRate(deps, userId);
  const form = await readForm();
  try {
    return await storeUploadedResume(deps, caller, form);
  } finally {
    // The body's one buffer is ours and used up (stored, or refused): its memory goes
    // back now rather than at the collector's next pass.
    releaseBuffer(form.pdf);
  }
}

/** Stores the form's PDF and records it as the caller's resume; all or nothing. */
async function storeUploadedResume(deps: ResumeDeps, caller: SignedInCaller, form: UploadForm): Promise<UploadResult> {
  const userId = caller.claims.sub;
  const key = newStorageFileName();
  const permanentToken = newPermanentToken();
  const previewUrl = previewUrlOf(deps.settings.PREVIEW_BASE_URL, permanentToken);
  // Everything that can fail without side effects first.
  const document = readUploadedPdf(deps.settings, form.pdf);
  const qrCode = await qrCodePngDataUrl(previewUrl);
  const thumbnail = document.firstPagePng ? await storeThumbnail(deps, document.firstPagePng) : null;

  try {
    await deps.storage.put(key, form.pdf, "application/pdf");
  } catch (error) {
    // A timeout or 5xx may come after the bytes landed: delete them, without making
    // the client wait for a storage that is already misbehaving.
    if (putMayHaveStored(error)) runInBackground(deps, removeOrphan(deps, key, "the upload failed"));
    await thumbnail?.discard("the upload failed");
    throw storageFailure(error, "upload", deps);
  }

  let resumeId: number;
  try {
    // The upload path's own insert (no API role may insert resumes), run with the
    // servers' login role for the caller's verified sub and session: it refuses an
    // ended session or a deactivated account (PT401/PT403) and a full quota (PT409).
    const [row] = await deps.sql`
      select private.record_uploaded_resume(
        owner_id => ${userId}::uuid, owner_session_id => ${caller.claims.session_id ?? null}::uuid,
        resume_name => ${form.resumeName}, storage_key => ${key}, share_token => ${permanentToken},
        qr_code => ${qrCode}, is_public => ${form.isPublic}, file_size_bytes => ${form.pdf.byteLength}::bigint,
        pdf_url => ${deps.storage.publicUrl(key)}, thumbnail_key => ${thumbnail?.key ?? null}, page_count => ${document.pageCount}::integer,
        max_resumes => ${deps.settings.MAX_RESUMES_PER_USER}::integer, max_total_bytes => ${deps.settings.MAX_RESUME_BYTES_PER_USER}::bigint) as id`;
    resumeId = Number(row!.id);
  } catch (error) {
    await removeOrphan(deps, key, "the resume row could not be recorded");
    await thumbnail?.discard("the resume row could not be recorded");
    throw apiErrorFromDatabase(error) ?? error;
  }

  return { success: true, resume_id: resumeId, permanent_token: permanentToken, preview_url: previewUrl, qr_code_base64: qrCode };
}
