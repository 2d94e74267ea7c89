// `bun bench/webhooks.ts` (part of `npm run bench`): what events and webhooks cost and
// deliver, measured side by side in one run on one throwaway database.
//
//   1. The hot paths with and without events. The public fetch (the very statement the
//      servers send, private.fetch_shared_resume, as the servers' login role) and apply
//      (the facade's apply statement, as the candidate, under RLS) run the same load
//      with the event triggers switched off and on (alter table ... disable trigger),
//      in back-to-back pairs, round after round; the median of the pairs' ratios is
//      reported (the machine is shared and noisy: a pair shares its moment's load).
//      Measured at the database, where the triggers' share of the work is largest: the
//      facade and the functions only add the same HTTP cost to both. Goal: >= 0.9x.
//   2. Deliveries: a local receiver, 1 and then 4 worker processes (started as npm start
//      starts its worker, with the local stack's environment: src/local/stack.ts
//      serverEnvironment and startWorker), each with its default settings. Throughput: a backlog of
//      events committed at once, drained to the receiver. Latency: events committed one
//      by one at a steady rate, p50/p99 from the event's commit to its arrival.
//
// Knobs (environment): BENCH_SECONDS (3), BENCH_WARMUP_SECONDS (1), BENCH_ROUNDS (6),
// BENCH_CONCURRENCY (16), BENCH_DB_POOL (4), BENCH_BACKLOG (2000 events),
// BENCH_RATE (100 events/s for the latency run), BENCH_POLL_MS (the worker's
// WORKER_POLL_INTERVAL_MS, default its own 500).
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createApplicationsService } from "../src/core/applications/service.ts";
import { createLogger } from "../src/core/log.ts";
import { loadKeyring, newWebhookSecret, sealSecret } from "../src/core/webhooks/secrets.ts";
import { createDatabasePool, type SignedInCaller } from "../src/db/client.ts";
import { createProjectApiKeys, supabaseCliJwtSecret } from "../src/local/auth/index.ts";
import { freePort } from "../src/local/ports.ts";
import type { RunningProcess } from "../src/local/processes.ts";
import { authenticatorUrl, localWebhookSecretKeys, serverEnvironment, startWorker as startStackWorker } from "../src/local/stack.ts";
import { printTable, ratio, runLoad, type LoadResult } from "./support/measure.ts";
import { startBenchDatabase } from "./support/throwaway-stack.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const poolSize = Number(process.env.BENCH_DB_POOL ?? 4);
const backlog = Number(process.env.BENCH_BACKLOG ?? 2000);
const rate = Number(process.env.BENCH_RATE ?? 100);
const pollMs = process.env.BENCH_POLL_MS;
/** The workers' local storage folder (they store nothing here; their settings name one). */
const benchStorageDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-bench-webhooks-"));

/** The API token supabase/seed.sql stores for local development. */
const apiToken = "pcv_local_development_token_not_for_production";
const eventTriggers = [
  ["public.resume_access_logs", "resume_access_logs_record_view"],
  ["public.job_applications", "job_applications_record_event"],
  ["public.job_postings", "job_postings_record_change"],
  ["public.job_postings", "job_postings_schedule_expiry"],
] as const;

/** A candidate's caller, in their signed-in session (the database refuses a token whose session does not exist). */
function callerOf(candidate: { id: string; sessionId: string }): SignedInCaller {
  return {
    role: "authenticated",
    claims: { sub: candidate.id, role: "authenticated", aud: "authenticated", email: `${candidate.id}@bench.test`, session_id: candidate.sessionId },
  };
}

