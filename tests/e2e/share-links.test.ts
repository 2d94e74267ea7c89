// Share links, link previews and thumbnails end to end, over real HTTP, through both
// faces (the /api/v1 facade and the edge functions behind the gateway, Deno included):
// a one-time link under 50 concurrent fetches serves once, the preview fields and the
// thumbnail, bots and the owner told apart, an unrenderable PDF refused before anything
// is stored, and a deleted resume taking its thumbnail with it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import * as mupdf from "mupdf";
import postgres from "postgres";
import { SharedResumeResponse } from "../../src/core/resumes/model.ts";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { faces, fetchPublicResume, localStoredFiles, upload } from "../support/faces.ts";
import { buildPdf } from "../support/pdf.ts";
import { callFacade, testClientIp, testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let superuser: postgres.Sql;
let owner: Account;

beforeAll(async () => {
  stack = await testStack();
  superuser = postgres(stack.superuserUrl, { max: 4, onnotice: () => {} });
  owner = await registerCandidate(stack, { fullName: "Nina Networker" });
});
afterAll(async () => {
  await superuser?.end();
});

const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const thumbnailsDir = () => path.join(stack.serverEnv.LOCAL_STORAGE_DIR!, "thumbnails");
const storedThumbnails = () => (fs.existsSync(thumbnailsDir()) ? fs.readdirSync(thumbnailsDir()).sort() : []);

async function uploadOk(account: Account, name: string, pdf = buildPdf({ text: name })) {
  const answer = await upload(faces[0]!, stack, { token: account.token, ip: testClientIp(), fields: { file: { bytes: pdf }, resume_name: name } });
  expect(answer.status).toBe(200);
  return answer.body as { resume_id: number; permanent_token: string };
}

async function newLink(resumeId: number, body: Record<string, unknown>) {
  const answer = await callFacade(stack, "POST", `/api/v1/resumes/${resumeId}/links`, { token: owner.token, ip: testClientIp(), body });
  expect(answer.status).toBe(200);
  return answer.body.link as { id: number; token: string };
}

for (const face of faces) {
  describe(`share links through the ${face.name}`, () => {
    let resume: { resume_id: number; permanent_token: string };
    beforeAll(async () => {
      resume = await uploadOk(owner, `Shared via ${face.name}`);
    });

    test("a one-time link fetched by 50 clients at once is served exactly once; the rest are the unknown token's 404", async () => {
      const link = await newLink(resume.resume_id, { label: `One-time, ${face.name}`, view_limit: 1 });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetchPublicResume(face, stack, link.token, { headers: { "x-viewer-ip": `2001:db8:50::${i + 1}`, "x-viewer-user-agent": browser } })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBe(1);
      expect(statuses.filter((s) => s === 404).length).toBe(49);
      for (const answer of answers.filter((a) => a.status === 404)) expect(answer.body).toEqual({ success: false, detail: "Resume not found" });
      const [logged] = await superuser`select count(*)::int as n from public.resume_access_logs where link_id = ${link.id}`;
      expect(logged!.n).toBe(1);
    });

    test("include=preview: the card's title and a signed thumbnail; a preview bot counts no view", async () => {
      const before = await fetchPublicResume(face, stack, resume.permanent_token, { headers: { "x-viewer-user-agent": browser, "x-viewer-ip": "2001:db8:51::1" } });
      const answer = await fetchPublicResume(face, stack, `${resume.permanent_token}?include=preview`, {
        headers: { "x-viewer-user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "x-viewer-ip": "2001:db8:51::2" },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.access_count).toBe(before.body.access_count);
      expect(answer.body.preview).toEqual({ title: `Shared via ${face.name}`, thumbnail_url: expect.stringContaining("/thumbnails/"), page_count: 1 });
      const png = await fetch(answer.body.preview.thumbnail_url);
      expect(png.status).toBe(200);
      expect(png.headers.get("content-type")).toBe("image/png");
      const image = new mupdf.Image(new Uint8Array(await png.arrayBuffer()));
      expect(image.getWidth()).toBe(400);
      expect(JSON.stringify(answer.body)).not.toContain(owner.id);
      const [bot] = await superuser`select kind from public.resume_access_logs where resume_id = ${resume.resume_id} order by id desc limit 1`;
      expect(bot!.kind).toBe("bot");
    });

    // The facade answers the public fetch's 200 without validating it per request (the
    // hottest path), and the function never did: this holds real answers to the
    // documented schema. Parsing strips what the schema does not name, so an answer
    // equal to its parse has nothing more and nothing less.
    test("every kind of 200 answers the documented schema exactly (SharedResumeResponse)", async () => {
      const limited = await newLink(resume.resume_id, { label: `Limited, ${face.name}`, view_limit: 5 });
      const answers = [
        await fetchPublicResume(face, stack, resume.permanent_token, { headers: { "x-viewer-user-agent": browser } }),
        await fetchPublicResume(face, stack, `${resume.permanent_token}?include=preview`, { headers: { "x-viewer-user-agent": browser } }),
        await fetchPublicResume(face, stack, limited.token, { headers: { "x-viewer-user-agent": browser } }),
        // A bot's preview of a view-limited link: the preview without the document.
        await fetchPublicResume(face, stack, `${limited.token}?include=preview`, { headers: { "x-viewer-user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" } }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      expect(answers.map((answer) => answer.headers.get("content-type"))).toEqual(Array(4).fill(expect.stringMatching(/^application\/json;\s?charset=utf-8$/)));
      expect(answers[3]!.body.pdf_signed_url).toBeNull();
      for (const answer of answers) expect(SharedResumeResponse.parse(answer.body)).toEqual(answer.body);
    });

    test("the owner's own token: logged as the owner's, not counted", async () => {
      const before = (await fetchPublicResume(face, stack, resume.permanent_token)).body.access_count as number;
      const own = await fetchPublicResume(face, stack, resume.permanent_token, { headers: { authorization: `Bearer ${owner.token}` } });
      expect([own.status, own.body.access_count]).toEqual([200, before]);
      const [log] = await superuser`select kind from public.resume_access_logs where resume_id = ${resume.resume_id} order by id desc limit 1`;
      expect(log!.kind).toBe("owner");
    });

    test("gates answer with their reasons; a malformed email is a 422 naming the header", async () => {
      const link = await newLink(resume.resume_id, { label: `Gated, ${face.name}`, password: "let me in", require_viewer_email: true });
      expect(await fetchPublicResume(face, stack, link.token).then((a) => [a.status, a.body.reason])).toEqual([401, "password_required"]);
      expect(await fetchPublicResume(face, stack, link.token, { headers: { "x-link-password": "nope" } }).then((a) => [a.status, a.body.reason])).toEqual([401, "password_invalid"]);
      expect(await fetchPublicResume(face, stack, link.token, { headers: { "x-link-password": "let me in" } }).then((a) => [a.status, a.body.reason])).toEqual([401, "email_required"]);
      const malformed = await fetchPublicResume(face, stack, link.token, { headers: { "x-link-password": "let me in", "x-viewer-email": "not an email" } });
      expect([malformed.status, malformed.body.errors?.[0]?.loc]).toEqual([422, ["header", "x-viewer-email"]]);
      const ok = await fetchPublicResume(face, stack, link.token, { headers: { "x-link-password": "let me in", "x-viewer-email": "talent@acme.example" } });
      expect([ok.status, ok.body.permanent_token, ok.body.qr_code_base64]).toEqual([200, link.token, null]);
    });

    test("a PDF the renderer cannot render is refused with a 400: no row, no file, no thumbnail", async () => {
      const doc = mupdf.Document.openDocument(buildPdf(), "application/pdf").asPDF()!;
      const open = doc.newDictionary();
      open.put("S", doc.newName("JavaScript"));
      open.put("JS", doc.newString("app.alert(1)"));
      doc.getTrailer().get("Root").put("OpenAction", open);
      const hostile = doc.saveToBuffer("").asUint8Array().slice();
      doc.destroy();
      const refuser = await registerCandidate(stack);
      const thumbnailsBefore = storedThumbnails();
      const pdfsBefore = localStoredFiles(stack);
      const answer = await upload(face, stack, { token: refuser.token, ip: testClientIp(), fields: { file: { bytes: hostile } } });
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toMatch(/PDF/);
      expect(await superuser`select id from public.resumes where user_id = ${refuser.id}`).toEqual([] as never);
      expect(storedThumbnails()).toEqual(thumbnailsBefore);
      expect(localStoredFiles(stack)).toEqual(pdfsBefore);
    });
  });
}

describe("thumbnails in local storage", () => {
  test("stored beside the PDF under a key of their own; deleting the resume deletes both", async () => {
    const created = await uploadOk(owner, "Short-lived");
    const [row] = await superuser`select pdf_filename, thumbnail_key from public.resumes where id = ${created.resume_id}`;
    expect(row!.thumbnail_key).toMatch(/^[0-9a-f]{32}\.png$/);
    expect(row!.thumbnail_key.slice(0, 32)).not.toBe(row!.pdf_filename.slice(0, 32));
    expect(storedThumbnails()).toContain(row!.thumbnail_key);
    const deleted = await callFacade(stack, "DELETE", `/api/v1/resumes/${created.resume_id}`, { token: owner.token, ip: testClientIp() });
    expect(deleted.status).toBe(200);
    expect(storedThumbnails()).not.toContain(row!.thumbnail_key);
  });
});
