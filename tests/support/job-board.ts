// Rows the job-board and resume suites start from: postings created through the facade
// as their recruiter would, and resume rows written straight to the table, as an upload
// would leave them (for suites that need a resume to apply with, not its file).
import { expect } from "bun:test";
import type { Sql } from "../../src/db/client.ts";
import type { Account } from "./accounts.ts";
import { callFacade, type FacadeTarget } from "./stack.ts";
import { shareToken } from "./world.ts";

/** POST /api/v1/jobs/create as `owner` with `posting`; the new posting's id. */
export async function createJob(target: FacadeTarget, owner: Account, posting: Record<string, unknown>, ip?: string): Promise<number> {
  const answer = await callFacade(target, "POST", "/api/v1/jobs/create", { token: owner.token, body: posting, ip });
  expect(answer.status).toBe(200);
  return answer.body.job_id as number;
}

/** A resume row of `ownerId` (no stored file behind it); its id. */
export async function insertResume(
  superuser: Sql,
  ownerId: string,
  options: { active?: boolean; name?: string; permanentToken?: string; qrCode?: string | null } = {},
): Promise<number> {
  const [row] = await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token, is_active, qr_code_base64)
    values (${ownerId}, ${options.name ?? "My CV"}, ${`${ownerId}/${crypto.randomUUID().replaceAll("-", "")}.pdf`},
            ${options.permanentToken ?? shareToken()}, ${options.active ?? true}, ${options.qrCode ?? null})
    returning id`;
  return Number(row!.id);
}
