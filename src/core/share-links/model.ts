// Share links of a resume (issue 13): what owners send and what they get back, declared
// once with zod for both the validation and the OpenAPI document. The database holds the
// same rules (migration 20261206000100_resume_share_links.sql) for supabase-js callers.
import { z } from "zod";
import { text } from "../validation.ts";

/** The owner's name for the link: trimmed, 1 to 200 characters, no control characters. */
export const LinkLabel = text(200);

/** An ISO 8601 time with its offset, in the future. */
const FutureTime = z.iso
  .datetime({ offset: true, message: "Must be an ISO 8601 date-time with its offset (2027-01-31T18:00:00Z)" })
  .refine((value) => Date.parse(value) > Date.now(), "Must be in the future");

/** Counted views the link serves, 1 (a one-time link) or more. */
const ViewLimit = z.number({ message: "Must be a whole number of at least 1" }).int("Must be a whole number of at least 1").min(1, "Must be at least 1").max(1_000_000, "Must be at most 1000000");

/** What the viewer must type; bcrypt reads at most 72 bytes. */
const LinkPassword = z
  .string()
  .refine((value) => value.length >= 4, "Must be at least 4 characters")
  .refine((value) => new TextEncoder().encode(value).byteLength <= 72, "Must be at most 72 bytes");

export const CreateLinkBody = z
  .object({
    label: LinkLabel,
    expires_at: FutureTime.nullable().optional().describe("After this the link answers 404; must be in the future"),
    view_limit: ViewLimit.nullable().optional().describe("Counted views the link serves (1: a one-time link); bots and the owner do not use it up"),
    password: LinkPassword.nullable().optional().describe("The viewer must give it (previewcv.com passes X-Link-Password); stored as a bcrypt hash"),
    require_viewer_email: z.boolean().optional().describe("The viewer must give an email (X-Viewer-Email), logged with the view for 90 days"),
  })
  .strict();
export type CreateLinkBody = z.infer<typeof CreateLinkBody>;

/** PATCH: any of the fields, at least one; null clears expires_at, view_limit or password. */
export const UpdateLinkBody = z
  .object({
    label: LinkLabel.optional(),
    expires_at: FutureTime.nullable().optional(),
    view_limit: ViewLimit.nullable().optional(),
    password: LinkPassword.nullable().optional(),
    require_viewer_email: z.boolean().optional(),
  })
  .strict()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), "Nothing to change: send label, expires_at, view_limit, password or require_viewer_email");
export type UpdateLinkBody = z.infer<typeof UpdateLinkBody>;

export const LinkState = z.enum(["active", "expired", "exhausted", "revoked"]);

export const ShareLink = z.object({
  id: z.number(),
  resume_id: z.number(),
  label: z.string(),
  token: z.string().describe("The link's own secret token (43 base64url characters)"),
  preview_url: z.string().describe("https://previewcv.com/r/{token}"),
  expires_at: z.string().nullable(),
  view_limit: z.number().nullable(),
  views_used: z.number().describe("Counted views served against view_limit (kept for links with a limit)"),
  has_password: z.boolean(),
  require_viewer_email: z.boolean(),
  revoked_at: z.string().nullable(),
  state: LinkState.describe("active, or why the link answers 404: expired, exhausted (view limit used up), revoked"),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ShareLink = z.infer<typeof ShareLink>;

export const ShareLinkResponse = z.object({ success: z.literal(true), link: ShareLink });
export type ShareLinkResponse = z.infer<typeof ShareLinkResponse>;

export const ShareLinksResponse = z.object({ success: z.literal(true), resume_id: z.number(), links: z.array(ShareLink) });
export type ShareLinksResponse = z.infer<typeof ShareLinksResponse>;