async function main() {
  console.log(
    `Events and webhooks: ${concurrency} in flight, pools of ${poolSize}, ${seconds} s per case (after ${warmupSeconds} s warm-up), ${rounds} rounds, ` +
      `backlog ${backlog} events, latency at ${rate} events/s, ${os.cpus().length} cores.`,
  );
  console.log("Starting a throwaway PostgreSQL (migrations through the Supabase CLI)…");
  const database = await startBenchDatabase();
  const superuser = postgres(database.url, { max: 4, onnotice: () => {} });
  const server = createDatabasePool(authenticatorUrl(database.url), { max: poolSize, applicationName: "previewcv-bench" });
  const workers: RunningProcess[] = [];
  const receiverServer = startReceiverServer();
  try {
    // --- Fixtures: one recruiter with postings, candidates with a resume each. ---------
    const user = async (type: "candidate" | "recruiter") => {
      const id = crypto.randomUUID();
      await superuser`
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', 'authenticated', ${`bench.${id}@example.test`}, '', now(),
                '{"provider":"email","providers":["email"]}', ${superuser.json({ full_name: "Bench", user_type: type })}, now(), now())`;
      return id;
    };
    const recruiter = await user("recruiter");
    const candidateCount = 200;
    const candidates: { id: string; sessionId: string; resumeId: number }[] = [];
    for (let i = 0; i < candidateCount; i++) {
      const id = await user("candidate");
      // Signed in, as Supabase Auth records a sign-in.
      const sessionId = crypto.randomUUID();
      await superuser`insert into auth.sessions (id, user_id, created_at, updated_at, aal) values (${sessionId}, ${id}, now(), now(), 'aal1')`;
      const [resume] = await superuser`
        insert into public.resumes (user_id, resume_name, pdf_filename, permanent_token)
        values (${id}, 'CV', ${`${id}/${crypto.randomUUID()}.pdf`}, translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/=', '-_'))
        returning id`;
      candidates.push({ id, sessionId, resumeId: Number(resume!.id) });
    }
    const jobs = async (count: number) =>
      (await superuser`
        insert into public.job_postings (recruiter_id, title, company_name, description)
        select ${recruiter}, 'Bench role ' || i, 'Corp', 'Work.' from generate_series(1, ${count}) i returning id`).map((row) => Number(row.id));
    const shareTokens = (await superuser`select permanent_token from public.resumes`).map((row) => row.permanent_token as string);
    await superuser`vacuum analyze`;
    console.log(`Seeded ${candidateCount} candidates with a resume each.\n`);

    // --- 1. The hot paths with and without events. -------------------------------------
    const digest = createHash("sha256").update(apiToken).digest();
    const fetchOnce = async () => {
      const token = shareTokens[Math.floor(Math.random() * shareTokens.length)]!;
      const [row] = await server`select * from private.fetch_shared_resume(${digest}, ${token}, ${"203.0.113.9"}::inet, ${"previewcv-bench/1.0"}, ${"https://previewcv.com/bench"})`;
      return row?.outcome === "ok";
    };
    // The faces' apply (src/core/applications/service.ts), as the candidate: the
    // service itself, on the servers' login role (its other dependencies go unused).
    const applications = createApplicationsService({
      sql: server,
      storage: { signedUrl: () => Promise.reject(new Error("apply signs no URL")) },
      settings: { SIGNED_URL_TTL_SECONDS: 300 },
      log: createLogger({ service: "bench", level: "warn" }),
    });
    let pairs: { candidate: (typeof candidates)[number]; job: number }[] = [];
    let nextPair = 0;
    const applyOnce = async () => {
      const pair = pairs[nextPair++];
      if (!pair) return false;
      const answer = await applications.apply(callerOf(pair.candidate), pair.job, { resume_id: pair.candidate.resumeId, cover_letter: "Hello" });
      return answer.success;
    };
    const setTriggers = async (on: boolean) => {
      for (const [table, trigger] of eventTriggers) await superuser.unsafe(`alter table ${table} ${on ? "enable" : "disable"} trigger ${trigger}`);
    };
    const reset = async () => {
      await superuser`truncate public.resume_access_logs, public.resume_view_counters, private.events, private.pending_resume_views`;
    };

    // The third public-fetch case adds a worker folding the queued views meanwhile, as
    // in production (where it runs on a machine of its own, but its queries hit the
    // same database).
    type Case = { path: "public fetch" | "apply"; events: boolean; worker?: boolean };
    const cases: Case[] = [
      { path: "public fetch", events: false },
      { path: "public fetch", events: true },
      { path: "public fetch", events: true, worker: true },
      { path: "apply", events: false },
      { path: "apply", events: true },
    ];
    const labelOf = (kase: Case) => `${kase.path}, events ${kase.events ? "on" : "off"}${kase.worker ? " + worker" : ""}`;
    // Pairs measured back to back (without, then with; the next round the other way
    // round), so the load other work puts on this shared machine, which drifts over
    // seconds, hits both halves of a pair alike: the ratio is each pair's, the median
    // over the rounds is what is reported.
    const comparisons: { name: string; without: Case; with: Case }[] = [
      { name: "public fetch", without: cases[0]!, with: cases[1]! },
      { name: "public fetch + worker", without: cases[0]!, with: cases[2]! },
      { name: "apply", without: cases[3]!, with: cases[4]! },
    ];
    const runs = new Map<string, LoadResult[]>();
    const pairRatios = new Map<string, number[]>();
    const measure = async (kase: Case) => {
      await reset();
      await setTriggers(kase.events);
      if (kase.path === "apply") {
        // Fresh postings, each pair (candidate, posting) once; neighbours in time hit
        // different postings, as real applies do (no single hot posting row).
        const fresh = await jobs(Math.ceil(((seconds + warmupSeconds) * 4000) / candidateCount));
        pairs = [];
        for (let c = 0; c < candidateCount; c++) for (const job of fresh) pairs.push({ candidate: candidates[c]!, job });
        pairs.sort(() => Math.random() - 0.5);
        nextPair = 0;
        await superuser`analyze public.job_postings`;
      }
      const label = labelOf(kase);
      const folding = kase.worker ? await startWorker(database.url) : undefined;
      const result = await runLoad({ label, concurrency, seconds, warmupSeconds, request: kase.path === "apply" ? applyOnce : fetchOnce });
      await folding?.stop();
      runs.set(label, [...(runs.get(label) ?? []), result]);
      return result;
    };
    for (let round = 1; round <= rounds; round++) {
      console.log(`Round ${round} of ${rounds}:`);
      for (const comparison of comparisons) {
        const order = round % 2 === 1 ? [comparison.without, comparison.with] : [comparison.with, comparison.without];
        const [first, second] = [await measure(order[0]!), await measure(order[1]!)];
        const [without, withEvents] = round % 2 === 1 ? [first, second] : [second, first];
        const pairRatio = withEvents.rps / without.rps;
        pairRatios.set(comparison.name, [...(pairRatios.get(comparison.name) ?? []), pairRatio]);
        console.log(
          `  ${comparison.name.padEnd(22)} without ${without.rps.toFixed(0).padStart(5)} req/s, with ${withEvents.rps.toFixed(0).padStart(5)} req/s ` +
            `(p99 ${without.p99Ms.toFixed(1)} / ${withEvents.p99Ms.toFixed(1)} ms): ${pairRatio.toFixed(2)}×`,
        );
      }
    }
    await setTriggers(true);
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    };
    const best = (label: string) => [...runs.get(label)!].sort((a, b) => b.rps - a.rps)[0]!;
    const rows = cases.map((kase) => best(labelOf(kase)));
    console.log(`\nBest round per case:`);
    printTable(rows, (row) => ({ "req/s per run": runs.get(row.label)!.map((r) => r.rps.toFixed(0)).join(" / ") }));
    console.log("\nWith events / without, median of the back-to-back pairs (goal >= 0.90x):");
    for (const comparison of comparisons) {
      const ratios = pairRatios.get(comparison.name)!;
      console.log(`  ${comparison.name.padEnd(22)} ${median(ratios).toFixed(2)}×  (pairs: ${ratios.map((r) => r.toFixed(2)).join(", ")})`);
    }

    // --- 2. Deliveries with 1 and 4 workers. -------------------------------------------
    await reset();
    await superuser`delete from public.notifications`;
    const keyring = await loadKeyring(localWebhookSecretKeys);
    const sealed = await sealSecret(keyring, recruiter, newWebhookSecret());
    await superuser`
      insert into public.webhook_endpoints (user_id, url, event_types, secret_ciphertext, secret_key_id)
      values (${recruiter}, ${receiverServer.url}, '{application.created}', ${sealed.ciphertext}, ${sealed.keyId})`;
    const deliveryJobs = await jobs(Math.ceil((backlog * 2 + rate * seconds * 2 + 100) / candidateCount) + 1);
    let pair = 0;
    const nextApplications = (count: number) => {
      const chosen: { job: number; candidate: string; resume: number }[] = [];
      for (let i = 0; i < count; i++, pair++) {
        const candidate = candidates[pair % candidateCount]!;
        chosen.push({ job: deliveryJobs[Math.floor(pair / candidateCount)]!, candidate: candidate.id, resume: candidate.resumeId });
      }
      return chosen;
    };
    const insertApplications = async (count: number) => {
      const chosen = nextApplications(count);
      const ids = await superuser`
        insert into public.job_applications (job_id, candidate_id, resume_id)
        select * from unnest(${chosen.map((c) => c.job)}::bigint[], ${chosen.map((c) => c.candidate)}::uuid[], ${chosen.map((c) => c.resume)}::bigint[])
        returning id`;
      return ids.map((row) => Number(row.id));
    };

    const deliveryRows: { workers: number; perSecond: number; p50: number; p99: number; duplicates: number }[] = [];
    for (const count of [1, 4]) {
      for (const running of workers.splice(0)) await running.stop();
      receiverServer.reset();
      for (let i = 0; i < count; i++) workers.push(await startWorker(database.url));

      // Throughput: a backlog committed at once, drained.
      const started = performance.now();
      await insertApplications(backlog);
      await receiverServer.waitFor(backlog, 120_000);
      const drainSeconds = (performance.now() - started) / 1000;

      // Latency: one event at a time at a steady rate; commit time to arrival.
      receiverServer.reset();
      const committed = new Map<number, number>();
      const total = Math.round(rate * seconds);
      const interval = 1000 / rate;
      const begin = performance.now();
      for (let i = 0; i < total; i++) {
        const due = begin + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await Bun.sleep(wait);
        const [id] = await insertApplications(1);
        committed.set(id!, performance.now());
      }
      await receiverServer.waitFor(total, 60_000);
      const latencies = [...committed].map(([id, at]) => receiverServer.arrivals.get(id)! - at).sort((a, b) => a - b);
      const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
      deliveryRows.push({ workers: count, perSecond: backlog / drainSeconds, p50: pick(0.5), p99: pick(0.99), duplicates: receiverServer.duplicates });
      console.log(`  ${count} worker${count > 1 ? "s" : " "}: ${(backlog / drainSeconds).toFixed(0)} deliveries/s draining ${backlog}; event to delivery p50 ${pick(0.5).toFixed(0)} ms, p99 ${pick(0.99).toFixed(0)} ms at ${rate}/s`);
    }
    console.log(`\nDeliveries to a local receiver (worker defaults${pollMs ? `, poll ${pollMs} ms` : ", poll 500 ms"}, concurrency 16 each):`);
    console.log("workers  deliveries/s  p50 event->delivery  p99 event->delivery  duplicates");
    for (const row of deliveryRows) {
      console.log(`${String(row.workers).padStart(7)}  ${row.perSecond.toFixed(0).padStart(12)}  ${(row.p50.toFixed(0) + " ms").padStart(19)}  ${(row.p99.toFixed(0) + " ms").padStart(19)}  ${String(row.duplicates).padStart(10)}`);
    }
    console.log(`  4 workers / 1 worker: ${ratio(deliveryRows[1]!.perSecond, deliveryRows[0]!.perSecond)}`);
    const failedGoal = ["public fetch", "apply"].some((name) => median(pairRatios.get(name)!) < 0.9);
    const errors = rows.reduce((sum, row) => sum + row.errors, 0);
    if (errors > 0 || deliveryRows.some((row) => row.duplicates > 0)) process.exitCode = 1;
    if (failedGoal) console.log("\nBelow the 0.90x goal on this run (a shared machine moves these numbers; run again to compare).");
  } finally {
    for (const running of workers) await running.stop().catch(() => {});
    receiverServer.stop();
    await server.end();
    await superuser.end();
    await database.stop();
    fs.rmSync(benchStorageDir, { recursive: true, force: true });
  }
}

