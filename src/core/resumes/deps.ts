// What the resume services need, shared by both faces (the /api/v1 facade and the edge
// functions). What they answer is declared in model.ts.
import type { JwtVerifier } from "../../auth/index.ts";
import type { Logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import type { FileStorage } from "../storage/index.ts";
import type { Sql } from "../../db/client.ts";

/** A caller with a verified Supabase access token; queries run as them, under RLS. */
export type { SignedInCaller } from "../../db/client.ts";

export type ResumeSettings = Pick<
  Settings,
  "SIGNED_URL_TTL_SECONDS" | "PREVIEW_BASE_URL" | "RESUME_THUMBNAILS" | "MAX_RESUMES_PER_USER" | "MAX_RESUME_BYTES_PER_USER" | "UPLOADS_PER_HOUR_PER_USER"
>;

export interface ResumeDeps {
  /** Logged in as the servers' role (authenticator locally); user work goes through asCaller. */
  sql: Sql;
  storage: FileStorage;
  /** Where the first-page thumbnails live: the same zone, BUNNY_THUMBNAIL_FOLDER (thumbnail.ts). */
  thumbnails: FileStorage;
  /**
   * Verifies a bearer token sent with a public fetch, to tell the owner's own views
   * apart. Without it (or when the token does not verify) no view is the owner's.
   */
  verifier?: Pick<JwtVerifier, "verifyAccessToken">;
  settings: ResumeSettings;
  log: Logger;
  /**
   * Runs work that may finish after the answer (cleaning up after a failed upload).
   * The facade lets the promise run; an edge function hands it to EdgeRuntime.waitUntil.
   * Default: let it run, logging a failure.
   */
  background?: (work: Promise<unknown>) => void;
}
