import { describe, expect, test } from "bun:test";
import { checkPdf } from "../../src/core/pdf.ts";
import { buildPdf } from "../support/pdf.ts";

const ascii = (text: string) => new TextEncoder().encode(text);

describe("PDFs that are accepted", () => {
  test("a real minimal PDF", () => {
    const pdf = buildPdf();
    const text = new TextDecoder("latin1").decode(pdf);
    // The builder is honest: startxref points at the xref keyword.
    const offset = Number(/startxref\n(\d+)/.exec(text)![1]);
    expect(text.slice(offset, offset + 4)).toBe("xref");
    expect(checkPdf(pdf)).toEqual({ ok: true, version: "1.7" });
  });

  test("every version from 1.0 to 2.0", () => {
    for (const version of ["1.0", "1.3", "1.4", "1.7", "2.0"]) {
      expect(checkPdf(buildPdf({ version }))).toEqual({ ok: true, version });
    }
  });

  test("trailing whitespace or padding after %%EOF within the last 1024 bytes", () => {
    const pdf = buildPdf();
    const padded = new Uint8Array(pdf.length + 600);
    padded.set(pdf);
    padded.fill(0x0a, pdf.length);
    expect(checkPdf(padded).ok).toBe(true);
  });

  test("a 10 MB PDF, quickly (head and tail only)", () => {
    const big = buildPdf({ contentBytes: 10 * 1024 * 1024 });
    expect(big.length).toBeGreaterThan(10 * 1024 * 1024);
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect(checkPdf(big).ok).toBe(true);
    const perCheck = (performance.now() - started) / 20;
    expect(perCheck).toBeLessThan(5); // milliseconds; a full scan would be far slower
  });
});

describe("files that are refused", () => {
  test("empty input", () => {
    expect(checkPdf(new Uint8Array())).toEqual({ ok: false, refusal: "empty", reason: "The file is empty." });
  });

  test("an HTML page named .pdf", () => {
    const html = ascii("\uFEFF  <!DOCTYPE html>\n<html><body>%PDF-1.7 trailer startxref 9 %%EOF</body></html>");
    expect(checkPdf(html)).toEqual({ ok: false, refusal: "not-pdf", reason: "The file is an HTML page, not a PDF." });
  });

  test("a PNG image named .pdf", () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect(checkPdf(png)).toMatchObject({ ok: false, refusal: "not-pdf", reason: "The file is a PNG image, not a PDF." });
  });

  test("a ZIP (or .docx) named .pdf, even with a PDF inside", () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...buildPdf()]);
    const result = checkPdf(zip);
    expect(result).toMatchObject({ ok: false, refusal: "not-pdf" });
    expect(result.ok ? "" : result.reason).toContain("ZIP");
  });

  test("a JPEG and plain text", () => {
    expect(checkPdf(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toMatchObject({ reason: "The file is a JPEG image, not a PDF." });
    expect(checkPdf(ascii("Jane Doe, resume"))).toMatchObject({
      refusal: "not-pdf",
      reason: "The file is not a PDF (it does not start with %PDF-).",
    });
  });

  test("a PDF with other bytes in front of the header", () => {
    const shifted = new Uint8Array([0x20, 0x0a, ...buildPdf()]);
    expect(checkPdf(shifted)).toMatchObject({ refusal: "not-pdf", reason: "The file is a PDF with other data before its header, not a PDF." });
  });

  test("an unknown version", () => {
    expect(checkPdf(buildPdf({ version: "1.9" }))).toMatchObject({ refusal: "unsupported-version" });
    expect(checkPdf(buildPdf({ version: "3.0" }))).toMatchObject({ refusal: "unsupported-version" });
  });

  test("a truncated upload without %%EOF", () => {
    const pdf = buildPdf({ contentBytes: 5000 });
    expect(checkPdf(pdf.subarray(0, pdf.length - 40))).toMatchObject({ refusal: "missing-eof" });
    expect(checkPdf(pdf.subarray(0, Math.floor(pdf.length / 2)))).toMatchObject({ refusal: "missing-eof" });
    expect(checkPdf(ascii("%PDF-1.7\n"))).toMatchObject({ refusal: "missing-eof" });
  });

  test("%%EOF followed by more than 1024 bytes of something else", () => {
    const pdf = buildPdf();
    const junk = new Uint8Array(pdf.length + 2000);
    junk.set(pdf);
    junk.fill(0x41, pdf.length);
    expect(checkPdf(junk)).toMatchObject({ refusal: "missing-eof" });
  });

  test("no startxref, or one pointing outside the file", () => {
    const text = new TextDecoder("latin1").decode(buildPdf());
    const withoutStartxref = text.replace(/startxref\n\d+\n/, "");
    expect(checkPdf(Uint8Array.from(withoutStartxref, (c) => c.charCodeAt(0)))).toMatchObject({ refusal: "missing-startxref" });
    const outside = text.replace(/startxref\n\d+\n/, "startxref\n99999999\n");
    expect(checkPdf(Uint8Array.from(outside, (c) => c.charCodeAt(0)))).toMatchObject({ refusal: "bad-startxref" });
  });

  test("a header and a trailer with no object in between", () => {
    const hollow = ascii("%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n");
    expect(checkPdf(hollow)).toMatchObject({ refusal: "no-objects" });
  });
});
