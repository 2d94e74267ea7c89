// What an upload's PDF really holds, and its link preview. MuPDF (src/core/pdf-document.ts,
// WebAssembly: the same in Bun, Deno and Supabase's edge runtime) reads the document once:
// it refuses what a resume must not be (damaged, encrypted, active content, too many
// pages), counts the pages, and renders the first page to a PNG. The PNG is stored beside
// the PDF, in the thumbnails folder of the same storage zone (BUNNY_THUMBNAIL_FOLDER),
// under a key of its own with no user id in it. The public fetch signs its URL like the
// PDF's, for previewcv.com's OpenGraph and Twitter cards.
//
// The upload calls readUploadedPdf before anything is stored: a refused PDF (or one the
// renderer cannot render) is a 400 that leaves no row and no file.
import { badRequest } from "../errors.ts";
import { hexEncode } from "../encoding.ts";
import { inspectPdf } from "../pdf-document.ts";
import { randomBytes } from "../random-tokens.ts";
import type { ResumeDeps } from "./deps.ts";
import { removeOrphan, runInBackground } from "./orphan-cleanup.ts";
import { putMayHaveStored, storageFailure } from "./storage-failure.ts";

/** Wide enough for a link-preview card, small enough to stay a few kilobytes. */
export const THUMBNAIL_WIDTH_PX = 400;

/** `{32 random hex}.png`, what resumes.thumbnail_key accepts (constraint resumes_thumbnail_key_format). */
export function newThumbnailKey(): string {
  return `${hexEncode(randomBytes(16))}.png`;
}

export interface UploadedPdf {
  pageCount: number;
  /** The first page as a PNG; null when RESUME_THUMBNAILS is off. */
  firstPagePng: Uint8Array | null;
}

/**
 * MuPDF's verdict on an upload, in one pass: its page count and, when RESUME_THUMBNAILS
 * is on, its first page. Throws a 400 saying why a PDF is refused.
 */
export function readUploadedPdf(settings: Pick<ResumeDeps["settings"], "RESUME_THUMBNAILS">, pdf: Uint8Array): UploadedPdf {
  let inspected: ReturnType<typeof inspectPdf>;
  try {
    inspected = inspectPdf(pdf, settings.RESUME_THUMBNAILS ? { firstPageWidthPx: THUMBNAIL_WIDTH_PX } : {});
  } catch (error) {
    // MuPDF opened it but could not render the first page.
    throw badRequest("The PDF's first page cannot be rendered", { reason: error instanceof Error ? error.message : "The PDF cannot be rendered." });
  }
  if (!inspected.ok) {
    const unreadable = inspected.refusal === "not-pdf" || inspected.refusal === "damaged";
    throw badRequest(unreadable ? "Only PDF files are allowed" : inspected.reason, {
      reason: inspected.reason,
      ...(inspected.found ? { found: inspected.found } : {}),
    });
  }
  return { pageCount: inspected.pageCount, firstPagePng: inspected.firstPagePng ?? null };
}

export interface StoredThumbnail {
  key: string;
  /** Deletes the stored thumbnail again (the upload failed after it); never throws. */
  discard(why: string): Promise<void>;
}

type ThumbnailDeps = Pick<ResumeDeps, "thumbnails" | "log" | "background">;

const thumbnailStorageOf = (deps: ThumbnailDeps) => ({ ...deps, storage: deps.thumbnails });

/**
 * Stores the rendered first page: the upload's thumbnail step. Throws the storage's
 * 502/503 when the PNG cannot be stored (a PUT that may have landed is deleted in the
 * background).
 */
export async function storeThumbnail(deps: ThumbnailDeps, png: Uint8Array): Promise<StoredThumbnail> {
  const key = newThumbnailKey();
  const storage = thumbnailStorageOf(deps);
  try {
    await deps.thumbnails.put(key, png, "image/png");
  } catch (error) {
    if (putMayHaveStored(error)) runInBackground(storage, removeOrphan(storage, key, "the thumbnail upload failed"));
    throw storageFailure(error, "upload", deps);
  }
  return { key, discard: (why) => removeOrphan(storage, key, why) };
}

/** A signed URL of the thumbnail, like the PDF's; null when the resume has none. */
export async function signedThumbnailUrl(deps: Pick<ResumeDeps, "thumbnails" | "settings">, key: string | null): Promise<string | null> {
  return key ? deps.thumbnails.signedUrl(key, { expiresInSeconds: deps.settings.SIGNED_URL_TTL_SECONDS }) : null;
}
