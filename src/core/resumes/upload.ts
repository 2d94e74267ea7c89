// Uploading a resume, the same for the facade (POST /api/v1/resumes/upload) and the
// resume-upload edge function:
//   1. read the multipart form, refusing an oversized body while it streams in;
//   2. check the fields and that the bytes really are a PDF (never the file name);
//   3. store the PDF under a name we make up ({userId}/{random}.pdf);
//   4. insert the row as the caller, under RLS.
// No half states: a failed store leaves no row (and a PUT that may have landed is
// deleted again); a failed insert deletes the stored file before answering.
import { ApiError, apiErrorFromDatabase, badRequest, databaseErrorOf, invalidRequest, payloadTooLarge, type RequestProblem, unauthorized } from "../errors.ts";
import { MultipartError, readMultipartForm } from "../multipart.ts";
import { checkPdf } from "../pdf.ts";
import { qrCodePngDataUrl } from "../qr.ts";
import { newPermanentToken, newStorageFileName } from "../random-tokens.ts";
import { asCaller } from "../../db/client.ts";
import { putMayHaveStored, removeOrphan, runInBackground, storageFailure } from "./orphan-cleanup.ts";
import type { ResumeDeps, SignedInCaller, UploadResult } from "./deps.ts";
import { FormBoolean, ResumeName } from "../validation.ts";

/**
 * Room for everything in the body besides the file: boundaries, part headers (the
 * client's file name is one), resume_name (255 characters, up to 4 bytes each) and
 * is_public. The file itself is then held to the exact limit.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface UploadForm {
  /** The file's bytes; the client's name and type for it are not trusted for anything. */
  pdf: Uint8Array;
  resumeName: string;
  isPublic: boolean;
}

export function fileTooLarge(maxUploadBytes: number): ApiError {
  return payloadTooLarge(`The file is larger than the limit of ${maxUploadBytes} bytes`, { max_bytes: maxUploadBytes });
}

/**
 * Reads and checks the upload form: `file` (a PDF of at most maxUploadBytes),
 * `resume_name`, `is_public` (optional, default false). Throws the ApiError to answer.
 */
export async function readUploadForm(request: Request, maxUploadBytes: number): Promise<UploadForm> {
  let form: FormData;
  try {
    form = await readMultipartForm(request, { maxBodyBytes: maxUploadBytes + MULTIPART_OVERHEAD_BYTES });
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    if (error.kind === "too-large") throw fileTooLarge(maxUploadBytes);
    throw new ApiError(error.status, error.message);
  }

  const problems: RequestProblem[] = [];
  const file = form.get("file");
  if (file === null) problems.push({ loc: ["body", "file"], msg: "Field required" });
  else if (typeof file === "string") problems.push({ loc: ["body", "file"], msg: "Expected a file upload, got a text field" });

  const name = form.get("resume_name");
  let resumeName = "";
  if (name === null) problems.push({ loc: ["body", "resume_name"], msg: "Field required" });
  else if (typeof name !== "string") problems.push({ loc: ["body", "resume_name"], msg: "Expected text, got a file" });
  else {
    const parsed = ResumeName.safeParse(name);
    if (parsed.success) resumeName = parsed.data;
    else problems.push(...parsed.error.issues.map((issue) => ({ loc: ["body", "resume_name"], msg: issue.message })));
  }

  const flag = form.get("is_public");
  let isPublic = false;
  if (flag !== null) {
    const parsed = typeof flag === "string" ? FormBoolean.safeParse(flag) : undefined;
    if (parsed?.success) isPublic = parsed.data;
    else problems.push({ loc: ["body", "is_public"], msg: "Must be true or false" });
  }

  if (problems.length > 0) throw invalidRequest(problems);

  const upload = file as File;
  if (upload.size > maxUploadBytes) throw fileTooLarge(maxUploadBytes);
  const pdf = new Uint8Array(await upload.arrayBuffer());
  const check = checkPdf(pdf);
  if (!check.ok) throw badRequest("Only PDF files are allowed", { reason: check.reason });
  return { pdf, resumeName, isPublic };
}

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