/**
 * A worker process as npm start runs it: the local stack's server environment
 * (serverEnvironment, which the worker's settings require whole), its own defaults.
 * No gateway runs here: nothing this benchmark queues reaches Supabase Auth or the
 * file server, so their URLs point at a port nothing listens on.
 */
async function startWorker(superuserUrl: string): Promise<RunningProcess> {
  const env = serverEnvironment({
    superuserUrl,
    gatewayUrl: `http://127.0.0.1:${await freePort()}`,
    facadePort: await freePort(),
    storageDir: benchStorageDir,
    keys: await createProjectApiKeys(supabaseCliJwtSecret),
    env: {
      DB_POOL_SIZE: String(poolSize),
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...(pollMs ? { WORKER_POLL_INTERVAL_MS: pollMs } : {}),
    },
  });
  return startStackWorker({
    env,
    log: (line) => {
      if (/error|warn/i.test(line)) console.log(line);
    },
  });
}

/** A receiver that answers 200 at once and notes when each application's delivery arrived. */
function startReceiverServer() {
  const arrivals = new Map<number, number>();
  let count = 0;
  let duplicates = 0;
  const seen = new Set<string>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const at = performance.now();
      const body = (await request.json()) as { data: { application_id: number } };
      const id = request.headers.get("webhook-id") ?? "";
      if (seen.has(id)) duplicates++;
      seen.add(id);
      arrivals.set(body.data.application_id, at);
      count++;
      return new Response("ok");
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/bench`,
    arrivals,
    get duplicates() {
      return duplicates;
    },
    reset() {
      arrivals.clear();
      count = 0;
    },
    async waitFor(total: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (count < total) {
        if (Date.now() > deadline) throw new Error(`only ${count} of ${total} deliveries arrived`);
        await Bun.sleep(5);
      }
    },
    stop: () => server.stop(true),
  };
}

await main();
