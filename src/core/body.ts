// Reading a request body with a hard size limit, for every kind of body (multipart
// uploads, JSON). The limit holds whatever the client says: a Content-Length over it is
// refused before reading anything, and bytes are counted as they stream in, so a
// chunked body, or one whose Content-Length lies, is cut off as soon as it passes the
// limit. At most maxBodyBytes are ever held in memory.
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

/** The body's chunks, at most `maxBodyBytes` of them; throws BodyReadError otherwise. */
export async function readBodyWithLimit(request: Request, maxBodyBytes: number): Promise<Uint8Array<ArrayBuffer>[]> {
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
  const chunks: Uint8Array<ArrayBuffer>[] = [];
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
    bytesRead += chunk.value.byteLength;
    if (bytesRead > maxBodyBytes) {
      // Stop pulling now; cancelling tells the source (the socket) we want no more.
      reader.cancel("body over the size limit").catch(() => {});
      throw new BodyReadError("too-large", tooLargeMessage(maxBodyBytes), bytesRead);
    }
    chunks.push(chunk.value as Uint8Array<ArrayBuffer>);
  }
  if (declaredLength !== undefined && bytesRead !== declaredLength) {
    throw new BodyReadError("malformed", "The body length does not match its Content-Length.", bytesRead);
  }
  return chunks;
}

/** Refused from the headers alone: let the runtime drop the body without reading it. */
export function discardBody(request: Request): void {
  if (request.body && !request.bodyUsed) request.body.cancel().catch(() => {});
}

function tooLargeMessage(maxBodyBytes: number): string {
  return `The request body is larger than the limit of ${maxBodyBytes} bytes.`;
}
