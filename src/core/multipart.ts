// multipart/form-data with a hard size limit. The limit holds whatever the client says:
// a Content-Length over the limit is refused before reading anything, and the bytes are
// counted as they stream in, so a body without a Content-Length (chunked), or with one
// that lies, is cut off as soon as it passes the limit. At most maxBodyBytes are ever
// held in memory.
//
// Works on a standard Request in Bun and Deno (ReadableStream, Blob, Response.formData).
import { BodyReadError, type BodyErrorKind, discardBody, readBodyWithLimit } from "./body.ts";

export type MultipartErrorKind = BodyErrorKind;

/** A multipart body refused: the error of any size-limited body read, named for this reader. */
export class MultipartError extends BodyReadError {
  override readonly name = "MultipartError";
}

export interface ReadMultipartOptions {
  /** Largest body accepted, in bytes, boundaries and other fields included. */
  maxBodyBytes: number;
}

export async function readMultipartForm(request: Request, options: ReadMultipartOptions): Promise<FormData> {
  const { maxBodyBytes } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new TypeError("maxBodyBytes must be a positive integer");

  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  if (mediaType !== "multipart/form-data") {
    discardBody(request);
    throw new MultipartError("not-multipart", "The request body must be multipart/form-data.");
  }
  if (!/;\s*boundary=("[^"]{1,70}"|[^\s;"]{1,70})\s*(;|$)/i.test(contentType)) {
    discardBody(request);
    throw new MultipartError("malformed", "The multipart/form-data Content-Type has no valid boundary.");
  }

  let chunks: Uint8Array<ArrayBuffer>[];
  try {
    chunks = await readBodyWithLimit(request, maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    throw new MultipartError(error.kind, error.message, error.bytesRead, { cause: error });
  }
  const bytesRead = chunks.reduce((total, chunk) => total + chunk.byteLength, 0);

  try {
    // A Blob of the chunks avoids copying them into one buffer ourselves.
    return await new Response(new Blob(chunks), { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    throw new MultipartError("malformed", "The multipart/form-data body is malformed.", bytesRead, { cause: error });
  }
}
