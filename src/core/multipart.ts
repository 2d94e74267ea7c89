// multipart/form-data with a hard size limit. The limit holds whatever the client says:
// a Content-Length over the limit is refused before reading anything, and the bytes are
// counted as they stream in, so a body without a Content-Length (chunked), or with one
// that lies, is cut off as soon as it passes the limit.
//
// The body is held once: read into one buffer (body.ts), its framing parsed in place
// (RFC 7578 over RFC 2046's multipart syntax), and each file handed on as a view into
// that buffer, never copied; only the small text fields are decoded. (The platform's
// Response.formData() needed the chunks, a Blob of them, a File and its ArrayBuffer:
// three copies of a 10 MB upload in Bun at once, more in Deno.)
//
// Runtime-neutral (Bun and Deno): a standard Request; node:buffer's native indexOf finds
// the boundaries.
import { Buffer } from "node:buffer";
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

/** A part sent with a filename: its bytes are a view into the body, not a copy. */
export interface MultipartFile {
  /** The client's name for it (trusted for nothing). */
  filename: string;
  /** The client's Content-Type for it, if any (trusted for nothing). */
  contentType: string | undefined;
  bytes: Uint8Array<ArrayBuffer>;
}

export type MultipartValue = string | MultipartFile;

/** The fields of a form, by name; like FormData.get, a name sent twice answers its first value. */
export class MultipartForm {
  readonly #fields = new Map<string, MultipartValue>();

  constructor(fields: Iterable<[string, MultipartValue]>) {
    for (const [name, value] of fields) if (!this.#fields.has(name)) this.#fields.set(name, value);
  }

  get(name: string): MultipartValue | null {
    return this.#fields.get(name) ?? null;
  }
}

export function isMultipartFile(value: MultipartValue | null): value is MultipartFile {
  return typeof value === "object" && value !== null;
}

const BOUNDARY_PARAMETER = /;\s*boundary=("[^"]{1,70}"|[^\s;"]{1,70})\s*(;|$)/i;

export async function readMultipartForm(request: Request, options: ReadMultipartOptions): Promise<MultipartForm> {
  const { maxBodyBytes } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new TypeError("maxBodyBytes must be a positive integer");

  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  if (mediaType !== "multipart/form-data") {
    discardBody(request);
    throw new MultipartError("not-multipart", "The request body must be multipart/form-data.");
  }
  const boundary = BOUNDARY_PARAMETER.exec(contentType)?.[1]?.replace(/^"(.*)"$/, "$1");
  if (!boundary) {
    discardBody(request);
    throw new MultipartError("malformed", "The multipart/form-data Content-Type has no valid boundary.");
  }

  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readBodyWithLimit(request, maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    throw new MultipartError(error.kind, error.message, error.bytesRead, { cause: error });
  }

  try {
    return new MultipartForm(parseParts(body, boundary));
  } catch (error) {
    throw new MultipartError("malformed", "The multipart/form-data body is malformed.", body.byteLength, { cause: error });
  }
}

const CRLF = Buffer.from("\r\n", "latin1");
const HEADERS_END = Buffer.from("\r\n\r\n", "latin1");
/** Part headers larger than this are no form's: the parser stops looking for their end. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
const utf8 = new TextDecoder("utf-8");

/**
 * The parts of a multipart body, in order: `--boundary` opens the first (after an
 * optional preamble), each next one is preceded by CRLF, and `--boundary--` closes the
 * body (an epilogue after it is ignored). Throws on anything else.
 */
function* parseParts(bytes: Uint8Array<ArrayBuffer>, boundary: string): Generator<[string, MultipartValue]> {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const delimiter = Buffer.from(`--${boundary}`, "latin1");
  const nextDelimiter = Buffer.concat([CRLF, delimiter]);

  let at: number;
  if (body.subarray(0, delimiter.length).equals(delimiter)) at = 0;
  else {
    const first = body.indexOf(nextDelimiter);
    if (first < 0) throw new Error("no boundary in the body");
    at = first + CRLF.length;
  }

  for (;;) {
    at += delimiter.length;
    // The close delimiter ends the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return;
    // Transport padding (spaces, tabs), then the line's CRLF.
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw new Error("a boundary line does not end with CRLF");
    at += 2;

    let contentStart: number;
    let headerLines: string[];
    if (body[at] === 0x0d && body[at + 1] === 0x0a) {
      headerLines = [];
      contentStart = at + 2;
    } else {
      const headersEnd = body.subarray(0, Math.min(body.length, at + MAX_PART_HEADER_BYTES)).indexOf(HEADERS_END, at);
      if (headersEnd < 0) throw new Error("a part's headers do not end");
      headerLines = utf8.decode(bytes.subarray(at, headersEnd)).split("\r\n");
      contentStart = headersEnd + HEADERS_END.length;
    }
    const contentEnd = body.indexOf(nextDelimiter, contentStart);
    if (contentEnd < 0) throw new Error("a part is not closed by a boundary");

    const part = partHeaders(headerLines);
    const content = bytes.subarray(contentStart, contentEnd);
    yield [
      part.name,
      part.filename === undefined ? utf8.decode(content) : { filename: part.filename, contentType: part.contentType, bytes: content },
    ];
    at = contentEnd + CRLF.length;
  }
}

/** A part's Content-Disposition (form-data, its name, its filename) and Content-Type. */
function partHeaders(lines: string[]): { name: string; filename: string | undefined; contentType: string | undefined } {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error("a part header has no name");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!disposition) throw new Error("a part has no Content-Disposition");
  const semicolon = disposition.indexOf(";");
  if ((semicolon < 0 ? disposition : disposition.slice(0, semicolon)).trim().toLowerCase() !== "form-data") {
    throw new Error("a part's Content-Disposition is not form-data");
  }
  const parameters = dispositionParameters(semicolon < 0 ? "" : disposition.slice(semicolon + 1));
  const fieldName = parameters.get("name");
  if (fieldName === undefined) throw new Error("a part has no name");
  return { name: fieldName, filename: extendedFilename(parameters.get("filename*")) ?? parameters.get("filename"), contentType };
}

/** `name=value` pairs after the disposition type; values are tokens or quoted strings (with \-escapes). */
function dispositionParameters(text: string): Map<string, string> {
  const parameters = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    while (text[at] === ";" || text[at] === " " || text[at] === "\t") at++;
    if (at >= text.length) break;
    const equals = text.indexOf("=", at);
    if (equals < 0) throw new Error("a disposition parameter has no value");
    const name = text.slice(at, equals).trim().toLowerCase();
    at = equals + 1;
    while (text[at] === " " || text[at] === "\t") at++;
    let value = "";
    if (text[at] === '"') {
      for (at++; ; at++) {
        if (at >= text.length) throw new Error("a quoted disposition parameter is not closed");
        const char = text[at]!;
        if (char === '"') break;
        if (char === "\\" && at + 1 < text.length) value += text[++at];
        else value += char;
      }
      at++;
    } else {
      const end = text.indexOf(";", at);
      value = text.slice(at, end < 0 ? text.length : end).trim();
      at = end < 0 ? text.length : end;
    }
    if (!parameters.has(name)) parameters.set(name, value);
  }
  return parameters;
}

/** RFC 5987's filename*=UTF-8''percent-encoded, when a client sends it. */
function extendedFilename(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /^utf-8'[^']*'(.*)$/i.exec(value);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}
