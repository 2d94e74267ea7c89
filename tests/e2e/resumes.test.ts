// Resumes and sharing end to end, over real HTTP: every upload and public-fetch case
// runs against both faces (the /api/v1 facade and the edge functions behind the
// gateway), which share one implementation in src/core/resumes. The owner's
// management endpoints are the facade's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { verifyBunnyUrl } from "../../src/local/storage/bunny-url-verifier.ts";
import { asPostgrestCaller, createDatabasePool, type AccessTokenClaims } from "../../src/db/client.ts";
import { localStorageSecurityKey } from "../../src/local/stack.ts";
import { LOCAL_STORAGE_MOUNT_PATH } from "../../src/local/storage/file-server.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { asAuthenticatorUrl } from "../support/database.ts";
import {
  faces,
  fetchPublicResume,
  localStoredFile,
  localStoredFiles,
  upload,
  type Face,
} from "../support/faces.ts";
import { jwtClaims } from "../support/jwt.ts";
import { buildPdf } from "../support/pdf.ts";
import { answerOf } from "../support/stack.ts";
import { callFacade, testClientIp, testStack, type TestStack } from "../support/stack.ts";
import { shareToken } from "../support/world.ts";

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024; // the default the stack runs with

let stack: TestStack;
let superuser: postgres.Sql;
let alice: Account;

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 4, onnotice: () => {} });
  alice = await registerCandidate(stack, { fullName: "Alice Uploader" });
});

afterAll(async () => {
  await superuser?.end();
});

async function rowsOf(userId: string) {
  return superuser`select id, resume_name, pdf_filename, pdf_url, permanent_token, qr_code_base64, is_public, is_active
                     from public.resumes where user_id = ${userId} order by id`;
}

/** Forgets the wrong-API-token failures counted for an IP (each case starts clean). */
async function forgetFailures(ip: string) {
  await superuser`delete from private.rate_limit_counters where bucket = ${`api-token-failure:${ip}`}`;
}

async function uploadOk(face: Face, account: Account, fields: Parameters<typeof upload>[2]["fields"] = {}) {
  const answer = await upload(face, stack, { token: account.token, ip: testClientIp(), fields });
  expect(answer.status).toBe(200);
  return answer.body as { success: true; resume_id: number; permanent_token: string; preview_url: string; qr_code_base64: string };
}

