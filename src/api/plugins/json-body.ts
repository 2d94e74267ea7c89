// JSON bodies with a size limit. Every JSON endpoint takes a few small fields, so a
// body past 64 KiB is refused (413) while it streams, before it is buffered or parsed;
// uploads are multipart and read by their route with their own limit.
import { Elysia } from "elysia";
import { BodyReadError, readBodyWithLimit } from "../../core/body.ts";
import { badRequest, payloadTooLarge } from "../../core/errors.ts";

export const maxJsonBodyBytes = 64 * 1024;

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
