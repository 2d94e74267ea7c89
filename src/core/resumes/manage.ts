// The owner's side: list, read, change, deactivate, delete, rotate the share token,
// analytics. Every query runs as the caller (asCaller), so RLS decides: another user's
// resume is simply not there, and the answer is the same 404 as for an unknown id.
import { apiErrorFromDatabase, notFound } from "../errors.ts";
import { errorFields } from "../log.ts";
import { qrCodePngDataUrl } from "../qr.ts";
import { newPermanentToken } from "../random-tokens.ts";
import { asCaller, type Transaction } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import type { ResumeDeps, SignedInCaller } from "./deps.ts";
import type { AnalyticsBreakdown, DeletedResume, MyResumes, OwnResume, ResumeAnalytics, ResumeChanges, ResumeDetail, ResumeSummary } from "./model.ts";
import { storageFailure } from "./storage-failure.ts";
import { previewUrlOf } from "./upload.ts";

export const resumeNotFound = () => notFound("Resume not found");

/** A resume row with its stats, typed from the generated schema: a renamed column breaks the build. */
type ResumeRow = Tables<"resumes"> & Pick<Tables<"resume_stats">, "access_count" | "last_accessed_at">;

function summaryOf(row: ResumeRow, previewBaseUrl: string): ResumeSummary {
  return {
    id: row.id,
    resume_name: row.resume_name,
    permanent_token: row.permanent_token,
    preview_url: previewUrlOf(previewBaseUrl, row.permanent_token),
    access_count: Number(row.access_count ?? 0),
    last_accessed_at: row.last_accessed_at,
    is_active: row.is_active,
    is_public: row.is_public,
    created_at: row.created_at,
  };
}

/**
 * Resume rows with the seed's access_count and last_accessed_at from resume_stats; the
 * lateral subquery keeps the view's grouping to one resume at a time.
 */
function withStats(tx: Transaction, from: "resumes" | "updated") {
  const stats = tx`
    left join lateral (
      select st.access_count, st.last_accessed_at from public.resume_stats st where st.resume_id = r.id
    ) s on true`;
  return from === "resumes"
    ? tx<ResumeRow[]>`select r.*, coalesce(s.access_count, 0) as access_count, s.last_accessed_at from public.resumes r ${stats}`
    : tx<ResumeRow[]>`select r.*, coalesce(s.access_count, 0) as access_count, s.last_accessed_at from updated r ${stats}`;
}

/** The seed's my-resumes: active resumes, newest first (all of them with includeInactive). */
export async function listMyResumes(
  deps: ResumeDeps,
  caller: SignedInCaller,
  options: { includeInactive?: boolean } = {},
): Promise<MyResumes> {
  const rows = await asCaller(deps.sql, caller, (tx) => tx<ResumeRow[]>`
    ${withStats(tx, "resumes")}
     where r.user_id = ${caller.claims.sub} and (r.is_active or ${options.includeInactive ?? false})
     order by r.created_at desc, r.id desc`);
  return { success: true, resumes: rows.map((row) => summaryOf(row, deps.settings.PREVIEW_BASE_URL)) };
}

async function detailOf(deps: ResumeDeps, row: ResumeRow): Promise<ResumeDetail> {
  return {
    ...summaryOf(row, deps.settings.PREVIEW_BASE_URL),
    qr_code_base64: row.qr_code_base64,
    pdf_signed_url: await deps.storage.signedUrl(row.pdf_filename, { expiresInSeconds: deps.settings.SIGNED_URL_TTL_SECONDS }),
    updated_at: row.updated_at,
  };
}

/** One of the caller's resumes, active or not, with its QR code and a signed link to the PDF. */
export async function getResume(deps: ResumeDeps, caller: SignedInCaller, resumeId: number): Promise<OwnResume> {
  const [row] = await asCaller(deps.sql, caller, (tx) => tx<ResumeRow[]>`${withStats(tx, "resumes")} where r.id = ${resumeId}`);
  if (!row) throw resumeNotFound();
  return { success: true, resume: await detailOf(deps, row) };
}

