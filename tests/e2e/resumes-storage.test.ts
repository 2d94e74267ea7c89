// Uploads and deletes against Bunny storage (a stand-in that checks AccessKey and
// Checksum like Bunny's Storage API and can be told to fail), through both faces: a
// failure at any step leaves no row without its file and no file without its row.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { verifyBunnyUrl } from "../../src/local/storage/bunny-url-verifier.ts";
import { sha256HexUpper } from "../../src/core/storage/index.ts";
import type { RunningStack } from "../../src/local/stack.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { bunnyPullZoneUrl, startBunnyStack, type BunnyStack } from "../support/bunny-stack.ts";
import type { BunnyStorageStandin } from "../support/bunny-storage-standin.ts";
import { faces, fetchPublicResume, upload } from "../support/faces.ts";
import { buildPdf } from "../support/pdf.ts";
import { callFacade, testClientIp } from "../support/stack.ts";

const pullZoneUrl = bunnyPullZoneUrl;
const securityKey = "bunny-pull-zone-token-key-for-tests";
/** How long the storage client waits for Bunny here (BUNNY_STORAGE_TIMEOUT_SECONDS; 30 s by default). */
const storageTimeoutMs = 3_000;

let bunny: BunnyStack;
let standin: BunnyStorageStandin;
let stack: RunningStack;
let superuser: postgres.Sql;

beforeAll(async () => {
  bunny = await startBunnyStack({
    zone: "letsmakecv-test",
    securityKey,
    env: {
      BUNNY_STORAGE_TIMEOUT_SECONDS: String(storageTimeoutMs / 1000),
      // These cases count the PDF's own storage calls; the thumbnail beside it has its
      // own Bunny suite (tests/e2e/resume-thumbnails.test.ts).
      RESUME_THUMBNAILS: "false",
    },
  });
  ({ standin, stack, superuser } = bunny);
});

afterAll(() => bunny?.stop());

const rowsOf = (userId: string) => superuser`select id, pdf_filename from public.resumes where user_id = ${userId} order by id`;
/**
 * Stored files no resume row points at. Keys carry no user id any more (they show in
 * signed URLs), so a file is told apart by its row: after any upload has answered there
 * must be none, whoever uploaded (this stand-in serves this file's stack alone).
 */
