// The rules for what owners send: resume names, the is_public flag, changes to a
// resume, analytics windows. Declared once, with zod, so the facade can document them
// (OpenAPI) with the very schemas the services check with.
import { z } from "zod";
import { ApiError, invalidRequest } from "./errors.ts";

/** C0, DEL and C1 control characters (tabs and newlines included): never in a name. */
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Trimmed, 1 to 255 characters (resumes.resume_name is varchar(255)), no control characters. */
export const ResumeName = z
  .string()
  .trim()
  .min(1, "Must not be empty")
  .max(255, "Must be at most 255 characters")
  .refine((value) => !CONTROL_CHARACTERS.test(value), "Must not contain control characters");

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

/**
 * A form field's boolean, read as FastAPI (the seed) reads one: true/false, 1/0,
 * yes/no, on/off in any case. Absent means the seed's default, false.
 */
export const FormBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value), "Must be true or false")
  .transform((value) => TRUE_WORDS.has(value));

/** PATCH /resumes/{id}: any of the owner-editable fields, at least one. */
export const ResumeChanges = z
  .object({
    resume_name: ResumeName.optional(),
    is_public: z.boolean().optional(),
    is_active: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), "Nothing to change: send resume_name, is_public or is_active");
export type ResumeChanges = z.infer<typeof ResumeChanges>;

/** Resume ids are bigint identities; anything else is a 404 before any query. */
export const ResumeId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Analytics window in days: 1 to 365, default 30. */
export const AnalyticsDays = z.coerce.number().int().min(1).max(365).default(30);

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
