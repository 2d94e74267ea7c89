// Input rules of Supabase Auth: email format, password strength, request bodies.
import { badRequest, GoTrueHttpError, WeakPasswordError } from "./errors.ts";

/** GoTrue's request body limit (limitRequestBody(1 << 20)). */
export const maxBodyBytes = 1 << 20;

/** The nil uuid, which GoTrue treats as "no session" in a session_id claim. */
export const nilUuid = "00000000-0000-0000-0000-000000000000";

// bcrypt only looks at the first 72 bytes, so GoTrue refuses longer passwords (api/password.go).
export const maxPasswordBytes = 72;

// GoTrue's validator (badoux/checkmail's format check).
const emailFormat =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const utf8 = new TextEncoder();
/** Go's len(string): bytes, not characters, which is what GoTrue's limits count. */
export const byteLength = (value: string) => utf8.encode(value).length;

/**
 * The email as stored: trimmed and lower-cased. GoTrue lower-cases; trimming is ours, so
 * a pasted " Ann@Example.com " is one account, not a format error.
 */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized === "") throw badRequest("validation_failed", "An email address is required");
  if (normalized.length > 255) throw badRequest("validation_failed", "An email address is too long");
  if (!emailFormat.test(normalized)) throw badRequest("validation_failed", "Unable to validate email address: invalid format");
  return normalized;
}

/** GoTrue's checkPasswordStrength with its local settings (length only; no HIBP here). */
export function checkPasswordStrength(password: string, minimumLength: number): void {
  // Postgres text cannot hold NUL, and no real password contains one.
  if (password.includes("\u0000")) throw badRequest("validation_failed", "Password contains a character that is not allowed");
  if (byteLength(password) > maxPasswordBytes) {
    throw badRequest("validation_failed", `Password cannot be longer than ${maxPasswordBytes} characters`);
  }
  if (byteLength(password) < minimumLength) {
    throw new WeakPasswordError(`Password should be at least ${minimumLength} characters.`, ["length"]);
  }
}

/** The request body as a JSON object (GoTrue answers bad_json otherwise). */
export async function readJsonObject(request: Request, maxBytes = maxBodyBytes): Promise<Record<string, unknown>> {
  const tooLarge = () => new GoTrueHttpError(413, "request_entity_too_large", `Request body too large (max ${maxBytes} bytes)`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > maxBytes) throw tooLarge();
  const text = new TextDecoder().decode(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === "" ? "unexpected end of JSON input" : error instanceof Error ? error.message : "invalid JSON";
    throw badRequest("bad_json", `Could not parse request body as JSON: ${detail}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("bad_json", "Could not parse request body as JSON: the body is not a JSON object");
  }
  return parsed as Record<string, unknown>;
}

/** The body as a JSON object, or {} when there is none (the admin API's DELETE). */
export async function readOptionalJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.clone().text();
  return text.trim() === "" ? {} : readJsonObject(request);
}

/** A string field of a body ("" when absent or null, as Go's zero value), or bad_json. */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw badRequest("bad_json", `Could not parse request body as JSON: ${name} is not a string`);
  return value;
}

/** An object field of a body (undefined when absent or null), or bad_json. */
export function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest("bad_json", `Could not parse request body as JSON: ${name} is not an object`);
  return value as Record<string, unknown>;
}

export function booleanField(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw badRequest("bad_json", `Could not parse request body as JSON: ${name} is not a boolean`);
  return value;
}

const maxGoDurationMs = 9_223_372_036_854.775;
const goDurationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string ("24h", "1h30m", "90s"), as ban_duration takes; undefined if invalid. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (!match && text !== "0") return undefined;
  if (text === "0") return 0;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * (goDurationUnits[unit as string] ?? 0);
  }
  // Go's durations are int64 nanoseconds (about 292 years); longer ones do not parse.
  if (total > maxGoDurationMs) return undefined;
  return text.startsWith("-") ? -total : total;
}
