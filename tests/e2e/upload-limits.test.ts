// Per-account upload limits, through both faces (hole 5 of issue 11: one user uploaded
// 96 PDFs of up to 10 MB in 25 s): uploads per hour (429 with Retry-After, before the
// body is read), and resumes kept, by count and by bytes (409). Each refusal leaves no
// row and no stored file. The limits are the stack's settings (their defaults).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { readSettings } from "../../src/core/settings.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { everyLocalStoredFile, faces, upload } from "../support/faces.ts";
import { buildPdf } from "../support/pdf.ts";
import { testClientIp, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let limits: { perHour: number; resumes: number; bytes: number };

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 4, onnotice: () => {} });
  const settings = readSettings("functions", (name) => stack.serverEnv[name]);
  limits = { perHour: settings.UPLOADS_PER_HOUR_PER_USER, resumes: settings.MAX_RESUMES_PER_USER, bytes: settings.MAX_RESUME_BYTES_PER_USER };
});

afterAll(async () => {
  await superuser?.end();
});

const rowsOf = async (userId: string) => Number((await superuser`select count(*) as n from public.resumes where user_id = ${userId}`)[0]!.n);

/**
 * Resumes the account uploaded before this test (rows only: what the quotas count), of
 * `bytesEach` bytes each.
 */
async function alreadyKept(account: Account, count: number, bytesEach: number): Promise<void> {
  await superuser`
    insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token, file_size_bytes)
    select ${account.id}, 'Earlier CV ' || n, encode(extensions.gen_random_bytes(16), 'hex') || '.pdf',
           translate(rtrim(encode(extensions.gen_random_bytes(32), 'base64'), '='), '+/', '-_'), ${bytesEach}::bigint
      from generate_series(1, ${count}) as n`;
}

/** Sends an upload that must be refused, and checks it changed nothing. */
async function refusedUpload(face: (typeof faces)[number], account: Account, init: Parameters<typeof upload>[2] = {}) {
  const rowsBefore = await rowsOf(account.id);
  const filesBefore = everyLocalStoredFile(stack);
  const answer = await upload(face, stack, { token: account.token, ip: testClientIp(), ...init });
  expect(answer.body.success).toBe(false);
  expect(await rowsOf(account.id)).toBe(rowsBefore);
  expect(everyLocalStoredFile(stack)).toEqual(filesBefore);
  return answer;
}

describe("uploads per hour, one count for both faces", () => {
  test("past UPLOADS_PER_HOUR_PER_USER, each face answers 429 with Retry-After before reading the body; nothing is kept", async () => {
    const account = await registerCandidate(stack);
    // Half through each face: they share the count.
    for (let i = 0; i < limits.perHour; i++) {
      const answer = await upload(faces[i % 2]!, stack, { token: account.token, ip: testClientIp(), fields: { resume_name: `Version ${i + 1}` } });
      expect([i, answer.status]).toEqual([i, 200]);
    }
    expect(await rowsOf(account.id)).toBe(limits.perHour);

    for (const face of faces) {
      const limited = await refusedUpload(face, account);
      expect([face.name, limited.status]).toEqual([face.name, 429]);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeWithin(1, 3601);
      expect(limited.body).toEqual({
        success: false,
        detail: expect.stringMatching(new RegExp(`^Upload limit reached: an account may upload ${limits.perHour} resumes per hour\\. Try again in \\d+ minutes?\\.$`)),
        retry_after: retryAfter,
      });
      // Checked before the body is read: a body that is not even multipart is a 429, not a 415.
      const unread = await refusedUpload(face, account, { body: "not a form", headers: { "content-type": "text/plain" } });
      expect([face.name, unread.status]).toEqual([face.name, 429]);
    }

    // Someone else's uploads are their own count.
    const other = await registerCandidate(stack);
    expect((await upload(faces[1]!, stack, { token: other.token, ip: testClientIp() })).status).toBe(200);
  });
});

for (const face of faces) {
  describe(`resumes kept, through the ${face.name}`, () => {
    test("at MAX_RESUMES_PER_USER resumes, 409 saying to delete one; no row, no file", async () => {
      const account = await registerCandidate(stack);
      await alreadyKept(account, limits.resumes, 1000);
      const refused = await refusedUpload(face, account);
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual({
        success: false,
        detail: `Resume limit reached: an account keeps at most ${limits.resumes} resumes. Delete one to upload another.`,
      });
    });

    test("past MAX_RESUME_BYTES_PER_USER bytes, 409 saying how much is stored; no row, no file", async () => {
      const account = await registerCandidate(stack);
      const pdf = buildPdf({ text: "One too many bytes" });
      // Stored so far: all but one byte less than this file needs.
      await alreadyKept(account, 1, limits.bytes - pdf.byteLength + 1);
      const refused = await refusedUpload(face, account, { fields: { file: { bytes: pdf } } });
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toBe(
        `Storage limit reached: an account keeps at most ${limits.bytes} bytes of resumes (${limits.bytes - pdf.byteLength + 1} stored, this file has ${pdf.byteLength}). Delete one to upload another.`,
      );

      // A file that fits exactly is kept.
      await superuser`update public.resumes set file_size_bytes = file_size_bytes - 1 where user_id = ${account.id}`;
      expect((await upload(face, stack, { token: account.token, ip: testClientIp(), fields: { file: { bytes: pdf } } })).status).toBe(200);
      expect(await rowsOf(account.id)).toBe(2);
    });
  });
}
