// JSON request bodies, declared once per route: `...jsonBody(Schema)` in a route's
// options gives it the schema that validates and documents the body and the
// size-limited parser that reads it (documented() in docs.ts adds the refusals reading
// can answer: 400, 413, 422).
//
// The parser reads the body while it streams and refuses it (413) as soon as it passes
// maxJsonBodyBytes, before anything is buffered whole or parsed. A body in another media
// type is read the same way and handed to validation as text, which refuses it (422), as
// the seed's FastAPI did: these routes take JSON only. Uploads are multipart and read by
// their own route, with their own limit (src/core/resumes/upload-form.ts).
import type { z } from "zod";
import { BodyReadError, readBodyWithLimit } from "../../core/body.ts";
import { badRequest, payloadTooLarge } from "../../core/errors.ts";
import { maxJsonBodyBytes } from "../../core/settings.ts";

const jsonMediaType = /^application\/(.+\+)?json\b/i;

/** The body of a JSON route, at most maxJsonBodyBytes: parsed JSON, the text of another media type, or null for none. */
export async function readJsonBody({ request }: { request: Request }): Promise<unknown> {
  const isJson = jsonMediaType.test(request.headers.get("content-type") ?? "");
  if (!isJson && !request.body) return null;
  let bytes: Uint8Array;
  try {
    bytes = await readBodyWithLimit(request, maxJsonBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    if (error.kind === "too-large") throw payloadTooLarge(`The request body is larger than ${maxJsonBodyBytes} bytes`);
    throw badRequest("Malformed request body");
  }
  const text = new TextDecoder().decode(bytes);
  if (!isJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("Malformed JSON body");
  }
}

/**
 * A route's JSON body, spread into the route's options. The parser always answers (a
 * value or a refusal), so the "application/json" after it never runs: it declares the
 * media type, which is how the OpenAPI document learns that the body is JSON.
 */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { body: schema, parse: [readJsonBody, "application/json"] as [typeof readJsonBody, "application/json"] };
}

/** True for the options of a route that takes its body through jsonBody(). */
export function takesJsonBody(options: { parse?: unknown }): boolean {
  return Array.isArray(options.parse) && options.parse[0] === readJsonBody;
}
