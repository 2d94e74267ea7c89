// Uploading a resume, the same for the facade (POST /api/v1/resumes/upload) and the
// resume-upload edge function. Each face reads the form (upload-form.ts: the multipart
// body, size-limited while it streams, the fields checked and the bytes proven a PDF)
// and hands this service plain values; then:
//   1. store the PDF under a name we make up ({userId}/{random}.pdf);
//   2. insert the row as the caller, under RLS.
// No half states: a failed store leaves no row (and a PUT that may have landed is
// deleted again); a failed insert deletes the stored file before answering.
import { apiErrorFromDatabase, databaseErrorOf, unauthorized } from "../errors.ts";
import { qrCodePngDataUrl } from "../qr.ts";
import { newPermanentToken, newStorageFileName } from "../random-tokens.ts";
import { asCaller } from "../../db/client.ts";
import type { ResumeDeps, SignedInCaller } from "./deps.ts";
import type { UploadResult } from "./model.ts";
import { removeOrphan, runInBackground } from "./orphan-cleanup.ts";
import { putMayHaveStored, storageFailure } from "./storage-failure.ts";
import type { UploadForm } from "./upload-form.ts";

/** The share link https://previewcv.com/r/{token} (base configurable). */
export function previewUrlOf(previewBaseUrl: string, permanentToken: string): string {
  return `${previewBaseUrl.replace(/\/+$/, "")}/r/${permanentToken}`;
}

/** Stores the PDF, then records it as the caller's resume; all or nothing. */
export async function uploadResume(deps: ResumeDeps, caller: SignedInCaller, form: UploadForm): Promise<UploadResult> {
  const userId = caller.claims.sub;
  const key = newStorageFileName(userId);
  const permanentToken = newPermanentToken();
  const previewUrl = previewUrlOf(deps.settings.PREVIEW_BASE_URL, permanentToken);
  // Everything that can fail without side effects first.
  const qrCode = await qrCodePngDataUrl(previewUrl);

  try {
    await deps.storage.put(key, form.pdf, "application/pdf");
  } catch (error) {
    // A timeout or 5xx may come after the bytes landed: delete them, without making
    // the client wait for a storage that is already misbehaving.
    if (putMayHaveStored(error)) runInBackground(deps, removeOrphan(deps, key, "the upload failed"));
    throw storageFailure(error, "upload", deps);
  }

  let resumeId: number;
  try {
    resumeId = await asCaller(deps.sql, caller, async (tx) => {
      const [row] = await tx`
        insert into public.resumes (user_id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public)
        values (${userId}, ${form.resumeName}, ${key}, ${deps.storage.publicUrl(key)}, ${permanentToken}, ${qrCode}, ${form.isPublic})
        returning id`;
      return Number(row!.id);
    });
  } catch (error) {
    await removeOrphan(deps, key, "the resume row could not be inserted");
    const code = databaseErrorOf(error)?.code;
    // The account was deleted while its token is still valid.
    if (code === "23503") throw unauthorized("The account no longer exists");
    throw apiErrorFromDatabase(error) ?? error;
  }

  return { success: true, resume_id: resumeId, permanent_token: permanentToken, preview_url: previewUrl, qr_code_base64: qrCode };
}