/** Rename, toggle is_public, deactivate (the share link then 404s) or reactivate. */
export async function updateResume(
  deps: ResumeDeps,
  caller: SignedInCaller,
  resumeId: number,
  changes: ResumeChanges,
): Promise<OwnResume> {
  const values = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  const columns = Object.keys(values);
  let row: ResumeRow | undefined;
  try {
    [row] = await asCaller(deps.sql, caller, (tx) => tx<ResumeRow[]>`
      with updated as (
        update public.resumes set ${tx(values, columns)} where id = ${resumeId} returning *
      )
      ${withStats(tx, "updated")}`);
  } catch (error) {
    throw apiErrorFromDatabase(error) ?? error;
  }
  if (!row) throw resumeNotFound();
  return { success: true, resume: await detailOf(deps, row) };
}

/**
 * A new share token and QR code: the old link (and every copy of the old QR code)
 * stops working at once.
 */
export async function rotateShareToken(
  deps: ResumeDeps,
  caller: SignedInCaller,
  resumeId: number,
): Promise<{ success: true; resume_id: number; permanent_token: string; preview_url: string; qr_code_base64: string }> {
  const permanentToken = newPermanentToken();
  const previewUrl = previewUrlOf(deps.settings.PREVIEW_BASE_URL, permanentToken);
  const qrCode = await qrCodePngDataUrl(previewUrl);
  // No API role may write the token: the servers' own function does, for the caller's
  // verified sub and session (null when the caller has no such resume).
  const [row] = await deps.sql`
    select private.rotate_resume_share_token(
      owner_id => ${caller.claims.sub}::uuid, owner_session_id => ${caller.claims.session_id ?? null}::uuid,
      target_resume_id => ${resumeId}::bigint, share_token => ${permanentToken}, qr_code => ${qrCode}) as id`.catch((error) => {
    throw apiErrorFromDatabase(error) ?? error;
  });
  if (row?.id == null) throw resumeNotFound();
  return { success: true, resume_id: resumeId, permanent_token: permanentToken, preview_url: previewUrl, qr_code_base64: qrCode };
}

/**
 * Deletes the row (its views and access log go with it) and the stored PDF, all or
 * nothing: the row is deleted inside the caller's transaction, the file is deleted,
 * and only then is the transaction committed. If the storage fails, the transaction
 * rolls back and the resume is still there, whole; ask again later.
 *
 * The applications made with it stay (the database withdraws the open ones and keeps
 * every record without the file: 20261203300100). Deleting the row also queues its
 * files (the PDF and the thumbnail) in private.stored_file_deletions, for any path that
 * deletes a resume without its files (an account erasure, the dashboard). Here the PDF
 * is already gone, so its entry is cleared once the transaction committed; the
 * thumbnail is deleted then, and if the storage fails it stays queued for the worker
 * (without its row nothing signs a URL for it any more). If clearing fails, the worker
 * deletes the file again, which Bunny answers 404, and clears it.
 */
export async function deleteResume(
  deps: ResumeDeps,
  caller: SignedInCaller,
  resumeId: number,
): Promise<DeletedResume> {
  const row = await asCaller(deps.sql, caller, async (tx) => {
    const [deleted] = await tx<Pick<Tables<"resumes">, "pdf_filename" | "thumbnail_key">[]>`delete from public.resumes where id = ${resumeId} returning pdf_filename, thumbnail_key`;
    if (!deleted) throw resumeNotFound();
    try {
      await deps.storage.delete(deleted.pdf_filename);
    } catch (error) {
      throw storageFailure(error, "delete", deps);
    }
    return deleted;
  });
  const cleared = (key: string) => deps.sql`select private.record_stored_file_deletion(${key}, null, 0)`.catch(() => {});
  await cleared(row.pdf_filename);
  if (row.thumbnail_key) {
    try {
      await deps.thumbnails.delete(row.thumbnail_key);
      await cleared(row.thumbnail_key);
    } catch (error) {
      deps.log.warn("could not delete a deleted resume's thumbnail; the worker tries again", { key: row.thumbnail_key, ...errorFields(error) });
    }
  }
  return { success: true, resume_id: resumeId, message: "Resume deleted" };
}

