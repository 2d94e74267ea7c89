// multipart/form-data with a hard size limit. The limit holds whatever the client says:
// a Content-Length over the limit is refused before reading anything, and the bytes are
// counted as they stream in, so a body without a Content-Length (chunked), or with one
// that lies, is cut off as soon as it passes the limit. At most maxBodyBytes are ever
// held in memory.
//
// Works on a standard Request in Bun and Deno (ReadableStream, Blob, Response.formData).
import { BodyReadError, discardBody, readBodyWithLimit } from "./body.ts";

export type MultipartErrorKind = "too-large" | "not-multipart" | "malformed";

const STATUS_OF: Record<MultipartErrorKind, 400 | 413 | 415> = {
  "too-large": 413,
  "not-multipart": 415,
  malformed: 400,
};

export class MultipartError extends Error {
  override readonly name = "MultipartError";
  /** The HTTP status the facade answers with: 413, 415 or 400. */
  readonly status: 400 | 413 | 415;

  constructor(
    readonly kind: MultipartErrorKind,
    message: string,
    /** Body bytes read before giving up (0 when refused from the headers alone). */
    readonly bytesRead = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS_OF[kind];
  }
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
