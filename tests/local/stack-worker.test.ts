// `npm start`'s stack runs a worker beside the facade, started through startProcess like
// the other servers (guarded, waited for on its /ready), and stops it with the stack.
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "../../src/local/ports.ts";
import { startStack } from "../../src/local/stack.ts";
import { migratedTestDatabase } from "../support/database.ts";
import { insertResume } from "../support/job-board.ts";
import { createTestUser } from "../support/personas.ts";
import { unreachableNetwork } from "../support/stack.ts";
import { eventually } from "../support/webhooks.ts";

test("the stack starts a worker that tells events and classifies views, and stops it with the stack", async () => {
  const superuserUrl = await migratedTestDatabase();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-stack-worker-"));
  const sql = postgres(superuserUrl, { max: 1, onnotice: () => {} });
  const stack = await startStack({
    superuserUrl,
    ports: { gateway: await freePort(), facade: await freePort() },
    stateDir,
    functionNames: [],
    bcryptCost: 4,
    env: { LOG_LEVEL: "warn", ...unreachableNetwork },
  });
  try {
    const worker = stack.servers.find((server) => server.name === "worker");
    expect(worker?.url).toBe(stack.workerUrl!);
    expect((await fetch(`${stack.workerUrl}/health`)).status).toBe(200);
    expect((await fetch(`${stack.workerUrl}/ready`)).status).toBe(200);

    const recruiter = await createTestUser(sql, { userType: "recruiter" });
    const [job] = await sql`
      insert into public.job_postings (recruiter_id, title, company_name, description) values (${recruiter.id}, 'Told', 'Corp', 'Work.') returning id`;
    await sql`update public.job_postings set is_active = false where id = ${job!.id}`;
    // Closed by an admin (no JWT): the recruiter is told.
    const notice = await eventually(
      async () => (await sql`select title from public.notifications where user_id = ${recruiter.id} and type = 'job_posting.closed'`)[0],
      20_000,
      "the stack's worker to tell the event",
    );
    expect(notice.title).toBe("Posting closed");

    // A person's view of a shared resume, logged by the public fetch: the worker tells it
    // a first view of the day.
    const [apiToken] = await sql`select token from private.create_api_token('stack worker test')`;
    const resumeId = await insertResume(sql, recruiter.id, { name: "Viewed" });
    const [resume] = await sql`select permanent_token from public.resumes where id = ${resumeId}`;
    const digest = createHash("sha256").update(apiToken!.token as string).digest();
    const [fetched] = await sql`select view_kind from private.fetch_shared_resume(${digest}, ${resume!.permanent_token}, '203.0.113.44', 'Mozilla/5.0', null)`;
    expect(fetched!.view_kind).toBe("person");
    const classified = await eventually(
      async () => (await sql`select kind from public.resume_access_logs where resume_id = ${resumeId} and kind <> 'person'`)[0],
      20_000,
      "the stack's worker to classify the view",
    );
    expect(classified.kind).toBe("human");

    await stack.stop();
    expect(await worker!.exited).toEqual({ code: 0, signal: null });
  } finally {
    await stack.stop();
    await sql.end();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