async function orphans(): Promise<string[]> {
  const keys = new Set((await superuser`select pdf_filename from public.resumes`).map((row) => `pdfs/${row.pdf_filename}`));
  return standin.list().filter((key) => !keys.has(key));
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Makes every insert of `userId`'s resumes fail as a statement timeout would, after the PUT. */
async function refuseInsertsOf(userId: string): Promise<() => Promise<void>> {
  const name = `test_refuse_resume_insert_${userId.replaceAll("-", "_")}`;
  await superuser.unsafe(`
    create function public.${name}() returns trigger language plpgsql as $$
    begin
      if new.user_id = '${userId}' then
        raise exception 'canceling statement due to statement timeout' using errcode = '57014';
      end if;
      return new;
    end $$;
    create trigger ${name} before insert on public.resumes for each row execute function public.${name}();`);
  return async () => {
    await superuser.unsafe(`drop trigger if exists ${name} on public.resumes; drop function if exists public.${name}();`);
  };
}

for (const face of faces) {
  describe(`Bunny storage through the ${face.name}`, () => {
    let account: Account;
    beforeAll(async () => {
      account = await registerCandidate(stack);
    });

    test("an upload lands in the storage zone with its checksum; the share link signs for the pull zone", async () => {
      const pdf = buildPdf({ text: `bunny via ${face.name}` });
      const answer = await upload(face, stack, { token: account.token, ip: testClientIp(), fields: { file: { bytes: pdf } } });
      expect(answer.status).toBe(200);
      const [row] = await superuser`select pdf_filename, pdf_url from public.resumes where id = ${answer.body.resume_id}`;
      const storedPath = `pdfs/${row!.pdf_filename}`;
      expect(standin.files.get(storedPath)?.bytes).toEqual(pdf);
      expect(standin.files.get(storedPath)?.contentType).toBe("application/pdf");
      const put = standin.requests.find((request) => request.method === "PUT" && request.path === storedPath)!;
      expect(put.headers.checksum).toBe(await sha256HexUpper(pdf));
      expect(row!.pdf_url).toBe(`${pullZoneUrl}/${storedPath}`);

      const shared = await fetchPublicResume(face, stack, answer.body.permanent_token);
      expect(shared.status).toBe(200);
      expect(shared.body.pdf_signed_url).toStartWith(`${pullZoneUrl}/${storedPath}?token=HS256-`);
      expect((await verifyBunnyUrl(shared.body.pdf_signed_url, { securityKey })).ok).toBe(true);
      expect((await verifyBunnyUrl(shared.body.pdf_signed_url, { securityKey: "another-key-entirely" })).ok).toBe(false);
    });

    for (const [failure, status] of [
      [{ status: 503 }, 503],
      [{ status: 500 }, 503],
      [{ status: 401 }, 502],
    ] as const) {
      test(`the PUT answers ${failure.status}: ${status}, no row, no file`, async () => {
        const rowsBefore = await rowsOf(account.id);
        const filesBefore = standin.list();
        standin.failNext("PUT", 1, failure);
        const answer = await upload(face, stack, { token: account.token, ip: testClientIp() });
        expect([answer.status, answer.body.success]).toEqual([status, false]);
        expect(answer.body.detail).toMatch(status === 503 ? /File storage is unavailable/ : /File storage refused the upload/);
        if (status === 503) expect(answer.headers.get("retry-after")).toBe("5");
        expect(await rowsOf(account.id)).toEqual(rowsBefore);
        expect(standin.list()).toEqual(filesBefore);
        expect(await orphans()).toEqual([]);
      });
    }

    test("the database refuses the row after the PUT: the stored file is deleted before the answer", async () => {
      const doomed = await registerCandidate(stack);
      const restore = await refuseInsertsOf(doomed.id);
      const mark = standin.requests.length;
      try {
        const answer = await upload(face, stack, { token: doomed.token, ip: testClientIp() });
        expect([answer.status, answer.body.detail]).toEqual([503, "The database took too long to answer"]);
      } finally {
        await restore();
      }
      expect(await rowsOf(doomed.id)).toEqual([] as never);
      expect(await orphans()).toEqual([]);
      // The file really was stored, then removed.
      const calls = standin.requests.slice(mark).map((r) => [r.method, r.status]);
      expect(calls).toEqual([
        ["PUT", 201],
        ["DELETE", 200],
      ]);
    });

    test("...and when that delete fails too, it is retried in the background until the file is gone", async () => {
      const doomed = await registerCandidate(stack);
      const restore = await refuseInsertsOf(doomed.id);
      standin.failNext("DELETE", 1, { status: 503 });
      try {
        const answer = await upload(face, stack, { token: doomed.token, ip: testClientIp() });
        expect(answer.status).toBe(503);
      } finally {
        await restore();
      }
      expect(await rowsOf(doomed.id)).toEqual([] as never);
      expect((await orphans()).length).toBe(1); // not yet
      await eventually(async () => (await orphans()).length === 0);
    });
  });
}

describe("Bunny storage that hangs", () => {
  test(
    "a PUT that never answers: 503 after the storage timeout on both faces, no row, no file, a cleanup DELETE sent",
    async () => {
      const account = await registerCandidate(stack);
      const mark = standin.requests.length;
      standin.failNext("PUT", faces.length, "hang");
      const started = Date.now();
      const answers = await Promise.all(faces.map((face) => upload(face, stack, { token: account.token, ip: testClientIp() })));
      expect(Date.now() - started).toBeGreaterThanOrEqual(storageTimeoutMs - 1000);
      for (const answer of answers) {
        expect([answer.status, answer.body.detail]).toEqual([503, expect.stringMatching(/File storage is unavailable/)]);
      }
      expect(await rowsOf(account.id)).toEqual([] as never);
      expect(await orphans()).toEqual([]);
      // A PUT that timed out may still land later: each face sent a DELETE for its key.
      const hung = standin.requests.slice(mark).filter((r) => r.method === "PUT" && r.status === "hung");
      expect(hung.length).toBe(faces.length);
      await eventually(() => hung.every((put) => standin.requests.some((r) => r.method === "DELETE" && r.path === put.path)));
    },
    storageTimeoutMs * 3,
  );
});

describe("deleting a resume stored on Bunny (facade)", () => {
  test("the storage fails: 503, and the resume is still whole; once it works, row and file go together", async () => {
    const account = await registerCandidate(stack);
    const created = await upload(faces[1]!, stack, { token: account.token, ip: testClientIp() });
    expect(created.status).toBe(200);
    const [row] = await superuser`select pdf_filename from public.resumes where id = ${created.body.resume_id}`;
    const storedPath = `pdfs/${row!.pdf_filename}`;

    for (const failure of [{ status: 503 }, { status: 401 }] as const) {
      standin.failNext("DELETE", 1, failure);
      const refused = await callFacade(stack, "DELETE", `/api/v1/resumes/${created.body.resume_id}`, { token: account.token, ip: testClientIp() });
      expect(refused.status).toBe(failure.status === 503 ? 503 : 502);
      expect(await superuser`select id from public.resumes where id = ${created.body.resume_id}`).toHaveLength(1);
      expect(standin.files.has(storedPath)).toBe(true);
      expect((await fetchPublicResume(faces[0]!, stack, created.body.permanent_token)).status).toBe(200);
    }

    const deleted = await callFacade(stack, "DELETE", `/api/v1/resumes/${created.body.resume_id}`, { token: account.token, ip: testClientIp() });
    expect(deleted.status).toBe(200);
    expect(await superuser`select id from public.resumes where id = ${created.body.resume_id}`).toEqual([] as never);
    expect(standin.files.has(storedPath)).toBe(false);
    expect((await fetchPublicResume(faces[1]!, stack, created.body.permanent_token)).status).toBe(404);
  });
});

