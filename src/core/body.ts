// Reading a request body with a hard size limit, for every kind of body (multipart
// uploads, JSON). The limit holds whatever the client says: a Content-Length over it is
// refused before reading anything, and bytes are counted as they stream in, so a
// chunked body, or one whose Content-Length lies, is cut off as soon as it passes the
// limit. The body is held once, in one buffer of at most maxBodyBytes.
//
// Runtime-neutral: standard Request and ReadableStream (Bun and Deno).

export type BodyErrorKind = "too-large" | "malformed" | "not-multipart";

const STATUS_OF: Record<BodyErrorKind, 400 | 413 | 415> = {
  "too-large": 413,
  "not-multipart": 415,
  malformed: 400,
};

export class BodyReadError extends Error {
  override readonly name: string = "BodyReadError";
  /** The HTTP status a face answers with: 413, 415 or 400. */
  readonly status: 400 | 413 | 415;

  constructor(
    readonly kind: BodyErrorKind,
    message: string,
    /** Body bytes read before giving up (0 when refused from the headers alone). */
    readonly bytesRead = 0,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS_OF[kind];
  }
}

/** Where a body without a Content-Length starts; it doubles as it fills, up to the limit. */
const FIRST_CAPACITY = 64 * 1024;

/**
 * The whole body in ONE buffer, at most `maxBodyBytes`; throws BodyReadError otherwise.
 * Sized from the Content-Length when there is one (a file upload then holds its bytes
 * once, never a list of chunks and a copy of them); a chunked body, or one whose length
 * lies, grows it by doubling, never past the limit. Each chunk the stream hands over is
 * copied in and let go.
 */
export async function readBodyWithLimit(request: Request, maxBodyBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new TypeError("maxBodyBytes must be a positive integer");

  const declared = request.headers.get("content-length");
  let declaredLength: number | undefined;
  if (declared !== null) {
    if (!/^\d{1,15}$/.test(declared.trim())) {
      discardBody(request);
      throw new BodyReadError("malformed", "The Content-Length header is not a number.");
    }
    declaredLength = Number(declared.trim());
    if (declaredLength > maxBodyBytes) {
      discardBody(request);
      throw new BodyReadError("too-large", tooLargeMessage(maxBodyBytes));
    }
  }

  if (!request.body || request.bodyUsed) throw new BodyReadError("malformed", "The request has no body.");
  let buffer = new Uint8Array(declaredLength ?? Math.min(FIRST_CAPACITY, maxBodyBytes));
  let bytesRead = 0;
  const reader = request.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new BodyReadError("malformed", "The request body could not be read.", bytesRead, { cause: error });
    }
    if (chunk.done) break;
    const needed = bytesRead + chunk.value.byteLength;
    if (needed > maxBodyBytes) {
      // Stop pulling now; cancelling tells the source (the socket) we want no more.
      reader.cancel("body over the size limit").catch(() => {});
      throw new BodyReadError("too-large", tooLargeMessage(maxBodyBytes), needed);
    }
    if (needed > buffer.byteLength) {
      const grown = new Uint8Array(Math.min(maxBodyBytes, Math.max(needed, buffer.byteLength * 2, FIRST_CAPACITY)));
      grown.set(buffer.subarray(0, bytesRead));
      buffer = grown;
    }
    buffer.set(chunk.value, bytesRead);
    bytesRead = needed;
  }
  if (declaredLength !== undefined && bytesRead !== declaredLength) {
    throw new BodyReadError("malformed", "The body length does not match its Content-Length.", bytesRead);
  }
  return buffer.subarray(0, bytesRead);
}

/** Refused from the headers alone: let the runtime drop the body without reading it. */
export function discardBody(request: Request): void {
  if (request.body && !request.bodyUsed) request.body.cancel().catch(() => {});
}

function tooLargeMessage(maxBodyBytes: number): string {
  return `The request body is larger than the limit of ${maxBodyBytes} bytes.`;
}
