// Resume rows come from the upload path only (migration 20261201000500): the servers'
// private.record_uploaded_resume and private.rotate_resume_share_token, run with their
// login role for a session they verified; constraints that keep every stored value
// harmless, whoever writes it; and the per-account quotas.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { createDatabasePool } from "../../src/db/client.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "../support/database.ts";
import { createTestUser, startTestSession, type TestUser } from "../support/personas.ts";
import { shareToken } from "../support/world.ts";

let superuser: postgres.Sql;
let server: postgres.Sql; // the servers' login role, as the facade and the functions connect
beforeAll(async () => {
  const url = await migratedTestDatabase();
  superuser = postgres(url, { max: 2, onnotice: () => {} });
  server = createDatabasePool(asAuthenticatorUrl(url), { max: 12 });
});
// bun ignores a cleanup returned by beforeAll: close it after the file.
afterAll(async () => {
  await server.end();
  await superuser.end();
});

const hex32 = () => [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
const qr = `data:image/png;base64,iVBORw0KGgoA${"A".repeat(1000)}`;

interface Upload {
  owner: TestUser;
  session?: string | null;
  name?: string;
  key?: string;
  token?: string;
  qrCode?: string | null;
  bytes?: number;
  pdfUrl?: string | null;
  maxResumes?: number;
  maxBytes?: number;
}

function record(upload: Upload) {
  const key = upload.key ?? `${hex32()}.pdf`;
  return server`
    select private.record_uploaded_resume(
      owner_id => ${upload.owner.id}::uuid,
      owner_session_id => ${upload.session === undefined ? upload.owner.claims.session_id! : upload.session}::uuid,
      resume_name => ${upload.name ?? "CV"},
      storage_key => ${key},
      share_token => ${upload.token ?? shareToken()},
      qr_code => ${upload.qrCode === undefined ? qr : upload.qrCode},
      is_public => false,
      file_size_bytes => ${upload.bytes ?? 1000}::bigint,
      pdf_url => ${upload.pdfUrl === undefined ? `https://cdn.example.test/pdfs/${key}` : upload.pdfUrl},
      max_resumes => ${upload.maxResumes ?? 50},
      max_total_bytes => ${upload.maxBytes ?? 104857600}::bigint) as id`.then((rows) => Number(rows[0]!.id));
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: { code?: string; message?: string; detail?: string; constraint_name?: string }) => ({ code: e.code, message: e.message, detail: e.detail, constraint: e.constraint_name }),
  );

describe("private.record_uploaded_resume", () => {
  test("records the stored file as the owner's resume, with its size", async () => {
    const owner = await createTestUser(superuser);
    const key = `${hex32()}.pdf`;
    const id = await record({ owner, key, name: "My CV", bytes: 12345 });
    const [row] = await superuser`select user_id, resume_name, pdf_filename, pdf_url, file_size_bytes, is_public, is_active from public.resumes where id = ${id}`;
    expect(row).toEqual({
      user_id: owner.id,
      resume_name: "My CV",
      pdf_filename: key,
      pdf_url: `https://cdn.example.test/pdfs/${key}`,
      file_size_bytes: "12345",
      is_public: false,
      is_active: true,
    } as never);
  });

  test("refuses a session that ended, a deactivated or banned account and an unknown one (PT401/PT403), recording nothing", async () => {
    const owner = await createTestUser(superuser);
    const ended = await startTestSession(superuser, owner.id);
    await superuser`delete from auth.sessions where id = ${ended}`;
    expect(await failure(record({ owner, session: ended }))).toMatchObject({ code: "PT401", message: "The session has ended: sign in again", detail: "signed_out" });
    expect(await failure(record({ owner, session: null }))).toMatchObject({ code: "PT401", detail: "signed_out" });

    const banned = await createTestUser(superuser);
    await superuser`update auth.users set banned_until = now() + interval '1 day' where id = ${banned.id}`;
    expect(await failure(record({ owner: banned }))).toMatchObject({ code: "PT403", message: "The account is deactivated", detail: "banned" });

    const deactivated = await createTestUser(superuser);
    await superuser`update public.profiles set is_active = false where id = ${deactivated.id}`;
    expect(await failure(record({ owner: deactivated }))).toMatchObject({ code: "PT403", detail: "deactivated" });

    const ghost = { ...owner, id: crypto.randomUUID() };
    expect(await failure(record({ owner: ghost }))).toMatchObject({ code: "PT401", message: "The account no longer exists", detail: "no_account" });

    const [count] = await superuser`select count(*)::int as n from public.resumes where user_id = any(${[owner.id, banned.id, deactivated.id]}::uuid[])`;
    expect(count!.n).toBe(0);
  });

  test("the attacks of issue 11 are refused by the constraints even from the servers' own function", async () => {
    const owner = await createTestUser(superuser);
    const cases: [string, Upload, string][] = [
      ["a path out of the folder", { owner, key: `${owner.id}/../${hex32()}.pdf` }, "resumes_pdf_filename_format"],
      ["another user's folder", { owner, key: `${crypto.randomUUID()}/${hex32()}.pdf` }, "resumes_pdf_filename_format"],
      ["a nested folder", { owner, key: `${owner.id}/a/b.pdf` }, "resumes_pdf_filename_format"],
      ["a hidden file", { owner, key: `${owner.id}/.hidden.pdf` }, "resumes_pdf_filename_format"],
      ["an upper-case key", { owner, key: `${hex32().toUpperCase()}.pdf` }, "resumes_pdf_filename_format"],
      ["a javascript: QR code", { owner, qrCode: "javascript:alert(1)" }, "resumes_qr_code_png"],
      ["an SVG data URL", { owner, qrCode: "data:image/svg+xml;base64,PHN2Zz4=" }, "resumes_qr_code_png"],
      ["a 5 MB QR code", { owner, qrCode: `data:image/png;base64,${"A".repeat(5_000_000)}` }, "resumes_qr_code_png"],
      ["a QR code that is not base64", { owner, qrCode: "data:image/png;base64,<script>" }, "resumes_qr_code_png"],
      ["a control character in the name", { owner, name: "CV\u0000\u001b[31m".replace("\u0000", "") }, "resumes_resume_name_clean"],
      ["a C1 control character in the name", { owner, name: "CV\u0085" }, "resumes_resume_name_clean"],
      ["a blank name", { owner, name: "   " }, "resumes_resume_name_not_blank"],
      ["a pdf_url of another file", { owner, pdfUrl: "https://evil.example/other.pdf" }, "resumes_pdf_url_of_file"],
      ["a javascript: pdf_url", { owner, key: "0".repeat(32) + ".pdf", pdfUrl: `javascript:alert(1)//${"0".repeat(32)}.pdf` }, "resumes_pdf_url_of_file"],
      ["a weak share token", { owner, token: "abc" }, "resumes_permanent_token_format"],
      ["a size of zero", { owner, bytes: 0 }, ""],
    ];
    const failures: string[] = [];
    for (const [label, upload, constraint] of cases) {
      const outcome = await failure(record(upload));
      const expected = constraint ? { code: "23514", constraint } : { code: "22023" };
      if (!outcome || outcome.code !== expected.code || (constraint && outcome.constraint !== constraint)) {
        failures.push(`${label}: ${JSON.stringify(outcome)}, expected ${JSON.stringify(expected)}`);
      }
    }
    expect(failures).toEqual([]);
    const [count] = await superuser`select count(*)::int as n from public.resumes where user_id = ${owner.id}`;
    expect(count!.n).toBe(0);
  });

  test("a superuser cannot store such values either; earlier uploads' keys stay valid", async () => {
    const owner = await createTestUser(superuser);
    const insert = (key: string, qrCode: string | null = null) =>
      superuser`insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token, qr_code_base64)
                values (${owner.id}, 'CV', ${key}, ${shareToken()}, ${qrCode}) returning id`;
    expect(await failure(insert(`${owner.id}/../x.pdf`))).toMatchObject({ code: "23514", constraint: "resumes_pdf_filename_format" });
    expect(await failure(insert(`${hex32()}.pdf`, "javascript:alert(1)"))).toMatchObject({ code: "23514", constraint: "resumes_qr_code_png" });
    // {user_id}/{32 hex}.pdf, as uploads were keyed before, and the fixtures' {user_id}/{uuid}.pdf.
    expect((await insert(`${owner.id}/${hex32()}.pdf`)).length).toBe(1);
    expect((await insert(`${owner.id}/${crypto.randomUUID()}.pdf`)).length).toBe(1);
  });

  test("quota of resumes kept: PT409 with a clear message past the limit", async () => {
    const owner = await createTestUser(superuser);
    for (let i = 0; i < 3; i++) await record({ owner, maxResumes: 3 });
    expect(await failure(record({ owner, maxResumes: 3 }))).toEqual({
      code: "PT409",
      message: "Resume limit reached: an account keeps at most 3 resumes. Delete one to upload another.",
      detail: "quota=resumes max=3 kept=3",
      constraint: undefined,
    });
    // Deleting one makes room again.
    await superuser`delete from public.resumes where id = (select min(id) from public.resumes where user_id = ${owner.id})`;
    expect(await record({ owner, maxResumes: 3 })).toBeGreaterThan(0);
  });

  test("quota of bytes stored: PT409 past the limit; earlier rows without a size count as nothing", async () => {
    const owner = await createTestUser(superuser);
    await superuser`insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token) values (${owner.id}, 'Old', ${`${owner.id}/old.pdf`}, ${shareToken()})`;
    await record({ owner, bytes: 600, maxBytes: 1000 });
    expect(await failure(record({ owner, bytes: 401, maxBytes: 1000 }))).toMatchObject({
      code: "PT409",
      message: "Storage limit reached: an account keeps at most 1000 bytes of resumes (600 stored, this file has 401). Delete one to upload another.",
      detail: "quota=bytes max=1000 stored=600 file=401",
    });
    expect(await record({ owner, bytes: 400, maxBytes: 1000 })).toBeGreaterThan(0);
  });

  test("the defaults are 50 resumes and 100 MiB; limits must be positive", async () => {
    const [defaults] = await superuser`
      select pg_get_function_arguments('private.record_uploaded_resume(uuid,uuid,text,text,text,text,boolean,bigint,text,integer,bigint,text,integer)'::regprocedure) as args`;
    expect(defaults!.args).toContain("max_resumes integer DEFAULT 50");
    expect(defaults!.args).toContain("max_total_bytes bigint DEFAULT 104857600");
    const owner = await createTestUser(superuser);
    expect(await failure(record({ owner, maxResumes: 0 }))).toMatchObject({ code: "22023" });
  });

  test("concurrent uploads cannot overshoot the quota", async () => {
    const owner = await createTestUser(superuser);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => record({ owner, maxResumes: 4 }).then(() => "ok", (e: { code?: string }) => e.code)));
    expect(outcomes.filter((o) => o === "ok").length).toBe(4);
    expect(outcomes.filter((o) => o === "PT409").length).toBe(6);
    const [count] = await superuser`select count(*)::int as n from public.resumes where user_id = ${owner.id}`;
    expect(count!.n).toBe(4);
  });
});

