// What an uploaded PDF really holds, read with MuPDF (the `mupdf` package: MuPDF compiled
// to WebAssembly, so the same code runs in Bun, in Deno and in Supabase's edge runtime,
// where native add-ons cannot load). One pass over the document:
//   - it must parse as a PDF without repair, start with its header at byte 0 (a file
//     that is also an HTML page or a ZIP is refused), not be encrypted, and have pages;
//   - it must carry no active content: JavaScript (document, page, annotation or form
//     actions, the JavaScript name tree), launch actions, embedded files, form
//     submission or import, rich media. A resume needs none of these, and previewcv.com
//     and the CDN serve the file to strangers' browsers;
//   - the page count is recorded, and the first page can be rendered to a PNG (the
//     link-preview thumbnail).
// Every refusal is a sentence fit for the API's `detail`.
//
// Licence: MuPDF is AGPL-3.0 (or Artifex's commercial licence); see README, "PDF engine".
import * as mupdf from "mupdf";

// MuPDF reports what it repairs on stderr; the verdicts below say what matters, and an
// upload's contents have no place in the servers' logs.
mupdf.setLog({ error() {}, warning() {} });

export type PdfRefusal = "not-pdf" | "damaged" | "encrypted" | "no-pages" | "too-many-pages" | "active-content";

export type PdfInspection =
  | { ok: true; pageCount: number; /** The first page, when asked for (firstPageWidthPx). */ firstPagePng?: Uint8Array }
  | { ok: false; refusal: PdfRefusal; reason: string; /** What was found, for active content. */ found?: string[] };

/** More pages than any resume has; past it the file is refused before anything is rendered. */
export const MAX_PDF_PAGES = 100;

// Action types (/S) that run code, open other files or send data somewhere.
const activeActions: Record<string, string> = {
  JavaScript: "JavaScript",
  Launch: "a launch action (opens another program or file)",
  SubmitForm: "a form submission action",
  ImportData: "a data import action",
  GoToE: "a link into an embedded file",
  RichMediaExecute: "rich media",
  Rendition: "a media rendition action",
  Movie: "a movie action",
  Sound: "a sound action",
};
// Annotation subtypes (/Subtype) that carry files or media.
const activeAnnotations: Record<string, string> = {
  FileAttachment: "an embedded file",
  RichMedia: "rich media",
  Movie: "a movie",
  Sound: "a sound",
  Screen: "a media screen",
};

function refusal(refusal: PdfRefusal, reason: string, found?: string[]): PdfInspection {
  return { ok: false, refusal, reason, ...(found ? { found } : {}) };
}

/**
 * Opens and checks the document once; with firstPageWidthPx, also renders its first page
 * to a PNG that wide (the link-preview thumbnail). Always releases MuPDF's memory.
 */
export function inspectPdf(bytes: Uint8Array, options: { firstPageWidthPx?: number } = {}): PdfInspection {
  return withPdf(bytes, (doc) => {
    const pageCount = doc.countPages();
    if (options.firstPageWidthPx === undefined) return { ok: true, pageCount };
    return { ok: true, pageCount, firstPagePng: renderFirstPage(doc, options.firstPageWidthPx) };
  });
}

function renderFirstPage(doc: mupdf.PDFDocument, widthPx: number): Uint8Array {
  const page = doc.loadPage(0);
  try {
    const [x0, , x1] = page.getBounds();
    const scale = widthPx / Math.max(1, x1 - x0);
    const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
    try {
      return pixmap.asPNG().slice();
    } finally {
      pixmap.destroy();
    }
  } finally {
    page.destroy();
  }
}

function withPdf(bytes: Uint8Array, use: (doc: mupdf.PDFDocument) => PdfInspection): PdfInspection {
  // The header at byte 0: readers tolerate junk before it, browsers sniff that junk.
  if (bytes.byteLength < 5 || String.fromCharCode(...bytes.subarray(0, 5)) !== "%PDF-") {
    return refusal("not-pdf", "The file is not a PDF (it does not start with %PDF-).");
  }
  let doc: mupdf.PDFDocument | undefined;
  try {
    try {
      const opened = mupdf.Document.openDocument(bytes, "application/pdf");
      doc = opened.asPDF() ?? undefined;
      if (!doc) {
        opened.destroy();
        return refusal("not-pdf", "The file is not a PDF.");
      }
      doc.countPages(); // forces the page tree to load: a broken one fails here
    } catch {
      return refusal("damaged", "The PDF is damaged and cannot be read; export it again from the program that made it.");
    }
    if (doc.wasRepaired()) return refusal("damaged", "The PDF is damaged (it could only be read after repair); export it again from the program that made it.");
    if (!doc.getTrailer().get("Encrypt").isNull() || doc.needsPassword()) {
      return refusal("encrypted", "The PDF is encrypted or password-protected; upload a copy without a password.");
    }
    const pages = doc.countPages();
    if (pages === 0) return refusal("no-pages", "The PDF has no pages.");
    if (pages > MAX_PDF_PAGES) return refusal("too-many-pages", `The PDF has ${pages} pages; at most ${MAX_PDF_PAGES} are accepted.`);
    const found = activeContentOf(doc);
    if (found.length > 0) {
      return refusal("active-content", `The PDF contains ${found.join(", ")}, which resumes may not carry; export it again without them (print to PDF removes them).`, found);
    }
    return use(doc);
  } finally {
    doc?.destroy();
  }
}

/** Every kind of active content anywhere in the document, by a walk over all its objects. */
function activeContentOf(doc: mupdf.PDFDocument): string[] {
  const found = new Set<string>();
  const visit = (object: mupdf.PDFObject, depth: number) => {
    // Indirect references are visited as objects of their own: never followed here.
    if (depth > 32 || object.isIndirect()) return;
    if (object.isArray()) {
      for (let i = 0; i < object.length; i++) visit(object.get(i), depth + 1);
      return;
    }
    if (!object.isDictionary()) return;
    const action = nameOf(object.get("S"));
    if (action && activeActions[action]) found.add(activeActions[action]);
    if (!object.get("JS").isNull()) found.add("JavaScript");
    const subtype = nameOf(object.get("Subtype"));
    if (subtype && activeAnnotations[subtype]) found.add(activeAnnotations[subtype]);
    const type = nameOf(object.get("Type"));
    if (type === "EmbeddedFile" || (type === "Filespec" && !object.get("EF").isNull()) || !object.get("EmbeddedFiles").isNull()) found.add("an embedded file");
    if (!object.get("JavaScript").isNull() && object.get("JavaScript").isDictionary()) found.add("JavaScript");
    object.forEach((value) => visit(value, depth + 1));
  };
  const count = doc.countObjects();
  for (let number = 1; number < count; number++) visit(doc.newIndirect(number).resolve(), 0);
  visit(doc.getTrailer(), 0);
  return [...found].sort();
}

function nameOf(object: mupdf.PDFObject): string | undefined {
  return object.isName() ? object.asName() : undefined;
}
