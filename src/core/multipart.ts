// multipart/form-data with a hard size limit. The limit holds whatever the client says:
// a Content-Length over the limit is refused before reading anything, and the bytes are
// counted as they stream in, so a body without a Content-Length (chunked), or with one
// that lies, is cut off as soon as it passes the limit. At most maxBodyBytes are ever
// held in memory.
//
// Works on a standard Request in Bun and Deno (ReadableStream, Blob, Response.formData).

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

  const declared = request.headers.get("content-length");
  let declaredLength: number | undefined;
  if (declared !== null) {
    if (!/^\d{1,15}$/.test(declared.trim())) {
      discardBody(request);
      throw new MultipartError("malformed", "The Content-Length header is not a number.");
    }
    declaredLength = Number(declared.trim());
    if (declaredLength > maxBodyBytes) {
      discardBody(request);
      throw new MultipartError("too-large", tooLargeMessage(maxBodyBytes));
    }
  }

  if (!request.body || request.bodyUsed) throw new MultipartError("malformed", "The request has no body.");
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytesRead = 0;
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new MultipartError("malformed", "The request body could not be read.", bytesRead, { cause: error });
    }
    if (chunk.done) break;
    bytesRead += chunk.value.byteLength;
    if (bytesRead > maxBodyBytes) {
      // Stop pulling now; cancelling tells the source (the socket) we want no more.
      reader.cancel("body over the size limit").catch(() => {});
      throw new MultipartError("too-large", tooLargeMessage(maxBodyBytes), bytesRead);
    }
    chunks.push(chunk.value as Uint8Array<ArrayBuffer>);
  }
  if (declaredLength !== undefined && bytesRead !== declaredLength) {
    throw new MultipartError("malformed", "The body length does not match its Content-Length.", bytesRead);
  }

  try {
    // A Blob of the chunks avoids copying them into one buffer ourselves.
    return await new Response(new Blob(chunks), { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    throw new MultipartError("malformed", "The multipart/form-data body is malformed.", bytesRead, { cause: error });
  }
}

function tooLargeMessage(maxBodyBytes: number): string {
  return `The request body is larger than the limit of ${maxBodyBytes} bytes.`;
}

/** Refused from the headers alone: let the runtime drop the body without reading it. */
function discardBody(request: Request): void {
  if (request.body && !request.bodyUsed) request.body.cancel().catch(() => {});
}
