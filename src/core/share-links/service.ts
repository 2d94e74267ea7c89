// Share links of a resume: the owner lists, creates, changes, rotates and revokes them.
// Every statement runs as the caller (asCaller), so the table's policies decide exactly
// as they do for supabase-js: another user's resume or link is not there (404, the same
// answer as an unknown id). The token is made by the database, the password hashed by
// public.set_resume_share_link_password, the rotation done by
// public.rotate_resume_share_link: the same functions supabase-js calls.
import { apiErrorFromDatabase, conflict, notFound } from "../errors.ts";
import { resumeNotFound } from "../resumes/manage.ts";
import { previewUrlOf } from "../resumes/upload.ts";
import { asCaller, type SignedInCaller, type Sql, type Transaction } from "../../db/client.ts";
import type { Tables } from "../../db/database.types.ts";
import type { CreateLinkBody, ShareLink, ShareLinkResponse, ShareLinksResponse, UpdateLinkBody } from "./model.ts";

export interface ShareLinkDeps {
  sql: Sql;
  settings: { PREVIEW_BASE_URL: string };
}

type LinkRow = Omit<Tables<"resume_share_links">, "password_hash">;

/** Every column the API roles may read (password_hash is not one). */
const linkColumns = "id, resume_id, token, label, expires_at, view_limit, views_used, has_password, require_viewer_email, revoked_at, created_at, updated_at";

export const shareLinkNotFound = () => notFound("Share link not found");
/** The database says the same (PT409, private.check_share_link) to supabase-js callers. */
export const shareLinkRevoked = () => conflict("The link is revoked and can no longer change");

function linkOf(row: LinkRow, previewBaseUrl: string): ShareLink {
  const state = row.revoked_at
    ? "revoked"
    : row.expires_at && Date.parse(row.expires_at) <= Date.now()
      ? "expired"
      : row.view_limit != null && row.views_used >= row.view_limit
        ? "exhausted"
        : "active";
  return {
    id: row.id,
    resume_id: row.resume_id,
    label: row.label,
    token: row.token,
    preview_url: previewUrlOf(previewBaseUrl, row.token),
    expires_at: row.expires_at,
    view_limit: row.view_limit,
    views_used: row.views_used,
    has_password: Boolean(row.has_password),
    require_viewer_email: row.require_viewer_email,
    revoked_at: row.revoked_at,
    state,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function createShareLinkService(deps: ShareLinkDeps) {
  const { sql } = deps;
  const answer = (row: LinkRow): ShareLinkResponse => ({ success: true, link: linkOf(row, deps.settings.PREVIEW_BASE_URL) });

  /** Runs `work` as the caller; a database refusal becomes its HTTP answer (PT409 a 409, 22023 a 400). */
  async function asOwner<T>(caller: SignedInCaller, work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await asCaller(sql, caller, work);
    } catch (error) {
      throw apiErrorFromDatabase(error) ?? error;
    }
  }

  const ownResume = async (tx: Transaction, resumeId: number) => {
    const [resume] = await tx`select id from public.resumes where id = ${resumeId}`;
    if (!resume) throw resumeNotFound();
  };

  const readLink = async (tx: Transaction, resumeId: number, linkId: number) => {
    const [row] = await tx<LinkRow[]>`select ${tx.unsafe(linkColumns)} from public.resume_share_links where id = ${linkId} and resume_id = ${resumeId}`;
    return row;
  };

  /** The link as it is: 404 unless it is one of this resume's, and the caller's. */
  const existingLink = async (tx: Transaction, resumeId: number, linkId: number) => {
    const row = await readLink(tx, resumeId, linkId);
    if (!row) throw shareLinkNotFound();
    return row;
  };

  /** The link, which must be live to change: a revoked link is final (409). */
  const liveLink = async (tx: Transaction, resumeId: number, linkId: number) => {
    const row = await existingLink(tx, resumeId, linkId);
    if (row.revoked_at) throw shareLinkRevoked();
    return row;
  };

  /** The password: set (a string), cleared (null) or left (undefined), by the database's function. */
  const setPassword = async (tx: Transaction, linkId: number, password: string | null | undefined) => {
    if (password === undefined) return;
    await tx`select public.set_resume_share_link_password(${linkId}, ${password})`;
  };

  return {
    async list(caller: SignedInCaller, resumeId: number): Promise<ShareLinksResponse> {
      const rows = await asOwner(caller, async (tx) => {
        await ownResume(tx, resumeId);
        return tx<LinkRow[]>`select ${tx.unsafe(linkColumns)} from public.resume_share_links where resume_id = ${resumeId} order by created_at desc, id desc`;
      });
      return { success: true, resume_id: resumeId, links: rows.map((row) => linkOf(row, deps.settings.PREVIEW_BASE_URL)) };
    },

    async create(caller: SignedInCaller, resumeId: number, body: CreateLinkBody): Promise<ShareLinkResponse> {
      const row = await asOwner(caller, async (tx) => {
        await ownResume(tx, resumeId);
        const [created] = await tx<{ id: number }[]>`
          insert into public.resume_share_links (resume_id, label, expires_at, view_limit, require_viewer_email)
          values (${resumeId}, ${body.label}, ${body.expires_at ?? null}, ${body.view_limit ?? null}, ${body.require_viewer_email ?? false})
          returning id`;
        await setPassword(tx, created!.id, body.password ?? undefined);
        return readLink(tx, resumeId, created!.id);
      });
      return answer(row!);
    },

    async get(caller: SignedInCaller, resumeId: number, linkId: number): Promise<ShareLinkResponse> {
      return answer(await asOwner(caller, (tx) => existingLink(tx, resumeId, linkId)));
    },

    /** Label, expiry, view limit, password, required email; a revoked link is final (409). */
    async update(caller: SignedInCaller, resumeId: number, linkId: number, changes: UpdateLinkBody): Promise<ShareLinkResponse> {
      const { password, ...columns } = changes;
      const values = Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined));
      const row = await asOwner(caller, async (tx) => {
        await liveLink(tx, resumeId, linkId);
        if (Object.keys(values).length > 0) {
          await tx`update public.resume_share_links set ${tx(values, Object.keys(values))} where id = ${linkId}`;
        }
        await setPassword(tx, linkId, password);
        return readLink(tx, resumeId, linkId);
      });
      return answer(row!);
    },

    /** A new token: the old link stops at once. */
    async rotate(caller: SignedInCaller, resumeId: number, linkId: number): Promise<ShareLinkResponse> {
      const row = await asOwner(caller, async (tx) => {
        await liveLink(tx, resumeId, linkId);
        await tx`select public.rotate_resume_share_link(${linkId})`;
        return readLink(tx, resumeId, linkId);
      });
      return answer(row!);
    },

    /** Revoked for good: the link answers 404 from now on; its views stay in the analytics. */
    async revoke(caller: SignedInCaller, resumeId: number, linkId: number): Promise<ShareLinkResponse> {
      const row = await asOwner(caller, async (tx) => {
        const existing = await existingLink(tx, resumeId, linkId);
        if (!existing.revoked_at) await tx`update public.resume_share_links set revoked_at = now() where id = ${linkId}`;
        return readLink(tx, resumeId, linkId);
      });
      return answer(row!);
    },
  };
}

export type ShareLinkService = ReturnType<typeof createShareLinkService>;