describe("private.rotate_resume_share_token", () => {
  const rotate = (owner: TestUser, resumeId: number, options: { session?: string | null; token?: string; qrCode?: string } = {}) =>
    server`
      select private.rotate_resume_share_token(
        ${owner.id}::uuid, ${options.session === undefined ? owner.claims.session_id! : options.session}::uuid,
        ${resumeId}::bigint, ${options.token ?? shareToken()}, ${options.qrCode ?? qr}) as id`.then((rows) => rows[0]!.id as number | null);

  test("the owner gets a new token and QR code; anyone else gets null and changes nothing", async () => {
    const owner = await createTestUser(superuser);
    const stranger = await createTestUser(superuser);
    const id = await record({ owner });
    const token = shareToken();
    expect(Number(await rotate(owner, id, { token }))).toBe(id);
    const [row] = await superuser`select permanent_token from public.resumes where id = ${id}`;
    expect(row!.permanent_token).toBe(token);
    expect(await rotate(stranger, id)).toBeNull();
    expect((await superuser`select permanent_token from public.resumes where id = ${id}`)[0]!.permanent_token).toBe(token);
    expect(await rotate(owner, 999_999_999)).toBeNull();
  });

  test("refuses an ended session and junk values", async () => {
    const owner = await createTestUser(superuser);
    const id = await record({ owner });
    expect(await failure(rotate(owner, id, { session: crypto.randomUUID() }))).toMatchObject({ code: "PT401" });
    expect(await failure(rotate(owner, id, { qrCode: "javascript:alert(1)" }))).toMatchObject({ code: "23514", constraint: "resumes_qr_code_png" });
    expect(await failure(rotate(owner, id, { token: "short" }))).toMatchObject({ code: "23514", constraint: "resumes_permanent_token_format" });
  });
});
