// PDFs with active content, encrypted or disguised, uploaded through both faces (hole 7
// of issue 11: a PDF with a JavaScript /OpenAction and a PDF/HTML polyglot were stored
// and served inline). MuPDF reads every upload before anything is stored
// (src/core/pdf-document.ts): each is a 400 saying what is wrong, with no row and no
// file, PDF or thumbnail, left behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { everyLocalStoredFile, faces, upload } from "../support/faces.ts";
import { hostilePdfs } from "../support/hostile-pdfs.ts";
import { testClientIp, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let superuser: postgres.Sql;

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
});

afterAll(async () => {
  await superuser?.end();
});

const exportAgain = "export it again without them (print to PDF removes them)";
// prettier-ignore
const cases: { name: string; bytes: () => Uint8Array<ArrayBuffer>; detail: string }[] = [
  { name: "JavaScript run on open (/OpenAction)", bytes: hostilePdfs.javaScriptOnOpen, detail: `The PDF contains JavaScript, which resumes may not carry; ${exportAgain}.` },
  { name: "a launch action (/Launch)",            bytes: hostilePdfs.launchOnOpen,     detail: `The PDF contains a launch action (opens another program or file), which resumes may not carry; ${exportAgain}.` },
  { name: "an embedded file",                     bytes: hostilePdfs.embeddedFile,     detail: `The PDF contains an embedded file, which resumes may not carry; ${exportAgain}.` },
  { name: "a PDF/HTML polyglot",                  bytes: hostilePdfs.htmlPolyglot,     detail: "Only PDF files are allowed" },
  { name: "an encrypted PDF",                     bytes: hostilePdfs.encrypted,        detail: "The PDF is encrypted or password-protected; upload a copy without a password." },
];

for (const face of faces) {
  describe(`refused through the ${face.name}: 400, no row, no file`, () => {
    let uploader: Account;
    beforeAll(async () => {
      uploader = await registerCandidate(stack);
    });

    for (const refused of cases) {
      test(refused.name, async () => {
        const filesBefore = everyLocalStoredFile(stack);
        const answer = await upload(face, stack, { token: uploader.token, ip: testClientIp(), fields: { file: { bytes: refused.bytes(), name: "resume.pdf" } } });
        expect([answer.status, answer.body.success, answer.body.detail]).toEqual([400, false, refused.detail]);
        expect(await superuser`select id from public.resumes where user_id = ${uploader.id}`).toEqual([] as never);
        expect(everyLocalStoredFile(stack)).toEqual(filesBefore);
      });
    }
  });
}
