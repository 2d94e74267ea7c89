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
/** A full buffer reads this much more to learn whether the body has ended. */
const PROBE_BYTES = 16 * 1024;

/**
 * The whole body in ONE buffer, at most `maxBodyBytes`; throws BodyReadError otherwise.
 * Sized from the Content-Length when there is one (a file upload then holds its bytes
 * once, never a list of chunks and a copy of them); a chunked body, or one whose length
 * lies, grows it by doubling, never past the limit. Where the body is a byte stream
 * (Deno) the runtime reads straight into the buffer (a BYOB reader); otherwise (Bun)
 * each chunk it hands over is copied in and let go.
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
  const body = new GrowingBuffer(declaredLength ?? Math.min(FIRST_CAPACITY, maxBodyBytes), maxBodyBytes);
  const byob = byobReaderOf(request.body);
  if (byob) await readByteStream(byob, body);
  else await readChunks(request.body.getReader(), body);
  if (declaredLength !== undefined && body.length !== declaredLength) {
    throw new BodyReadError("malformed", "The body length does not match its Content-Length.", body.length);
  }
  return body.bytes();
}

/** The body so far, in one buffer that doubles when full, never past the limit. */
class GrowingBuffer {
  buffer: ArrayBuffer;
  length = 0;

  constructor(
    capacity: number,
    readonly limit: number,
  ) {
    this.buffer = new ArrayBuffer(capacity);
  }

  get full(): boolean {
    return this.length === this.buffer.byteLength;
  }

  /** Room for `needed` bytes in all; false when that is over the limit (nothing is kept then). */
  reserve(needed: number): boolean {
    if (needed > this.limit) return false;
    if (needed > this.buffer.byteLength) {
      const grown = new ArrayBuffer(Math.min(this.limit, Math.max(needed, this.buffer.byteLength * 2, FIRST_CAPACITY)));
      new Uint8Array(grown).set(new Uint8Array(this.buffer, 0, this.length));
      this.buffer = grown;
    }
    return true;
  }

  append(chunk: Uint8Array): void {
    new Uint8Array(this.buffer).set(chunk, this.length);
    this.length += chunk.byteLength;
  }

  bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.buffer, 0, this.length);
  }
}

function byobReaderOf(stream: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return stream.getReader({ mode: "byob" });
  } catch {
    return undefined; // not a byte stream
  }
}

function unreadable(body: GrowingBuffer, error: unknown): BodyReadError {
  return new BodyReadError("malformed", "The request body could not be read.", body.length, { cause: error });
}

function overLimit(body: GrowingBuffer, bytesRead: number, cancel: () => Promise<void>): BodyReadError {
  // Stop pulling now; cancelling tells the source (the socket) we want no more.
  cancel().catch(() => {});
  return new BodyReadError("too-large", tooLargeMessage(body.limit), bytesRead);
}

/** Chunks as the stream hands them over, each copied in. */
async function readChunks(reader: ReadableStreamDefaultReader<Uint8Array>, body: GrowingBuffer): Promise<void> {
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw unreadable(body, error);
    }
    if (chunk.done) return;
    const needed = body.length + chunk.value.byteLength;
    if (!body.reserve(needed)) throw overLimit(body, needed, () => reader.cancel("body over the size limit"));
    body.append(chunk.value);
    // The chunk is copied and ours alone (a reader hands each chunk over): its memory goes
    // back now, not at the collector's next pass. Only a chunk that is its whole buffer:
    // a view into a larger one may share it with chunks still to come.
    if (chunk.value.byteOffset === 0 && chunk.value.byteLength === chunk.value.buffer.byteLength) releaseBuffer(chunk.value);
  }
}

/**
 * Gives a buffer's memory back at once instead of at the garbage collector's next pass,
 * by detaching it (ArrayBuffer.prototype.transfer(0)): every view of it then reads as
 * empty. Only for a buffer that is ours alone and used up: a chunk already copied, an
 * upload's body once it is stored. A burst of large uploads outruns the collector: 16
 * concurrent 10 MB uploads peaked about 100 MB higher with their chunks and bodies left
 * to it (bench/upload.ts). Best effort: a buffer the runtime has pinned stays as it is.
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (newLength: number) => ArrayBuffer; detached?: boolean };
  if (typeof buffer.transfer !== "function" || buffer.detached) return;
  try {
    buffer.transfer(0);
  } catch {
    // Pinned or not transferable (a SharedArrayBuffer has no transfer): the collector frees it.
  }
}

/**
 * A byte stream read straight into the buffer's free end (each read hands the buffer to
 * the runtime and back). When the buffer is full, a small read into a scratch buffer
 * tells the end of the body from more of it, which then grows the buffer.
 */
async function readByteStream(reader: ReadableStreamBYOBReader, body: GrowingBuffer): Promise<void> {
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read<Uint8Array<ArrayBuffer>>>>;
    const probing = body.full;
    try {
      read = await reader.read(probing ? new Uint8Array(PROBE_BYTES) : new Uint8Array(body.buffer, body.length, body.buffer.byteLength - body.length));
    } catch (error) {
      throw unreadable(body, error);
    }
    if (!probing) {
      // The buffer went to the runtime with the read; the answer's view brings it back.
      if (!read.value) throw unreadable(body, new Error("the byte stream gave no buffer back"));
      body.buffer = read.value.buffer;
    }
    if (read.done) return;
    if (probing) {
      const needed = body.length + read.value.byteLength;
      if (!body.reserve(needed)) throw overLimit(body, needed, () => reader.cancel("body over the size limit"));
      body.append(read.value);
    } else body.length += read.value.byteLength;
  }
}

/** Refused from the headers alone: let the runtime drop the body without reading it. */
export function discardBody(request: Request): void {
  if (request.body && !request.bodyUsed) request.body.cancel().catch(() => {});
}

function tooLargeMessage(maxBodyBytes: number): string {
  return `The request body is larger than the limit of ${maxBodyBytes} bytes.`;
}
