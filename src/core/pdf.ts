// Is this upload a PDF? Decided from the bytes, never from the file name or the
// Content-Type the client claims. Structural checks only (header, trailer, cross-
// reference offset, an object): enough to refuse renamed HTML/ZIP/images and truncated
// uploads. It does not render or sanitise the document.
//
// Cheap on large files: it reads a fixed window at the head and at the tail, never the
// whole file.

export type PdfRefusal =
  | "empty"
  | "not-pdf"
  | "unsupported-version"
  | "missing-eof"
  | "missing-startxref"
  | "bad-startxref"
  | "no-objects";

export type PdfCheck =
  | { ok: true; /** e.g. "1.7" */ version: string }
  | { ok: false; refusal: PdfRefusal; /** A sentence fit for the API's `detail`. */ reason: string };

/** The PDF header must sit at offset 0; this much of the head is read. */
const HEAD_WINDOW = 64 * 1024;
/** Readers look for %%EOF in the last 1024 bytes (Acrobat's tolerance for trailing junk). */
const EOF_WINDOW = 1024;
/** startxref and the last objects sit just before %%EOF. */
const TAIL_WINDOW = 64 * 1024;

const HEADER_PATTERN = /^%PDF-(\d)\.(\d)/;
const STARTXREF_PATTERN = /startxref[\r\n\t\f\0 ]+(\d{1,12})[\r\n\t\f\0 ]*$/;
const INDIRECT_OBJECT_PATTERN = /(?:^|[\r\n\t\f\0 ])\d{1,10}[\r\n\t\f\0 ]+\d{1,5}[\r\n\t\f\0 ]+obj\b/;

export function checkPdf(bytes: Uint8Array): PdfCheck {
  if (bytes.byteLength === 0) return refuse("empty", "The file is empty.");

  const head = latin1(bytes.subarray(0, HEAD_WINDOW));
  const header = HEADER_PATTERN.exec(head);
  if (!header) {
    const kind = recogniseOtherFormat(bytes, head);
    return refuse("not-pdf", kind ? `The file is ${kind}, not a PDF.` : "The file is not a PDF (it does not start with %PDF-).");
  }
  const version = `${header[1]}.${header[2]}`;
  if (!/^(1\.[0-7]|2\.0)$/.test(version)) {
    return refuse("unsupported-version", `PDF version ${version} is not supported (1.0 to 2.0 are).`);
  }

  const tailStart = Math.max(0, bytes.byteLength - TAIL_WINDOW);
  // A small file is all in the head window already; decode nothing twice.
  const tail = bytes.byteLength <= HEAD_WINDOW ? head.slice(tailStart) : latin1(bytes.subarray(tailStart));
  const eofAt = tail.lastIndexOf("%%EOF");
  if (eofAt === -1 || tailStart + eofAt < bytes.byteLength - EOF_WINDOW) {
    return refuse("missing-eof", "The PDF is incomplete: it has no %%EOF marker at the end (was the upload cut off?).");
  }

  const startxref = STARTXREF_PATTERN.exec(tail.slice(Math.max(0, eofAt - 64), eofAt));
  if (!startxref) {
    return refuse("missing-startxref", "The PDF is damaged: it has no startxref before %%EOF.");
  }
  const crossReferenceOffset = Number(startxref[1]);
  if (crossReferenceOffset < header[0].length || crossReferenceOffset >= bytes.byteLength) {
    return refuse("bad-startxref", "The PDF is damaged: its cross-reference offset points outside the file.");
  }

  if (!INDIRECT_OBJECT_PATTERN.test(head) && !INDIRECT_OBJECT_PATTERN.test(tail)) {
    return refuse("no-objects", "The PDF is damaged: it contains no objects.");
  }

  return { ok: true, version };
}

/** Names the common impostors, so the refusal tells the user what they sent. */
function recogniseOtherFormat(bytes: Uint8Array, head: string): string | undefined {
  const startsWith = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "a PNG image";
  if (startsWith(0xff, 0xd8, 0xff)) return "a JPEG image";
  if (startsWith(0x47, 0x49, 0x46, 0x38)) return "a GIF image";
  if (startsWith(0x50, 0x4b, 0x03, 0x04) || startsWith(0x50, 0x4b, 0x05, 0x06)) {
    return "a ZIP archive (or a Word/OpenDocument file)";
  }
  if (startsWith(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return "an old Microsoft Office document";
  const text = head.slice(0, 512).replace(/^\uFEFF|^ï»¿/, "").trimStart().toLowerCase();
  if (text.startsWith("<!doctype html") || text.startsWith("<html") || text.startsWith("<head") || text.startsWith("<body")) {
    return "an HTML page";
  }
  if (text.startsWith("<?xml") || text.startsWith("<svg")) return "an XML or SVG document";
  if (head.slice(0, 1024).includes("%PDF-")) return "a PDF with other data before its header";
  return undefined;
}

// One character per byte, so string offsets are byte offsets. (WHATWG's "latin1" is
// windows-1252, which still maps every byte to exactly one character.)
const decoder = new TextDecoder("latin1");
function latin1(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function refuse(refusal: PdfRefusal, reason: string): PdfCheck {
  return { ok: false, refusal, reason };
}
