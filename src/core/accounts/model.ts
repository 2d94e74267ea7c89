// Request and response shapes of /api/v1/auth: the seed's, declared once. The same
// schemas validate requests and document them (OpenAPI at /docs).
import { z } from "zod";

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

const noControlCharacters = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

export const PersonName = z
  .string()
  .trim()
  .min(1, "Must not be empty")
  .max(255)
  .refine(noControlCharacters, "Must not contain control characters");

export const UserType = z.enum(["candidate", "recruiter"]);

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

const optionalText = (max: number) => z.string().trim().max(max).refine(noControlCharacters, "Must not contain control characters").optional();
const optionalUrl = (max: number) =>
  z.string().trim().max(max).pipe(z.url({ protocol: /^https?$/, message: "Must be an http(s) URL" })).optional();

/** The seed's RecruiterProfileCreate; also the body of PUT /recruiters/profile. */
export const RecruiterProfileFields = z.object({
  username: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,99}$/, "3-100 letters, digits, - or _, starting with a letter or digit"),
  recruiter_type: z.enum(["company", "individual"]),
  company_name: optionalText(255),
  company_website: optionalUrl(500),
  company_size: optionalText(50),
  industry: optionalText(100),
  full_name: optionalText(255),
  specialization: optionalText(255),
  years_experience: z.number().int().min(0).max(80).optional(),
  bio: z.string().trim().max(5000).optional(),
  phone: z.string().trim().max(50).regex(/^[0-9+()\-. ]*$/, "Digits, spaces and + ( ) - . only").optional(),
  location: optionalText(255),
  linkedin_url: optionalUrl(500),
  logo_url: optionalUrl(1000),
});

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

export const LoginBody = z.object({
  email: Email,
  // Not the strength rules: an old account may predate them.
  password: z.string().min(1, "Password is required").max(1024),
});

export const RefreshBody = z.object({
  refresh_token: z.string().min(1).max(1024),
});

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

export const MeResponse = z.object({
  success: z.literal(true),
  user: SessionUser.extend({
    is_active: z.boolean(),
    is_verified: z.boolean(),
    last_login: z.string().nullable(),
    created_at: z.string(),
  }),
});