/** Inside jsonb a timestamp is Postgres' text form; answer it as the rows are (UTC ISO 8601). */
const isoOrNull = (value: unknown) => (value == null ? null : new Date(String(value)).toISOString());

type Tally = { human_views: unknown; unique_visitors: unknown; bot_previews: unknown; owner_views: unknown };
const tallyOf = (entry: Tally) => ({
  human_views: Number(entry.human_views),
  unique_visitors: Number(entry.unique_visitors),
  bot_previews: Number(entry.bot_previews),
  owner_views: Number(entry.owner_views),
});
const perDayOf = (entries: unknown) => ((entries as (Tally & { day: unknown })[]) ?? []).map((entry) => ({ day: String(entry.day), ...tallyOf(entry) }));

/** The breakdown public.resume_analytics builds (20261206000300_clean_resume_views.sql), typed. */
function breakdownOf(raw: Record<string, unknown>): AnalyticsBreakdown {
  const links = (raw.links as (Tally & { link_id: unknown; label: unknown; revoked_at: unknown; last_viewed_at: unknown; per_day: unknown })[]) ?? [];
  return {
    human_views: Number(raw.human_views ?? 0),
    unique_visitors: Number(raw.unique_visitors ?? 0),
    repeat_views: Number(raw.repeat_views ?? 0),
    bot_previews: Number(raw.bot_previews ?? 0),
    owner_views: Number(raw.owner_views ?? 0),
    per_day: perDayOf(raw.per_day),
    links: links.map((link) => ({
      link_id: link.link_id == null ? null : Number(link.link_id),
      label: link.label == null ? null : String(link.label),
      revoked_at: isoOrNull(link.revoked_at),
      ...tallyOf(link),
      last_viewed_at: isoOrNull(link.last_viewed_at),
      per_day: perDayOf(link.per_day),
    })),
    top_referrers: ((raw.top_referrers as { referer: unknown; views: unknown }[]) ?? []).map((entry) => ({ referer: String(entry.referer), views: Number(entry.views) })),
  };
}

/**
 * Views of one of the caller's resumes over the last `days` days; with `breakdown`, also
 * per day and per link, by kind of view.
 */
export async function resumeAnalytics(
  deps: ResumeDeps,
  caller: SignedInCaller,
  resumeId: number,
  days: number,
  options: { breakdown?: boolean } = {},
): Promise<ResumeAnalytics> {
  const [row] = await asCaller(deps.sql, caller, (tx) => tx`select public.resume_analytics(${resumeId}, ${days}) as analytics`);
  // jsonb, built by the function (see 20261125001000_shared_resume_fetch.sql).
  const analytics = row?.analytics as Record<string, unknown> | null | undefined;
  if (!analytics) throw resumeNotFound();
  return {
    success: true,
    resume_id: resumeId,
    days,
    total_views: Number(analytics.total_views ?? 0),
    unique_visitors: Number(analytics.unique_visitors ?? 0),
    last_accessed_at: isoOrNull(analytics.last_accessed_at),
    views_per_day: ((analytics.views_per_day as { day: unknown; views: unknown }[]) ?? []).map((entry) => ({ day: String(entry.day), views: Number(entry.views) })),
    top_referrers: ((analytics.top_referrers as { referer: unknown; views: unknown }[]) ?? []).map((entry) => ({ referer: String(entry.referer), views: Number(entry.views) })),
    ...(options.breakdown ? { breakdown: breakdownOf((analytics.breakdown as Record<string, unknown>) ?? {}) } : {}),
  };
}
