// A real one-page PDF for tests, with a correct cross-reference table, so it passes
// the structural check (src/core/pdf.ts) as a real upload would.

export interface PdfOptions {
  /** Header version, e.g. "1.7" (default) or "2.0". */
  version?: string;
  /** Text on the page (makes files distinguishable). */
  text?: string;
  /** Pads the page stream by this many bytes. */
  contentBytes?: number;
  /** Pads the page stream so the whole file is exactly this long. */
  totalBytes?: number;
}

export function buildPdf(options: PdfOptions = {}): Uint8Array<ArrayBuffer> {
  const build = (padding: number) => {
    const content = `BT /F1 24 Tf 72 720 Td (${options.text ?? "Jane Doe - Resume"}) Tj ET\n` + "%".repeat(padding);
    const objects = [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ];
    let body = `%PDF-${options.version ?? "1.7"}\n%\u00e2\u00e3\u00cf\u00d3\n`;
    const offsets: number[] = [];
    objects.forEach((object, index) => {
      offsets.push(body.length);
      body += `${index + 1} 0 obj\n${object}\nendobj\n`;
    });
    const xrefOffset = body.length;
    body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
    body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    return body;
  };

  let padding = options.contentBytes ?? 0;
  let text = build(padding);
  if (options.totalBytes !== undefined) {
    // The /Length digits move with the padding; a few rounds settle it.
    for (let round = 0; round < 5 && text.length !== options.totalBytes; round++) {
      padding += options.totalBytes - text.length;
      if (padding < 0) throw new Error(`A PDF cannot be as small as ${options.totalBytes} bytes`);
      text = build(padding);
    }
    if (text.length !== options.totalBytes) throw new Error(`Could not build a PDF of exactly ${options.totalBytes} bytes`);
  }
  // One byte per character (the header's binary comment is latin1).
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}
