// PDFs a resume must not be, made from the plain test page (pdf.ts) with MuPDF itself:
// active content added, encrypted, or hidden behind an HTML page. For the suites that
// upload them (the unit verdicts are tests/core/pdf-document.test.ts's).
import * as mupdf from "mupdf";
import { buildPdf } from "./pdf.ts";

/** The plain page, changed by `edit`, saved again (`options`: MuPDF's save options). */
export function editedPdf(edit: (doc: mupdf.PDFDocument) => void, options = "", plain: Uint8Array = buildPdf()): Uint8Array<ArrayBuffer> {
  const doc = mupdf.Document.openDocument(plain, "application/pdf").asPDF()!;
  try {
    edit(doc);
    return doc.saveToBuffer(options).asUint8Array().slice();
  } finally {
    doc.destroy();
  }
}

/** An action dictionary: /S `type` and the entries given. */
export function pdfAction(doc: mupdf.PDFDocument, type: string, extra: Record<string, mupdf.PDFObject>): mupdf.PDFObject {
  const dict = doc.newDictionary();
  dict.put("S", doc.newName(type));
  for (const [key, value] of Object.entries(extra)) dict.put(key, value);
  return dict;
}

/** Runs `action` when the document opens (the catalog's /OpenAction). */
export const onOpen = (doc: mupdf.PDFDocument, action: mupdf.PDFObject) => doc.getTrailer().get("Root").put("OpenAction", action);

export const hostilePdfs = {
  javaScriptOnOpen: () => editedPdf((doc) => onOpen(doc, pdfAction(doc, "JavaScript", { JS: doc.newString("app.alert(1)") }))),
  launchOnOpen: () => editedPdf((doc) => onOpen(doc, pdfAction(doc, "Launch", { F: doc.newString("cmd.exe") }))),
  embeddedFile: () =>
    editedPdf((doc) => doc.addEmbeddedFile("invoice.exe", "application/octet-stream", new TextEncoder().encode("MZ not really"), new Date(), new Date(), false)),
  encrypted: () => editedPdf(() => {}, "encrypt=aes-256,user-password=secret,owner-password=owner"),
  /** An HTML page with a script, the PDF after it: a browser sniffing it sees HTML. */
  htmlPolyglot: (): Uint8Array<ArrayBuffer> => {
    const html = new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>\n");
    const plain = buildPdf();
    const polyglot = new Uint8Array(html.length + plain.length);
    polyglot.set(html);
    polyglot.set(plain, html.length);
    return polyglot;
  },
};
