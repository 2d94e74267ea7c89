// JSON bodies with a size limit. The largest JSON body is a job posting (description
// and requirements of up to 20,000 characters each, up to 4 bytes a character), so a
// body past 256 KiB is refused (413) while it streams, before it is buffered or
// parsed; uploads are multipart and read by their route with their own limit.
import { Elysia } from "elysia";
import { BodyReadError, readBodyWithLimit } from "../../core/body.ts";
import { badRequest, payloadTooLarge } from "../../core/errors.ts";

export const maxJsonBodyBytes = 256 * 1024;

export function jsonBodyPlugin() {
  return new Elysia({ name: "json-body" }).onParse({ as: "global" }, async ({ request, contentType }) => {
    if (!/^application\/(.+\+)?json\b/i.test(contentType ?? "")) return; // not ours: Elysia's own parsers
    let chunks: Uint8Array<ArrayBuffer>[];
    try {
      chunks = await readBodyWithLimit(request, maxJsonBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyReadError)) throw error;
      if (error.kind === "too-large") throw payloadTooLarge(`The request body is larger than ${maxJsonBodyBytes} bytes`);
      throw badRequest("Malformed request body");
    }
    try {
      return JSON.parse(await new Blob(chunks).text());
    } catch {
      throw badRequest("Malformed JSON body");
    }
  });
}
