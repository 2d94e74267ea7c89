// Request and response shapes of accounts (/api/v1/auth): the seed's, declared once. The
// same schemas validate requests, type what the service answers and document both
// (OpenAPI at /docs).
import { z } from "zod";
import { Constants } from "../../db/database.types.ts";
import { RecruiterProfileFields } from "../recruiters/model.ts";
import { controlCharactersMessage, hasNoControlCharacters } from "../validation.ts";

/** Trimmed and lower-cased before it is checked, as Supabase Auth stores it. */
export const Email = z.string().trim().toLowerCase().max(255).pipe(z.email({ message: "Not a valid email address" }));

/**
 * At least 8 characters with a letter and a digit (config.toml's password rules), at
 * most 72 bytes: bcrypt ignores anything longer, so a longer password would be a lie.
 */
export const Password = z
  .string()
  .min(8, "Password must be at least 8 characters")
  .refine((value) => new TextEncoder().encode(value).length <= 72, "Password must be at most 72 bytes")
  .refine((value) => /\p{L}/u.test(value) && /\p{N}/u.test(value), "Password must contain a letter and a digit");

export const PersonName = z
  .string()
  .trim()
  .min(1, "Must not be empty")
  .max(255)
  .refine((value) => hasNoControlCharacters(value), controlCharactersMessage);

/** The database's enum public.user_type, as generated. */
export const UserType = z.enum(Constants.public.Enums.user_type);

export const RegisterBody = z.object({
  email: Email,
  password: Password,
  full_name: PersonName,
  user_type: UserType.default("candidate"),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const RegisterResponse = z.object({
  success: z.literal(true),
  user_id: z.uuid(),
  email: z.string(),
  message: z.string(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const RegisterRecruiterBody = z.object({
  email: Email,
  password: Password,
  full_name: PersonName,
  user_type: z.literal("recruiter", { message: "user_type must be recruiter" }).default("recruiter"),
  recruiter_profile: RecruiterProfileFields.refine(
    (profile) => profile.recruiter_type !== "company" || Boolean(profile.company_name),
    { message: "A company profile needs company_name", path: ["company_name"] },
  ),
});
export type RegisterRecruiterBody = z.infer<typeof RegisterRecruiterBody>;

export const RegisterRecruiterResponse = z.object({
  success: z.literal(true),
  user_id: z.uuid(),
  profile_id: z.number(),
  username: z.string(),
  public_profile_url: z.string(),
  message: z.string(),
});
export type RegisterRecruiterResponse = z.infer<typeof RegisterRecruiterResponse>;

export const LoginBody = z.object({
  email: Email,
  // Not the strength rules: an old account may predate them.
  password: z.string().min(1, "Password is required").max(1024),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({
  refresh_token: z.string().min(1).max(1024),
});
export type RefreshBody = z.infer<typeof RefreshBody>;

export const SessionUser = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  full_name: z.string().nullable(),
  user_type: UserType,
});

export const SessionResponse = z.object({
  success: z.literal(true),
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number(),
  expires_at: z.number(),
  refresh_token: z.string(),
  user: SessionUser,
});
export type SessionResponse = z.infer<typeof SessionResponse>;

export const LogoutResponse = z.object({ success: z.literal(true), message: z.string() });
export type LogoutResponse = z.infer<typeof LogoutResponse>;

export const MeResponse = z.object({
  success: z.literal(true),
  user: SessionUser.extend({
    is_active: z.boolean(),
    is_verified: z.boolean(),
    last_login: z.string().nullable(),
    created_at: z.string(),
  }),
});
export type MeResponse = z.infer<typeof MeResponse>;
