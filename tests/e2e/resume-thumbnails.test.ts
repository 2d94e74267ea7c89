// Link-preview thumbnails against Bunny storage (the stand-in that checks AccessKey and
// Checksum and can be told to fail), through both faces: the PNG is stored in its own
// folder of the zone beside the PDF, a failure of either PUT leaves no row and no file,
// and deleting the resume deletes both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type postgres from "postgres";
import { verifyBunnyUrl } from "../../src/local/storage/bunny-url-verifier.ts";
import type { RunningStack } from "../../src/local/stack.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { bunnyPullZoneUrl, startBunnyStack, type BunnyStack } from "../support/bunny-stack.ts";
import type { BunnyStorageStandin } from "../support/bunny-storage-standin.ts";
import { faces, fetchPublicResume, upload } from "../support/faces.ts";
import { callFacade, testClientIp } from "../support/stack.ts";

const pullZoneUrl = bunnyPullZoneUrl;
const securityKey = "bunny-pull-zone-token-key-for-thumbnail-tests";

let bunny: BunnyStack;
let standin: BunnyStorageStandin;
let stack: RunningStack;
let superuser: postgres.Sql;

beforeAll(async () => {
  bunny = await startBunnyStack({ zone: "letsmakecv-thumbnails", securityKey });
  ({ standin, stack, superuser } = bunny);
});

afterAll(() => bunny?.stop());

/** Stored files no resume row points at, PDFs and thumbnails alike. */
async function orphans(): Promise<string[]> {
  const rows = await superuser`select pdf_filename, thumbnail_key from public.resumes`;
  const keys = new Set(rows.flatMap((row) => [`pdfs/${row.pdf_filename}`, ...(row.thumbnail_key ? [`thumbnails/${row.thumbnail_key}`] : [])]));
  return standin.list().filter((key) => !keys.has(key));
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const face of faces) {
  describe(`thumbnails on Bunny through the ${face.name}`, () => {
    let account: Account;
    beforeAll(async () => {
      account = await registerCandidate(stack);
    });

    test("the PNG lands in thumbnails/ beside pdfs/, and the preview's URL signs for the pull zone", async () => {
      const answer = await upload(face, stack, { token: account.token, ip: testClientIp() });
      expect(answer.status).toBe(200);
      const [row] = await superuser`select pdf_filename, thumbnail_key from public.resumes where id = ${answer.body.resume_id}`;
      const stored = standin.files.get(`thumbnails/${row!.thumbnail_key}`);
      expect(stored?.contentType).toBe("image/png");
      expect([...stored!.bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
      const shared = await fetchPublicResume(face, stack, `${answer.body.permanent_token}?include=preview`);
      expect(shared.body.preview.thumbnail_url).toStartWith(`${pullZoneUrl}/thumbnails/${row!.thumbnail_key}?token=HS256-`);
      expect((await verifyBunnyUrl(shared.body.preview.thumbnail_url, { securityKey })).ok).toBe(true);
      expect(await orphans()).toEqual([]);
    });

    test("the thumbnail's PUT fails: 503, no row, and the PDF was never sent", async () => {
      const rowsBefore = await superuser`select id from public.resumes where user_id = ${account.id}`;
      const mark = standin.requests.length;
      standin.failNext("PUT", 1, { status: 503 });
      const answer = await upload(face, stack, { token: account.token, ip: testClientIp() });
      expect([answer.status, answer.body.detail]).toEqual([503, expect.stringMatching(/File storage is unavailable/)]);
      expect(await superuser`select id from public.resumes where user_id = ${account.id}`).toEqual(rowsBefore);
      const puts = standin.requests.slice(mark).filter((r) => r.method === "PUT").map((r) => r.path.split("/")[0]);
      expect(puts).toEqual(["thumbnails"]);
      await eventually(async () => (await orphans()).length === 0);
    });

    test("the database refuses the row after both PUTs: the PDF and the thumbnail are deleted before the answer", async () => {
      const doomed = await registerCandidate(stack);
      const name = `test_refuse_thumbnail_insert_${doomed.id.replaceAll("-", "_")}`;
      await superuser.unsafe(`
        create function public.${name}() returns trigger language plpgsql as $$
        begin
          if new.user_id = '${doomed.id}' then raise exception 'canceling statement due to statement timeout' using errcode = '57014'; end if;
          return new;
        end $$;
        create trigger ${name} before insert on public.resumes for each row execute function public.${name}();`);
      const mark = standin.requests.length;
      try {
        const answer = await upload(face, stack, { token: doomed.token, ip: testClientIp() });
        expect([answer.status, answer.body.detail]).toEqual([503, "The database took too long to answer"]);
      } finally {
        await superuser.unsafe(`drop trigger if exists ${name} on public.resumes; drop function if exists public.${name}();`);
      }
      const calls = standin.requests.slice(mark).map((r) => [r.method, r.path.split("/")[0], r.status]);
      expect(calls).toEqual([
        ["PUT", "thumbnails", 201],
        ["PUT", "pdfs", 201],
        ["DELETE", "pdfs", 200],
        ["DELETE", "thumbnails", 200],
      ]);
      expect(await orphans()).toEqual([]);
    });

    test("deleting the resume deletes the PDF and the thumbnail", async () => {
      const created = await upload(face, stack, { token: account.token, ip: testClientIp() });
      const [row] = await superuser`select pdf_filename, thumbnail_key from public.resumes where id = ${created.body.resume_id}`;
      const deleted = await callFacade(stack, "DELETE", `/api/v1/resumes/${created.body.resume_id}`, { token: account.token, ip: testClientIp() });
      expect(deleted.status).toBe(200);
      expect(standin.files.has(`pdfs/${row!.pdf_filename}`)).toBe(false);
      await eventually(async () => !standin.files.has(`thumbnails/${row!.thumbnail_key}`));
    });
  });
}