for (const face of faces) {
  describe(`upload through the ${face.name}`, () => {
    test("a PDF becomes a resume: the seed's answer, the row as the caller, the file under an unguessable name", async () => {
      const pdf = buildPdf({ text: `upload via ${face.name}` });
      const answer = await upload(face, stack, {
        token: alice.token,
        ip: testClientIp(),
        fields: { file: { bytes: pdf, name: "Jane Doe CV.pdf" }, resume_name: "  My Professional Resume  ", is_public: "true" },
      });
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body).sort()).toEqual(["permanent_token", "preview_url", "qr_code_base64", "resume_id", "success"]);
      const { resume_id, permanent_token, preview_url, qr_code_base64 } = answer.body;
      expect(answer.body.success).toBe(true);
      expect(permanent_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(preview_url).toBe(`https://previewcv.com/r/${permanent_token}`);
      expect(qr_code_base64).toStartWith("data:image/png;base64,iVBORw0KG");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");

      const [row] = await superuser`select * from public.resumes where id = ${resume_id}`;
      expect(row).toMatchObject({ user_id: alice.id, resume_name: "My Professional Resume", permanent_token, qr_code_base64, is_public: true, is_active: true });
      // An unguessable name with no user id in it (it shows in signed URLs); the row says whose it is.
      expect(row!.pdf_filename).toMatch(/^[0-9a-f]{32}\.pdf$/);
      expect(row!.pdf_filename).not.toContain(alice.id);
      expect(Number(row!.file_size_bytes)).toBe(pdf.byteLength);
      expect(row!.pdf_url).toBe(`${stack.gatewayUrl}${LOCAL_STORAGE_MOUNT_PATH}/pdfs/${row!.pdf_filename}`);
      expect(localStoredFile(stack, row!.pdf_filename)).toEqual(pdf);
    });

    test("is_public defaults to false and reads the seed's form booleans", async () => {
      for (const [sent, stored] of [[undefined, false], ["false", false], ["1", true], ["ON", true], ["no", false]] as const) {
        const body = await uploadOk(face, alice, { is_public: sent });
        const [row] = await superuser`select is_public from public.resumes where id = ${body.resume_id}`;
        expect([sent, row!.is_public]).toEqual([sent, stored]);
      }
    });

    test("a path in the client's file name changes nothing: the storage key is ours", async () => {
      const before = localStoredFiles(stack);
      const body = await uploadOk(face, alice, { file: { bytes: buildPdf(), name: "../../etc/passwd.pdf" } });
      const [row] = await superuser`select pdf_filename from public.resumes where id = ${body.resume_id}`;
      expect(row!.pdf_filename).toMatch(/^[0-9a-f]{32}\.pdf$/);
      expect(localStoredFiles(stack)).toEqual([...before, row!.pdf_filename].sort());
    });

    test("a file of exactly the limit is accepted", async () => {
      const pdf = buildPdf({ totalBytes: MAX_UPLOAD_BYTES });
      const body = await uploadOk(face, alice, { file: { bytes: pdf } });
      const [row] = await superuser`select pdf_filename from public.resumes where id = ${body.resume_id}`;
      expect(localStoredFile(stack, row!.pdf_filename)?.byteLength).toBe(MAX_UPLOAD_BYTES);
    });

    describe("refusals leave nothing behind", () => {
      let refuser: Account;
      beforeAll(async () => {
        refuser = await registerCandidate(stack);
      });

      const refusals: { name: string; status: number; detail: RegExp; send: () => Promise<ReturnType<typeof upload>> | ReturnType<typeof upload> }[] = [
        {
          name: "an HTML page named .pdf",
          status: 400,
          detail: /^Only PDF files are allowed$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: new TextEncoder().encode("<!doctype html><p>hi</p>"), name: "cv.pdf" } } }),
        },
        {
          name: "a PNG sent as application/pdf",
          status: 400,
          detail: /^Only PDF files are allowed$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0), name: "cv.pdf" } } }),
        },
        {
          name: "a truncated PDF",
          status: 400,
          detail: /^Only PDF files are allowed$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: buildPdf().subarray(0, 300) } } }),
        },
        {
          name: "an empty file",
          status: 400,
          detail: /^Only PDF files are allowed$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: new Uint8Array(0) } } }),
        },
        {
          name: "a file one byte over the limit",
          status: 413,
          detail: /larger than the limit of 10485760 bytes/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: buildPdf({ totalBytes: MAX_UPLOAD_BYTES + 1 }) } } }),
        },
        {
          name: "a body far over the limit (refused from its Content-Length)",
          status: 413,
          detail: /larger than the limit/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: { bytes: new Uint8Array(MAX_UPLOAD_BYTES + 512 * 1024) } } }),
        },
        {
          name: "no file field",
          status: 422,
          detail: /^Invalid body\.file: Field required$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { file: null } }),
        },
        {
          name: "the file sent as a text field",
          status: 422,
          detail: /^Invalid body\.file: Expected a file/,
          send: () => {
            const form = new FormData();
            form.append("file", "%PDF-1.7 not really");
            form.append("resume_name", "CV");
            return upload(face, stack, { token: refuser.token, body: form });
          },
        },
        {
          name: "no resume_name",
          status: 422,
          detail: /^Invalid body\.resume_name: Field required$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { resume_name: null } }),
        },
        {
          name: "a 300-character resume_name",
          status: 422,
          detail: /^Invalid body\.resume_name: Must be at most 255 characters$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { resume_name: "x".repeat(300) } }),
        },
        {
          name: "a blank resume_name",
          status: 422,
          detail: /^Invalid body\.resume_name: Must not be empty$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { resume_name: " \t " } }),
        },
        {
          name: "a resume_name with a control character",
          status: 422,
          detail: /control characters/,
          send: () => upload(face, stack, { token: refuser.token, fields: { resume_name: "CV\u0000 copy" } }),
        },
        {
          name: "is_public that is not a boolean",
          status: 422,
          detail: /^Invalid body\.is_public: Must be true or false$/,
          send: () => upload(face, stack, { token: refuser.token, fields: { is_public: "maybe" } }),
        },
        {
          name: "a JSON body",
          status: 415,
          detail: /multipart\/form-data/,
          send: () =>
            upload(face, stack, {
              token: refuser.token,
              body: JSON.stringify({ resume_name: "CV", file: "JVBERi0=" }),
              headers: { "content-type": "application/json" },
            }),
        },
        {
          name: "a multipart body without a boundary",
          status: 400,
          detail: /boundary/,
          send: () => upload(face, stack, { token: refuser.token, body: "--x\r\n", headers: { "content-type": "multipart/form-data" } }),
        },
        {
          name: "no Authorization header",
          status: 401,
          detail: /^Not authenticated$/,
          send: () => upload(face, stack, {}),
        },
        {
          name: "a forged JWT",
          status: 401,
          detail: /^Could not validate credentials$/,
          send: () => upload(face, stack, { token: `${refuser.token.slice(0, -4)}AAAA` }),
        },
        {
          name: "the anon key instead of a user token",
          status: 401,
          detail: /^Could not validate credentials$/,
          send: () => upload(face, stack, { token: stack.anonKey }),
        },
      ];

      for (const refusal of refusals) {
        test(`${refusal.name}: ${refusal.status}`, async () => {
          const filesBefore = localStoredFiles(stack);
          const answer = await refusal.send();
          expect([answer.status, answer.body.detail]).toEqual([refusal.status, expect.stringMatching(refusal.detail)]);
          expect(answer.body.success).toBe(false);
          if (refusal.status === 401) expect(answer.headers.get("www-authenticate")).toStartWith("Bearer");
          expect(answer.headers.get("x-frame-options")).toBe("DENY");
          expect(await rowsOf(refuser.id)).toHaveLength(0);
          expect(localStoredFiles(stack)).toEqual(filesBefore);
        });
      }

      test("a body without Content-Length (chunked) is cut off once it passes the limit", async () => {
        const filesBefore = localStoredFiles(stack);
        const boundary = "----previewcv-test-boundary";
        const head = new TextEncoder().encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="resume_name"\r\n\r\nCV\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`,
        );
        let sent = 0;
        const chunk = new Uint8Array(256 * 1024).fill(0x25);
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent === 0) controller.enqueue(head);
            // Up to 3x the limit; the server should stop long before.
            if (sent > 3 * MAX_UPLOAD_BYTES) return controller.close();
            controller.enqueue(chunk);
            sent += chunk.byteLength;
          },
        });
        let status: number | "connection closed";
        try {
          const response = await fetch(face.uploadUrl(stack), {
            method: "POST",
            headers: { authorization: `Bearer ${refuser.token}`, "content-type": `multipart/form-data; boundary=${boundary}` },
            body,
            // @ts-expect-error Bun and undici need this for a streamed request body
            duplex: "half",
          });
          status = response.status;
          expect((await answerOf(response)).body.detail).toMatch(/larger than the limit/);
        } catch {
          // Closing the connection on an oversized upload is also a refusal.
          status = "connection closed";
        }
        expect([413, "connection closed"]).toContain(status);
        expect(sent).toBeLessThan(3 * MAX_UPLOAD_BYTES);
        expect(await rowsOf(refuser.id)).toHaveLength(0);
        expect(localStoredFiles(stack)).toEqual(filesBefore);
      });
    });

    test("CORS: preflight answered without authentication; origins we know get their own echo", async () => {
      const preflight = await fetch(face.uploadUrl(stack), {
        method: "OPTIONS",
        headers: { origin: "https://letsmakecv.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://letsmakecv.com");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
      const stranger = await fetch(face.uploadUrl(stack), { method: "POST", headers: { origin: "https://evil.example" } });
      expect(stranger.status).toBe(401);
      expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
      expect(stranger.headers.get("strict-transport-security")).toContain("max-age=");
    });
  });

  describe(`public fetch through the ${face.name}`, () => {
    let resume: { resume_id: number; permanent_token: string; qr_code_base64: string };
    let pdf: Uint8Array<ArrayBuffer>;

    beforeAll(async () => {
      pdf = buildPdf({ text: `shared via ${face.name}` });
      resume = await uploadOk(face, alice, { file: { bytes: pdf }, resume_name: `Shared ${face.name}` });
    });

    test("the seed's answer, with a signed URL that verifies and downloads the exact bytes", async () => {
      const before = Math.floor(Date.now() / 1000);
      const answer = await fetchPublicResume(face, stack, resume.permanent_token, { ip: testClientIp() });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(Object.keys(answer.body).sort()).toEqual(
        ["access_count", "created_at", "last_accessed_at", "pdf_signed_url", "permanent_token", "qr_code_base64", "resume_id", "resume_name", "success"].sort(),
      );
      expect(answer.body).toMatchObject({
        success: true,
        resume_id: resume.resume_id,
        resume_name: `Shared ${face.name}`,
        permanent_token: resume.permanent_token,
        qr_code_base64: resume.qr_code_base64,
        access_count: 1,
      });
      expect(answer.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(answer.body.last_accessed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const signed = new URL(answer.body.pdf_signed_url);
      // The link previewcv.com gets says nothing of whose resume it is (issue 11, hole 8).
      expect(answer.body.pdf_signed_url).not.toContain(alice.id);
      const verified = await verifyBunnyUrl(signed, { securityKey: localStorageSecurityKey, mountPath: LOCAL_STORAGE_MOUNT_PATH });
      expect(verified.ok).toBe(true);
      // SIGNED_URL_TTL_SECONDS, 5 minutes by default (was an hour: issue 11, hole 8).
      if (verified.ok) expect(verified.expires - before).toBeWithin(300, 302);
      const download = await fetch(signed);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toBe("application/pdf");
      expect(new Uint8Array(await download.arrayBuffer())).toEqual(pdf);
      // The same URL with another expiry is refused: the signature covers it.
      signed.searchParams.set("expires", String(Number(signed.searchParams.get("expires")) + 60));
      expect((await fetch(signed)).status).toBe(403);

      expect((await fetchPublicResume(face, stack, resume.permanent_token)).body.access_count).toBe(2);
    });

    test("each view is logged with the viewer's IP, user agent and referer", async () => {
      const ip = testClientIp();
      const answer = await fetchPublicResume(face, stack, resume.permanent_token, {
        ip,
        headers: { "user-agent": `PreviewCV-Test/1.0 (${face.name})`, referer: "https://previewcv.com/r/some-page" },
      });
      expect(answer.status).toBe(200);
      const logs = await superuser`
        select host(ip_address) as ip, user_agent, referer from public.resume_access_logs
         where resume_id = ${resume.resume_id} and user_agent = ${`PreviewCV-Test/1.0 (${face.name})`}`;
      expect(logs).toEqual([{ ip: face.seenIp(ip), user_agent: `PreviewCV-Test/1.0 (${face.name})`, referer: "https://previewcv.com/r/some-page" }] as never);
    });

    test("wrong, missing, expired and revoked API tokens: 401 \"Invalid API token\", nothing counted", async () => {
      const ip = testClientIp();
      await forgetFailures(face.seenIp(ip));
      const [expired] = await superuser`select token from private.create_api_token('expired for tests', now() - interval '1 minute')`;
      const [revoked] = await superuser`select id, token from private.create_api_token('revoked for tests')`;
      await superuser`select private.revoke_api_token(${revoked!.id})`;
      const [{ n: viewsBefore }] = (await superuser`select count(*)::int as n from public.resume_access_logs where resume_id = ${resume.resume_id}`) as never as [{ n: number }];

      for (const apiToken of ["pcv_not_a_real_token", "", null, expired!.token as string, revoked!.token as string]) {
        const answer = await fetchPublicResume(face, stack, resume.permanent_token, { apiToken, ip });
        expect([apiToken, answer.status, answer.body]).toEqual([apiToken, 401, { success: false, detail: "Invalid API token" }]);
      }
      const [{ n: viewsAfter }] = (await superuser`select count(*)::int as n from public.resume_access_logs where resume_id = ${resume.resume_id}`) as never as [{ n: number }];
      expect(viewsAfter).toBe(viewsBefore);
      await forgetFailures(face.seenIp(ip));
    });

    test("wrong API tokens are rate-limited per IP: 429 with Retry-After; the valid token still works", async () => {
      const ip = testClientIp();
      await forgetFailures(face.seenIp(ip));
      const [limit] = await superuser`select private.api_token_failure_limit() as n`;
      const statuses: number[] = [];
      for (let i = 0; i < (limit!.n as number); i++) {
        statuses.push((await fetchPublicResume(face, stack, resume.permanent_token, { apiToken: `pcv_guess_${i}`, ip })).status);
      }
      expect(new Set(statuses)).toEqual(new Set([401]));
      const limited = await fetchPublicResume(face, stack, resume.permanent_token, { apiToken: "pcv_one_more_guess", ip });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeWithin(1, 61);
      expect(limited.body).toMatchObject({ success: false, retry_after: Number(limited.headers.get("retry-after")) });
      // A missing token counts as a wrong one.
      expect((await fetchPublicResume(face, stack, resume.permanent_token, { apiToken: null, ip })).status).toBe(429);
      // previewcv.com behind the same address is not locked out.
      expect((await fetchPublicResume(face, stack, resume.permanent_token, { ip })).status).toBe(200);
      await forgetFailures(face.seenIp(ip));
    });

    test("unknown, malformed and inactive resumes are the same 404; a malformed token never reaches the database", async () => {
      const notFound = { success: false, detail: "Resume not found" };
      expect(await fetchPublicResume(face, stack, shareToken()).then((a) => [a.status, a.body])).toEqual([404, notFound]);
      for (const malformed of ["abc", `${resume.permanent_token}x`, "%2e%2e%2fetc", resume.permanent_token.slice(1)]) {
        expect(await fetchPublicResume(face, stack, malformed).then((a) => [malformed, a.status, a.body])).toEqual([malformed, 404, notFound]);
      }
      // Malformed with a wrong API token: still 404, and not counted as a failure (it
      // tells a guesser nothing about the API token, and costs no database work).
      const ip = testClientIp();
      await forgetFailures(face.seenIp(ip));
      expect((await fetchPublicResume(face, stack, "short", { apiToken: "pcv_wrong", ip })).status).toBe(404);
      expect(await superuser`select hits from private.rate_limit_counters where bucket = ${`api-token-failure:${face.seenIp(ip)}`}`).toEqual([] as never);

      const other = await uploadOk(face, alice, { resume_name: "Soon inactive" });
      expect((await fetchPublicResume(face, stack, other.permanent_token)).status).toBe(200);
      const patched = await callFacade(stack, "PATCH", `/api/v1/resumes/${other.resume_id}`, { token: alice.token, ip: testClientIp(), body: { is_active: false } });
      expect(patched.status).toBe(200);
      expect(await fetchPublicResume(face, stack, other.permanent_token).then((a) => [a.status, a.body])).toEqual([404, notFound]);
    });

    test("200 parallel fetches of one resume count exactly 200", async () => {
      const hot = await uploadOk(face, alice, { resume_name: `Hot ${face.name}` });
      const answers = await Promise.all(Array.from({ length: 200 }, () => fetchPublicResume(face, stack, hot.permanent_token)));
      expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
      // Each answer's count is its own statement's view of the shards: between 1 and 200,
      // and views that commit at the same moment may both miss the other (so the
      // highest may be 199). The stored total is what must be exact.
      const counts = answers.map((a) => a.body.access_count as number);
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...counts)).toBeWithin(190, 201);
      const [totals] = await superuser`
        select (select sum(views)::int from public.resume_view_counters where resume_id = ${hot.resume_id}) as views,
               (select count(*)::int from public.resume_access_logs where resume_id = ${hot.resume_id}) as logs`;
      expect(totals).toEqual({ views: 200, logs: 200 });
      const listed = await callFacade(stack, "GET", "/api/v1/resumes/my-resumes", { token: alice.token, ip: testClientIp() });
      expect(listed.body.resumes.find((r: { id: number }) => r.id === hot.resume_id).access_count).toBe(200);
    });

    test("CORS on the public fetch: previewcv.com's origin, X-API-Token allowed", async () => {
      const preflight = await fetch(face.publicResumeUrl(stack, resume.permanent_token), {
        method: "OPTIONS",
        headers: { origin: "https://previewcv.com", "access-control-request-method": "GET", "access-control-request-headers": "x-api-token" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://previewcv.com");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("x-api-token");
      const refused = await fetch(face.publicResumeUrl(stack, resume.permanent_token), { headers: { origin: "https://previewcv.com" } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("access-control-allow-origin")).toBe("https://previewcv.com");
    });
  });
}

describe("the edge functions' own routes", () => {
  test("wrong methods and paths get the one JSON error shape", async () => {
    const getUpload = await answerOf(await fetch(`${stack.functionsUrl}/resume-upload`));
    expect([getUpload.status, getUpload.body]).toEqual([405, { success: false, detail: "Method Not Allowed" }]);
    expect(getUpload.headers.get("allow")).toBe("POST, OPTIONS");
    const postPublic = await answerOf(await fetch(`${stack.functionsUrl}/public-resume/${shareToken()}`, { method: "POST" }));
    expect([postPublic.status, postPublic.headers.get("allow")]).toEqual([405, "GET, OPTIONS"]);
    const nested = await answerOf(await fetch(`${stack.functionsUrl}/public-resume/a/b`, { headers: { "x-api-token": "pcv_x" } }));
    expect([nested.status, nested.body]).toEqual([404, { success: false, detail: "Resume not found" }]);
  });
});

describe("my resumes and their management (facade)", () => {
  let owner: Account;
  let ip: string;
  const call = (method: string, path: string, body?: unknown, account: Account = owner) =>
    callFacade(stack, method, `/api/v1/resumes${path}`, { token: account.token, ip, body });

  beforeAll(async () => {
    owner = await registerCandidate(stack, { fullName: "Olivia Owner" });
    ip = testClientIp();
  });

  test("my-resumes: the seed's shape, active resumes only, newest first, with view counts", async () => {
    const first = await uploadOk(faces[0]!, owner, { resume_name: "First" });
    const second = await uploadOk(faces[1]!, owner, { resume_name: "Second" });
    const third = await uploadOk(faces[0]!, owner, { resume_name: "Third" });
    await fetchPublicResume(faces[0]!, stack, second.permanent_token);
    await fetchPublicResume(faces[1]!, stack, second.permanent_token);
    expect((await call("PATCH", `/${third.resume_id}`, { is_active: false })).status).toBe(200);

    const listed = await call("GET", "/my-resumes");
    expect(listed.status).toBe(200);
    expect(listed.body.success).toBe(true);
    expect(listed.body.resumes.map((r: { resume_name: string }) => r.resume_name)).toEqual(["Second", "First"]);
    const [entry] = listed.body.resumes;
    expect(entry).toEqual({
      id: second.resume_id,
      resume_name: "Second",
      permanent_token: second.permanent_token,
      preview_url: `https://previewcv.com/r/${second.permanent_token}`,
      access_count: 2,
      last_accessed_at: expect.stringMatching(/Z$/),
      is_active: true,
      is_public: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(listed.body.resumes[1]).toMatchObject({ id: first.resume_id, access_count: 0, last_accessed_at: null });

    const all = await call("GET", "/my-resumes?include_inactive=true");
    expect(all.body.resumes.map((r: { resume_name: string; is_active: boolean }) => [r.resume_name, r.is_active])).toEqual([
      ["Third", false],
      ["Second", true],
      ["First", true],
    ]);
    expect((await callFacade(stack, "GET", "/api/v1/resumes/my-resumes", { ip })).status).toBe(401);
  });

  test("read one: QR code and a signed link to the owner's own PDF", async () => {
    const pdf = buildPdf({ text: "owner reads own" });
    const created = await uploadOk(faces[0]!, owner, { file: { bytes: pdf }, resume_name: "Readable" });
    const read = await call("GET", `/${created.resume_id}`);
    expect(read.status).toBe(200);
    expect(read.body.resume).toMatchObject({ id: created.resume_id, resume_name: "Readable", qr_code_base64: created.qr_code_base64, is_active: true });
    expect(new Uint8Array(await (await fetch(read.body.resume.pdf_signed_url)).arrayBuffer())).toEqual(pdf);
    expect((await call("GET", "/999999999")).status).toBe(404);
    expect((await call("GET", "/not-a-number")).status).toBe(422);
  });

  test("rename and toggle is_public; the name follows the upload's rules", async () => {
    const created = await uploadOk(faces[0]!, owner, { resume_name: "Draft" });
    const renamed = await call("PATCH", `/${created.resume_id}`, { resume_name: "  Final  ", is_public: true });
    expect(renamed.status).toBe(200);
    expect(renamed.body.resume).toMatchObject({ id: created.resume_id, resume_name: "Final", is_public: true, is_active: true });
    const [row] = await superuser`select resume_name, is_public, updated_at > created_at as touched from public.resumes where id = ${created.resume_id}`;
    expect(row).toEqual({ resume_name: "Final", is_public: true, touched: true });

    for (const [body, detail] of [
      [{ resume_name: "x".repeat(300) }, /resume_name/],
      [{ resume_name: "   " }, /resume_name/],
      [{}, /Nothing to change/],
      [{ permanent_token: shareToken() }, /./],
      [{ is_public: "yes" }, /is_public/],
    ] as const) {
      const refused = await call("PATCH", `/${created.resume_id}`, body);
      expect([body, refused.status, refused.body.detail]).toEqual([body, 422, expect.stringMatching(detail)]);
    }
    expect((await call("PATCH", "/999999999", { resume_name: "Nope" })).status).toBe(404);
  });

  test("deactivate stops the share link on both faces; reactivate brings it back", async () => {
    const created = await uploadOk(faces[1]!, owner, { resume_name: "Toggle" });
    for (const face of faces) expect((await fetchPublicResume(face, stack, created.permanent_token)).status).toBe(200);
    expect((await call("PATCH", `/${created.resume_id}`, { is_active: false })).body.resume.is_active).toBe(false);
    for (const face of faces) expect((await fetchPublicResume(face, stack, created.permanent_token)).status).toBe(404);
    expect((await call("PATCH", `/${created.resume_id}`, { is_active: true })).body.resume.is_active).toBe(true);
    for (const face of faces) expect((await fetchPublicResume(face, stack, created.permanent_token)).body.access_count).toBeGreaterThan(2);
  });

  test("rotate the share token: the old link dies, the new one works, with a new QR code", async () => {
    const created = await uploadOk(faces[0]!, owner, { resume_name: "Rotating" });
    const rotated = await call("POST", `/${created.resume_id}/rotate-token`);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body).sort()).toEqual(["permanent_token", "preview_url", "qr_code_base64", "resume_id", "success"]);
    expect(rotated.body.resume_id).toBe(created.resume_id);
    expect(rotated.body.permanent_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.body.permanent_token).not.toBe(created.permanent_token);
    expect(rotated.body.preview_url).toBe(`https://previewcv.com/r/${rotated.body.permanent_token}`);
    expect(rotated.body.qr_code_base64).toStartWith("data:image/png;base64,");
    expect(rotated.body.qr_code_base64).not.toBe(created.qr_code_base64);
    for (const face of faces) {
      expect((await fetchPublicResume(face, stack, created.permanent_token)).status).toBe(404);
      const fresh = await fetchPublicResume(face, stack, rotated.body.permanent_token);
      expect([fresh.status, fresh.body.qr_code_base64]).toEqual([200, rotated.body.qr_code_base64]);
    }
    expect((await call("POST", "/999999999/rotate-token")).status).toBe(404);
  });

  test("delete removes the row, its views and the stored file", async () => {
    const created = await uploadOk(faces[1]!, owner, { resume_name: "Doomed" });
    await fetchPublicResume(faces[0]!, stack, created.permanent_token);
    const [row] = await superuser`select pdf_filename from public.resumes where id = ${created.resume_id}`;
    expect(localStoredFile(stack, row!.pdf_filename)).toBeDefined();

    const deleted = await call("DELETE", `/${created.resume_id}`);
    expect([deleted.status, deleted.body]).toEqual([200, { success: true, resume_id: created.resume_id, message: "Resume deleted" }]);
    expect(await superuser`select id from public.resumes where id = ${created.resume_id}`).toEqual([] as never);
    expect(await superuser`select resume_id from public.resume_access_logs where resume_id = ${created.resume_id}`).toEqual([] as never);
    expect(localStoredFile(stack, row!.pdf_filename)).toBeUndefined();
    for (const face of faces) expect((await fetchPublicResume(face, stack, created.permanent_token)).status).toBe(404);
    expect((await call("DELETE", `/${created.resume_id}`)).status).toBe(404);
  });

  test("analytics: total views, unique visitors, views per day, top referrers", async () => {
    const created = await uploadOk(faces[0]!, owner, { resume_name: "Watched" });
    const views = [
      { ip: "203.0.113.1", referer: "https://previewcv.com/r/a" },
      { ip: "203.0.113.1", referer: "https://previewcv.com/r/a" },
      { ip: "203.0.113.2", referer: "https://linkedin.com/feed" },
      { ip: "203.0.113.3", referer: "https://previewcv.com/r/a" },
      { ip: "203.0.113.3" },
    ];
    for (const view of views) {
      const answer = await fetchPublicResume(faces[0]!, stack, created.permanent_token, { ip: view.ip, headers: view.referer ? { referer: view.referer } : {} });
      expect(answer.status).toBe(200);
    }
    // The worker tells a first view of the day from a repeat (within a second, when it runs).
    await superuser`select private.worker_classify_resume_views(10000)`;
    const analytics = await call("GET", `/${created.resume_id}/analytics?days=7`);
    expect(analytics.status).toBe(200);
    const [today] = await superuser`select current_date::text as day`;
    expect(analytics.body).toEqual({
      success: true,
      resume_id: created.resume_id,
      days: 7,
      total_views: 5,
      unique_visitors: 3,
      last_accessed_at: expect.stringMatching(/Z$/),
      views_per_day: [{ day: today!.day, views: 5 }],
      top_referrers: [
        { referer: "https://previewcv.com/r/a", views: 3 },
        { referer: "https://linkedin.com/feed", views: 1 },
      ],
    });
    expect((await call("GET", `/${created.resume_id}/analytics`)).body.days).toBe(30);
    expect((await call("GET", `/${created.resume_id}/analytics?days=0`)).status).toBe(422);
    expect((await call("GET", `/${created.resume_id}/analytics?days=366`)).status).toBe(422);
    expect((await call("GET", "/999999999/analytics")).status).toBe(404);
  });

  describe("another user's resume does not exist for you", () => {
    let bob: Account;
    let aliceResume: { resume_id: number; permanent_token: string };

    beforeAll(async () => {
      bob = await registerCandidate(stack, { fullName: "Bob Stranger" });
      aliceResume = await uploadOk(faces[0]!, owner, { resume_name: "Owner's only" });
      await fetchPublicResume(faces[0]!, stack, aliceResume.permanent_token, { ip: "203.0.113.50", headers: { referer: "https://secret.example" } });
    });

    test("through the facade: read, rename, deactivate, rotate, delete and analytics are 404s that change nothing", async () => {
      const id = aliceResume.resume_id;
      const attempts = [
        ["GET", `/${id}`, undefined],
        ["PATCH", `/${id}`, { resume_name: "Hacked" }],
        ["PATCH", `/${id}`, { is_active: false }],
        ["POST", `/${id}/rotate-token`, undefined],
        ["DELETE", `/${id}`, undefined],
        ["GET", `/${id}/analytics`, undefined],
      ] as const;
      for (const [method, path, body] of attempts) {
        const answer = await call(method, path, body, bob);
        expect([method, path, answer.status, answer.body]).toEqual([method, path, 404, { success: false, detail: "Resume not found" }]);
      }
      expect((await call("GET", "/my-resumes", undefined, bob)).body.resumes).toEqual([]);
      const [row] = await superuser`select resume_name, is_active, permanent_token from public.resumes where id = ${id}`;
      expect(row).toEqual({ resume_name: "Owner's only", is_active: true, permanent_token: aliceResume.permanent_token });
      expect((await fetchPublicResume(faces[1]!, stack, aliceResume.permanent_token)).status).toBe(200);
    });

    test("as a supabase-js frontend would (PostgREST's role switch with Bob's own token claims): no rows, no logs, no stats", async () => {
      // The claims Supabase Auth put in Bob's real access token, as PostgREST sets them.
      const claims = jwtClaims(bob.token) as AccessTokenClaims;
      expect(claims.sub).toBe(bob.id);
      const api = createDatabasePool(asAuthenticatorUrl(stack.superuserUrl), { max: 1 });
      try {
        const seen = await asPostgrestCaller(api, { role: "authenticated", claims }, async (tx) => ({
          byId: await tx`select id from public.resumes where id = ${aliceResume.resume_id}`,
          byToken: await tx`select id from public.resumes where permanent_token = ${aliceResume.permanent_token}`,
          logs: await tx`select id from public.resume_access_logs where resume_id = ${aliceResume.resume_id}`,
          counters: await tx`select resume_id from public.resume_view_counters where resume_id = ${aliceResume.resume_id}`,
          stats: await tx`select resume_id from public.resume_stats where resume_id = ${aliceResume.resume_id}`,
          analytics: (await tx`select public.resume_analytics(${aliceResume.resume_id}, 30) as a`)[0]!.a,
          renamed: await tx`update public.resumes set resume_name = 'Hacked' where id = ${aliceResume.resume_id} returning id`,
          deleted: await tx`delete from public.resumes where id = ${aliceResume.resume_id} returning id`,
        }));
        expect({ ...seen, byId: [...seen.byId], byToken: [...seen.byToken], logs: [...seen.logs], counters: [...seen.counters], stats: [...seen.stats], renamed: [...seen.renamed], deleted: [...seen.deleted] }).toEqual({
          byId: [],
          byToken: [],
          logs: [],
          counters: [],
          stats: [],
          analytics: null,
          renamed: [],
          deleted: [],
        });
        // The owner, the same way, sees their resume and its log.
        const ownerSees = await asPostgrestCaller(api, { role: "authenticated", claims: jwtClaims(owner.token) as AccessTokenClaims }, (tx) =>
          tx`select count(*)::int as n from public.resume_access_logs where resume_id = ${aliceResume.resume_id}`,
        );
        const [truth] = await superuser`select count(*)::int as n from public.resume_access_logs where resume_id = ${aliceResume.resume_id}`;
        expect(ownerSees[0]!.n).toBeGreaterThan(0);
        expect(ownerSees[0]!.n).toBe(truth!.n);
      } finally {
        await api.end();
      }
    });
  });
});
