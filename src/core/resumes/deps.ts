// What the resume services need and what they answer, shared by both faces (the
// /api/v1 facade and the edge functions). Plain values in, plain values out.
import type { Logger } from "../log.ts";
import type { Settings } from "../settings.ts";
import type { FileStorage } from "../storage/index.ts";
import type { Sql } from "../../db/client.ts";

/** A caller with a verified Supabase access token; queries run as them, under RLS. */
export type { SignedInCaller } from "../../db/client.ts";

export type ResumeSettings = Pick<Settings, "MAX_UPLOAD_BYTES" | "SIGNED_URL_TTL_SECONDS" | "PREVIEW_BASE_URL">;

export interface ResumeDeps {
  /** Logged in as the servers' role (authenticator locally); user work goes through asCaller. */
  sql: Sql;
  storage: FileStorage;
  settings: ResumeSettings;
  log: Logger;
  /**
   * Runs work that may finish after the answer (cleaning up after a failed upload).
   * The facade lets the promise run; an edge function hands it to EdgeRuntime.waitUntil.
   * Default: let it run, logging a failure.
   */
  background?: (work: Promise<unknown>) => void;
}

/** The seed's upload answer. */
export interface UploadResult {
  success: true;
  resume_id: number;
  permanent_token: string;
  preview_url: string;
  qr_code_base64: string;
}

/** One entry of the seed's my-resumes list (is_public and last_accessed_at added). */
export interface ResumeSummary {
  id: number;
  resume_name: string;
  permanent_token: string;
  preview_url: string;
  access_count: number;
  last_accessed_at: string | null;
  is_active: boolean;
  is_public: boolean;
  created_at: string;
}

/** One resume as its owner sees it. */
export interface ResumeDetail extends ResumeSummary {
  qr_code_base64: string | null;
  /** A freshly signed download link of the owner's own PDF. */
  pdf_signed_url: string;
  updated_at: string;
}

/** The seed's public fetch answer. */
export interface SharedResume {
  success: true;
  resume_id: number;
  resume_name: string;
  pdf_signed_url: string;
  permanent_token: string;
  qr_code_base64: string | null;
  access_count: number;
  last_accessed_at: string | null;
  created_at: string;
}

export interface ResumeAnalytics {
  success: true;
  resume_id: number;
  days: number;
  total_views: number;
  unique_visitors: number;
  last_accessed_at: string | null;
  views_per_day: { day: string; views: number }[];
  top_referrers: { referer: string; views: number }[];
}
