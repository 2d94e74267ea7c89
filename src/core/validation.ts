// The rules every resource's requests share, declared once with zod so that both faces
// check with them and the facade documents them (OpenAPI) with the very same schemas:
// row ids, user ids, text without control characters, and the seed's 422 made from
// zod's problems. Each resource's own rules live in src/core/<resource>/model.ts.
import { z } from "zod";
import { type ApiError, invalidRequest } from "./errors.ts";

/** C0 controls, DEL and C1 controls (U+0000-U+001F, U+007F-U+009F): never in a single-line field. */
const controlCharacter = /\p{Cc}/u;
/** The same except tab, line feed and carriage return, which a multi-line field keeps. */
const controlCharacterBesidesLineBreaks = /(?![\t\n\r])\p{Cc}/u;

export const controlCharactersMessage = "Must not contain control characters";

/**
 * True when `value` holds no control character. NUL cannot be stored in Postgres text
 * at all, and the others are noise in a name or a title; multi-line fields keep tab,
 * line feed and carriage return.
 */
export function hasNoControlCharacters(value: string, options: { multiline?: boolean } = {}): boolean {
  return !(options.multiline ? controlCharacterBesidesLineBreaks : controlCharacter).test(value);
}

const rowIdMessage = "Must be a positive integer";

/**
 * A row id (the tables' bigint identities) in a JSON body: a whole number from 1 to
 * 2^53 - 1, the integers a JS number holds exactly (ids stay far below that).
 */
export const RowId = z.number({ message: rowIdMessage }).int(rowIdMessage).min(1, rowIdMessage).max(Number.MAX_SAFE_INTEGER, rowIdMessage);

/**
 * A row id in a URL path: its decimal digits and nothing else. "16" is row 16; "0x10",
 * "1e3", " 1", "01", "1.0" and "-1" are no id at all (a 422, whatever the route).
 */
export const RowIdText = z.string().regex(/^[1-9][0-9]{0,15}$/, rowIdMessage).transform(Number).pipe(RowId);

/**
 * Required text as the tables store it: trimmed, not empty, at most `max` characters
 * counted as Postgres counts varchar(n) and char_length (code points: "🚀" is one
 * character, although it is two UTF-16 units in JS), no control characters.
 */
export function text(max: number, options: { multiline?: boolean } = {}) {
  return z
    .string()
    .trim()
    .min(1, "Must not be empty")
    .refine((value) => Array.from(value).length <= max, `Must be at most ${max} characters`)
    .refine((value) => hasNoControlCharacters(value, options), controlCharactersMessage);
}

/** Optional text where "" (after trimming) means "none", stored as null. */
export function optionalText(max: number, options: { multiline?: boolean } = {}) {
  return z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? null : value),
    text(max, options).nullable().optional(),
  );
}

/** The API's page sizes: `limit` above the cap is served at the cap (the seed had none). */
export const listLimits = { defaultLimit: 20, maxLimit: 100, maxOffset: 10_000 } as const;

/** A query value the client left empty ("?job_type=") is no filter, as in the seed. */
export function emptyAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

/** A whole number in a query string, digits only. */
export const wholeNumber = (name: string) => z.string().regex(/^[0-9]{1,9}$/, `${name} must be a whole number`).transform(Number);

/** `limit` of a list: at least 1; more than the cap is served at the cap. */
export const pageLimit = (max: number) =>
  emptyAsAbsent(wholeNumber("limit").refine((value) => value >= 1, "limit must be at least 1").transform((value) => Math.min(value, max)));
export const PageLimit = pageLimit(listLimits.maxLimit);

/** `limit` and `offset`, the seed's paging. */
export const PageQuery = z.object({ limit: PageLimit, offset: emptyAsAbsent(wholeNumber("offset")) });
export type PageQuery = z.infer<typeof PageQuery>;

/** A user id (auth.users.id), in any letter case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** zod's problems as the seed's 422 (FastAPI's `detail` + one `errors` entry per problem). */
export function validationError(where: string, error: z.ZodError): ApiError {
  return invalidRequest(
    error.issues.map((issue) => ({ loc: [where, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))], msg: issue.message })),
    where,
  );
}

/** Parses `value` with `schema` or throws the seed's 422 naming `where` (body, query...). */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(where, parsed.error);
  return parsed.data;
}
