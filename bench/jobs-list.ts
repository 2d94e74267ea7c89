// GET /api/v1/jobs/list on 1,000,000 postings, and what its `total` costs.
//
//   1. The cap table: for broad filters, the facade's one statement
//      (list_open_job_postings_with_total: the page and its total) at caps 50 to 10,000,
//      beside the page alone (the same function without a total), the list as it ran
//      before (list_open_job_postings + count_open_job_postings, two statements, each
//      planned per call) and the exact count as it was before issue 12 (single client,
//      medians). The defaults of JOB_LIST_TOTAL_CAP and JOB_LIST_SEARCH_TOTAL_CAP come
//      from this table.
//   2. EXPLAIN (ANALYZE, BUFFERS) of the facade's statement at the facade's caps, as it
//      runs inside the listing function (auto_explain), and for contrast the same
//      filters through the table under RLS.
//   3. Where a request's time goes in the facade (one in flight): the statement, the core,
//      the Elysia app in process, the facade over HTTP, and single pieces such as the zod
//      validation of each 200 answer.
//   4. Load, side by side in one run: the facade over HTTP (the page and its capped
//      total, one statement, no cache of any kind) beside statements straight to
//      Postgres as anon: the facade's statement, the list as it ran before, and the page
//      alone (now and before); the goals of issue 12 against the page alone, CPU per
//      request (the facade's process, Postgres), statements per request
//      (pg_stat_statements), and the facade's resident memory at idle and at peak.
//
//   npm run bench -- jobs-list     (about five minutes at full scale)
//
// Environment: BENCH_POSTINGS (1000000), BENCH_CONCURRENCY (32), BENCH_SECONDS (3 per
// load run), BENCH_ROUNDS (1: rounds of the load runs, the best of each kept, for a
// machine others are using), BENCH_CAP_RUNS (7: runs per median in the cap table),
// BENCH_PARTS (caps,explain,profile,load: the parts to run), BENCH_PROFILE_CALLS (300
// sequential calls per layer and round of the profile, 3 rounds), BENCH_TOTAL_CAP and
// BENCH_SEARCH_TOTAL_CAP (the facade's JOB_LIST_TOTAL_CAP and JOB_LIST_SEARCH_TOTAL_CAP;
// unset: their defaults).
import postgres from "postgres";
import { JOB_LIST_CURSOR } from "../src/core/jobs/model.ts";
import { cursorTimestampFormat, encodeKeysetCursor } from "../src/core/keyset.ts";
import { listLimits } from "../src/core/validation.ts";
import { jobFiltersOf, selectJobPage, totalCapOf, type JobListFilters, type JobListPage } from "../src/core/jobs/service.ts";
import { readSettings } from "../src/core/settings.ts";
import { anonymous, asCaller, createDatabasePool, type Sql } from "../src/db/client.ts";
import { authenticatorUrl } from "../src/local/stack.ts";
import { installListingBefore, selectCountBefore, selectExactCount, selectPageBefore } from "./support/job-list-before.ts";
import { profileJobList, profileLines } from "./support/job-list-profile.ts";
import { runLoad, type LoadResult } from "./support/measure.ts";
import { cpuMs, guardedServerPid, megabytes, parentPid, rssBytes, samplePeakRss, treeCpuMs } from "./support/process-metrics.ts";
import { seedJobPostings, vocabulary } from "./support/seed-job-postings.ts";
import { resetStatementCounts, serverStatementCount, startBenchStack } from "./support/throwaway-stack.ts";

const postings = Number(process.env.BENCH_POSTINGS ?? 1_000_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const capRuns = Number(process.env.BENCH_CAP_RUNS ?? 7);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const parts = new Set((process.env.BENCH_PARTS ?? "caps,explain,profile,load").split(",").map((part) => part.trim()));
/** The facade's pool (DB_POOL_SIZE default); the direct client gets the same. */
const poolSize = 10;
/** The caps the table compares. */
const caps = [50, 100, 200, 1000, 5000, 10_000];

type Goal = "no filter" | "filtered" | "varied";

interface Case {
  label: string;
  /** Query string of each request (a function to vary it per request). */
  query: (i: number) => Record<string, string>;
  /** Which goal of issue 12 the case is held to. */
  goal?: Goal;
  /** In the cap table (a filter matching many postings). */
  broad?: boolean;
}

// Searches people type: every pair of words of the seeded vocabulary (common with
// common, common with rare, rare with rare), visited in a scrambled order, so that
// consecutive requests search different things and nothing about one helps the next.
const searchPairs = vocabulary.flatMap((a, i) => vocabulary.slice(i + 1).map((b) => `${a} ${b}`));
const scrambled = (i: number) => searchPairs[(i * 7919) % searchPairs.length]!;
/** How many of the varied searches the cap table times (each once per cap; the median is shown). */
const variedSample = 25;

function say(line = "") {
  console.log(line);
}

function table(headers: string[], rows: string[][]) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  say(line(headers));
  say(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) say(line(row));
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const times = (value: number) => `${value.toFixed(2)}×`;

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const begun = performance.now();
  await fn();
  return performance.now() - begun;
}

/** Median of `capRuns` timed runs after one untimed. */
async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < capRuns; i++) runs.push(await elapsed(fn));
  return median(runs);
}

async function main() {
  const started = performance.now();
  say(`jobs/list benchmark: ${postings.toLocaleString("en")} postings, concurrency ${concurrency}, ${seconds} s per load run, pool ${poolSize} (facade and direct alike)`);
  say("Starting a throwaway embedded PostgreSQL, migrations (Supabase CLI) and the local stack…");
  const env: Record<string, string> = {};
  if (process.env.BENCH_TOTAL_CAP) env.JOB_LIST_TOTAL_CAP = process.env.BENCH_TOTAL_CAP;
  if (process.env.BENCH_SEARCH_TOTAL_CAP) env.JOB_LIST_SEARCH_TOTAL_CAP = process.env.BENCH_SEARCH_TOTAL_CAP;
  const stack = await startBenchStack({ env });
  const facadePid = guardedServerPid(stack.servers.find((server) => server.name === "facade")!.pid);
  const facadeIdleRss = rssBytes(facadePid);
  /** The caps the facade runs with, which the direct statements use too. */
  const settings = readSettings("facade", (name) => stack.serverEnv[name]);
  const facadeCaps = { totalCap: settings.JOB_LIST_TOTAL_CAP, searchTotalCap: settings.JOB_LIST_SEARCH_TOTAL_CAP };
  const cap = facadeCaps.totalCap;
  const searchCap = Math.min(cap, facadeCaps.searchTotalCap);
  const superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  const db = createDatabasePool(authenticatorUrl(stack.superuserUrl), { max: poolSize, applicationName: "bench-direct" });
  try {
    say(`The facade's JOB_LIST_TOTAL_CAP: ${cap}; JOB_LIST_SEARCH_TOTAL_CAP: ${facadeCaps.searchTotalCap} (a location or text search counts to ${searchCap}).`);
    say(`Seeding (generate_series in SQL):`);
    const seed = await seedJobPostings(stack.superuserUrl, { postings, log: say });
    say(`  ${seed.total.toLocaleString("en")} postings (${seed.open.toLocaleString("en")} open), table + indexes ${seed.tableMb} MB`);
    say(`  seeding took ${((seed.recruitersMs + seed.insertMs + seed.indexMs + seed.vacuumMs) / 1000).toFixed(1)} s`);
    await installListingBefore(superuser);
    const [backend] = await superuser<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const postmasterPid = parentPid(backend!.pid);

    // A cursor three hundred thousand open postings deep.
    const [deep] = await superuser`
      select to_char(created_at at time zone 'UTC', ${cursorTimestampFormat}) as created_at, id
        from public.job_postings j where private.job_posting_is_open(j)
       order by created_at desc, id desc offset ${Math.min(300_000, Math.max(0, seed.open - 50))} limit 1`;
    const deepCursor = encodeKeysetCursor(JOB_LIST_CURSOR, { createdAt: deep!.created_at as string, id: Number(deep!.id) });

    const varied = `q (${searchPairs.length.toLocaleString("en")} different searches)`;
    const cases: Case[] = [
      { label: "no filter", query: () => ({}), goal: "no filter", broad: true },
      { label: "job_type", query: () => ({ job_type: "contract" }), goal: "filtered", broad: true },
      { label: "job_type + experience_level", query: () => ({ job_type: "full-time", experience_level: "senior" }), goal: "filtered" },
      { label: "location", query: () => ({ location: "berlin" }), goal: "filtered", broad: true },
      { label: "q (one search)", query: () => ({ q: "remote team" }), goal: "filtered", broad: true },
      { label: varied, query: (i) => ({ q: scrambled(i) }), goal: "varied", broad: true },
      { label: "deep keyset page", query: () => ({ cursor: deepCursor }) },
    ];

    const requestOf = (query: Record<string, string>): { filters: JobListFilters; page: JobListPage } => ({
      filters: jobFiltersOf(query),
      page: {
        limit: 20,
        offset: 0,
        after: query.cursor ? { createdAt: deep!.created_at as string, id: Number(deep!.id) } : null,
      },
    });
    /** The cap the facade counts a request's total to. */
    const capFor = (query: Record<string, string>) => totalCapOf(jobFiltersOf(query), facadeCaps);
    /** The page alone: the facade's statement without a total. What the goals hold the facade to. */
    const pageAlone = (db: Sql, query: Record<string, string>) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page, null));
    };
    /** What the facade's jobs service runs: the page and its capped total, one statement. */
    const facadeStatement = (db: Sql, query: Record<string, string>, countLimit = capFor(query)) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page, countLimit));
    };
    /** The page alone as it was read before (list_open_job_postings, planned per call). */
    const pageAloneBefore = (db: Sql, query: Record<string, string>) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => selectPageBefore(tx, filters, page));
    };
    /** The list as the facade ran it before: the page and the count capped at JOB_LIST_TOTAL_CAP, one transaction, sent together. */
    const listBefore = (db: Sql, query: Record<string, string>) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => Promise.all([selectPageBefore(tx, filters, page), selectCountBefore(tx, filters, cap)]));
    };
    /** Before issue 12: the page and the exact count side by side, each in a transaction of its own. */
    const listWithExactCount = (db: Sql, query: Record<string, string>) => {
      const { filters, page } = requestOf(query);
      return Promise.all([asCaller(db, anonymous, (tx) => selectPageBefore(tx, filters, page)), asCaller(db, anonymous, (tx) => selectExactCount(tx, filters))]);
    };

    // ------------------------------------------------------------------ the cap table
    if (parts.has("caps")) {
      say();
      say(`What a total costs at each cap: median ms, one client, as anon, warm cache (${capRuns} runs each; for the varied searches,`);
      say(`the median over ${variedSample} different searches of each one's median of 3).`);
      say(`  page      the page alone: list_open_job_postings_with_total without a total (count_limit null)`);
      say(`  50 … 10k  the facade's one statement, the page and its total counted to that cap; * = the facade's cap for the case`);
      say(`  before    the list as the facade ran it before: list_open_job_postings + count_open_job_postings at ${cap}, two statements`);
      say(`  exact     the page before and the exact count (before issue 12)`);
      say(`The last column is the facade's statement at its cap over the page alone.`);
      const header = ["case", "matches", "page", ...caps.map((c) => c.toLocaleString("en")), "before", "exact", "*/page"];
      const rows: string[][] = [];
      /** Per case: page ms, page + total ms per cap. */
      const measured = new Map<string, { pageMs: number; withTotalMs: number[] }>();
      for (const c of cases.filter((c) => c.broad)) {
        const queries = c.goal === "varied" ? Array.from({ length: variedSample }, (_, i) => c.query(i)) : [c.query(0)];
        const exactCounts = await Promise.all(
          queries.map(async (query) => {
            const [row] = await asCaller(db, anonymous, (tx) => selectExactCount(tx, requestOf(query).filters));
            return Number(row!.total);
          }),
        );
        // Varied: each search's median of 3, then the median over the searches (the exact
        // counts above have read every matching row, so the cache is as warm as for the others).
        const timeEach = async (fn: (query: Record<string, string>) => Promise<unknown>, runsPerSearch = 3) => {
          if (queries.length === 1) return medianMs(() => fn(queries[0]!));
          const each: number[] = [];
          for (const query of queries) {
            const runs: number[] = [];
            for (let i = 0; i < runsPerSearch; i++) runs.push(await elapsed(() => fn(query)));
            each.push(median(runs));
          }
          return median(each);
        };
        const pageMs = await timeEach((query) => pageAlone(db, query));
        const withTotalMs: number[] = [];
        for (const countLimit of caps) withTotalMs.push(await timeEach((query) => facadeStatement(db, query, countLimit)));
        const beforeMs = await timeEach((query) => listBefore(db, query));
        const exactMs = await timeEach((query) => listWithExactCount(db, query), 1);
        measured.set(c.label, { pageMs, withTotalMs });
        const caseCap = capFor(queries[0]!);
        const matches =
          queries.length === 1
            ? exactCounts[0]!.toLocaleString("en")
            : `median ${median(exactCounts).toLocaleString("en")}, ${exactCounts.filter((n) => n > caseCap).length}/${queries.length} > ${caseCap}`;
        const atCap = caps.indexOf(caseCap);
        rows.push([
          c.label,
          matches,
          ms(pageMs),
          ...withTotalMs.map((value, i) => `${ms(value)}${caps[i] === caseCap ? "*" : ""}`),
          ms(beforeMs),
          ms(exactMs),
          atCap >= 0 ? times(withTotalMs[atCap]! / pageMs) : "?",
        ]);
      }
      table(header, rows);

      // The rule JOB_LIST_SEARCH_TOTAL_CAP's default follows: the largest cap at which a
      // search's page and its total cost no more than twice the page alone (the goal:
      // different broad searches at >= 0.5x the page alone), but never less than the
      // largest page (limit is at most 100), so that a total never reads less than one
      // page shows.
      say();
      const largestPage = listLimits.maxLimit;
      const atCap = (costs: { pageMs: number; withTotalMs: number[] }, value: number) =>
        caps.includes(value) ? `${ms(costs.withTotalMs[caps.indexOf(value)]!)} ms, ${times(costs.withTotalMs[caps.indexOf(value)]! / costs.pageMs)} the page` : "not in the table";
      for (const label of [varied, "location"]) {
        const costs = measured.get(label)!;
        const affordable = caps.filter((_, i) => costs.withTotalMs[i]! <= 2 * costs.pageMs);
        const largest = affordable.length ? affordable.at(-1)! : undefined;
        say(
          `${label}: page ${ms(costs.pageMs)} ms; largest cap whose page + total costs at most twice the page: ${largest?.toLocaleString("en") ?? "none"}, ` +
            `so the rule says ${Math.max(largest ?? 0, largestPage).toLocaleString("en")} (JOB_LIST_SEARCH_TOTAL_CAP gives ${searchCap}: ${atCap(costs, searchCap)}).`,
        );
      }
      const unfiltered = measured.get("no filter")!;
      say(`no filter: page ${ms(unfiltered.pageMs)} ms; with its total to JOB_LIST_TOTAL_CAP (${cap}): ${atCap(unfiltered, cap)}; to 10,000: ${atCap(unfiltered, 10_000)}.`);
    }

    // -------------------------------------------------------------------- the plans
    if (parts.has("explain")) {
      say();
      say(`EXPLAIN (ANALYZE, BUFFERS) of the statement each list runs inside list_open_job_postings_with_total at the facade's caps`);
      say(`(${cap}; ${searchCap} for location and q), captured with auto_explain, role anon:`);
      const plans: string[] = [];
      const explainer = postgres(stack.superuserUrl, {
        max: 1,
        onnotice: (notice) => {
          const message = String(notice.message ?? "");
          if (/Query Text: with (page|found) as materialized/.test(message)) plans.push(message);
        },
      });
      try {
        await explainer`load 'auto_explain'`;
        for (const setting of ["log_min_duration = 0", "log_analyze = on", "log_buffers = on", "log_timing = on", "log_nested_statements = on"]) {
          await explainer.unsafe(`set auto_explain.${setting}`);
        }
        await explainer`set client_min_messages = log`;
        for (const c of cases) {
          const query = c.query(0);
          const { filters, page } = requestOf(query);
          plans.length = 0;
          await explainer.begin(async (tx) => {
            await tx`set local role anon`;
            await selectJobPage(tx, filters, page, capFor(query));
          });
          say();
          say(`--- ${c.label}: the page and its total (count_limit ${capFor(query)})`);
          for (const plan of plans) say(plan.replace(/^duration: [^\n]*\n/, "").replace(/Query Parameters: .*\n/, "").trimEnd());
        }

        // What the same filters cost through the table, where RLS keeps the filters off the indexes.
        say();
        say("For contrast, the same reads through the table as anon (RLS): enum equality, ILIKE and @@ are not leakproof,");
        say("so Postgres applies the policy first and cannot use the job_type, trigram or full-text indexes:");
        for (const [label, statement] of [
          ["location page", `select id from public.job_postings j where private.job_posting_is_open(j) and location ilike '%berlin%' order by created_at desc, id desc limit 21`],
          ["job_type capped count", `select count(*) from (select 1 from public.job_postings j where private.job_posting_is_open(j) and job_type = 'contract' limit ${cap + 1}) as matches`],
        ] as const) {
          const lines = await explainer.begin(async (tx) => {
            await tx`set local role anon`;
            return tx.unsafe(`explain (analyze, buffers, costs off) ${statement}`);
          });
          say();
          say(`--- ${label} through the table`);
          for (const line of lines) say(String(line["QUERY PLAN"]));
        }
      } finally {
        await explainer.end();
      }
    }

    // ------------------------------------------------------------------ the profile
    if (parts.has("profile")) {
      const calls = Number(process.env.BENCH_PROFILE_CALLS ?? 300);
      for (const c of [cases[0]!, cases.find((c) => c.label === "q (one search)")!]) {
        say();
        say(`Where a request's time goes, ${c.label}: ${calls * 3} sequential calls per layer (pieces: ${calls * 30}), interleaved; median µs per request and share of the facade over HTTP:`);
        const lines = await profileJobList({ serverEnv: stack.serverEnv, facadeUrl: stack.facadeUrl, query: c.query(0), calls, rounds: 3 });
        for (const line of profileLines(lines)) say(line);
      }
    }

    // --------------------------------------------------------------- load, side by side
    if (parts.has("load")) {
      say();
      say(`Load: ${concurrency} concurrent loops per run, ${seconds} s each after a 1 s warm-up, ${rounds} round(s) (the best req/s of each kept).`);
      say("No total is cached anywhere.");
      say(`  facade       GET /api/v1/jobs/list over HTTP: the page and its total (capped at ${cap}, ${searchCap} for location and q), one statement`);
      say("  db now       the facade's statement straight to Postgres as anon (asCaller: one transaction)");
      say(`  db before    the list as the facade ran it before: page + count (capped at ${cap}), two statements in one transaction, sent together`);
      say("  db page      the page statement alone (the facade's, without a total): what the goals hold the facade to");
      say("  page before  the page alone as it was read before (list_open_job_postings, planned per call)");
      say("CPU ms per request, from /proc over each run: pg = the whole Postgres server; facade = the facade's process.");
      let facadePeakRss = facadeIdleRss;
      let counter = 0;
      const facadeList = async () => {
        const response = await fetch(`${stack.facadeUrl}/api/v1/jobs/list?${new URLSearchParams(currentCase!.query(counter++))}`);
        const body = (await response.json()) as { success?: boolean };
        return response.status === 200 && body.success === true;
      };
      let currentCase: Case | undefined;
      type Measured = LoadResult & { pgCpuMs: number; facadeCpuMs: number };
      /** A load run after an unmeasured warm-up, with the CPU Postgres and the facade spent per request. */
      const run = async (label: string, request: () => Promise<boolean>): Promise<Measured> => {
        await runLoad({ label, concurrency, seconds: 1, request });
        const pg0 = treeCpuMs(postmasterPid);
        const facade0 = cpuMs(facadePid);
        const result = await runLoad({ label, concurrency, seconds, request });
        return { ...result, pgCpuMs: (treeCpuMs(postmasterPid) - pg0) / result.requests, facadeCpuMs: (cpuMs(facadePid) - facade0) / result.requests };
      };
      type CaseResults = { c: Case; facade: Measured; now: Measured; before: Measured; page: Measured; pageBefore: Measured; exact?: Measured };
      const best = (a: Measured | undefined, b: Measured) => (a && a.rps >= b.rps ? a : b);
      const results: CaseResults[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const [index, c] of cases.entries()) {
          currentCase = c;
          const sampler = samplePeakRss(facadePid);
          const facade = await run(c.label, facadeList);
          facadePeakRss = Math.max(facadePeakRss, sampler.stop());
          const now = await run(c.label, async () => (await facadeStatement(db, c.query(counter++)), true));
          const before = await run(c.label, async () => (await listBefore(db, c.query(counter++)), true));
          const page = await run(c.label, async () => (await pageAlone(db, c.query(counter++)), true));
          const pageBefore = await run(c.label, async () => (await pageAloneBefore(db, c.query(counter++)), true));
          // Before issue 12, for the case it was about: every new search counted every match.
          const exact = c.goal === "varied" ? await run(c.label, async () => (await listWithExactCount(db, c.query(counter++)), true)) : undefined;
          const kept = results[index];
          results[index] = {
            c,
            facade: best(kept?.facade, facade),
            now: best(kept?.now, now),
            before: best(kept?.before, before),
            page: best(kept?.page, page),
            pageBefore: best(kept?.pageBefore, pageBefore),
            exact: exact && best(kept?.exact, exact),
          };
          say(
            `  round ${round}, ${c.label}: facade ${facade.rps.toFixed(0)}, db now ${now.rps.toFixed(0)}, db before ${before.rps.toFixed(0)}, ` +
              `db page ${page.rps.toFixed(0)}, page before ${pageBefore.rps.toFixed(0)} req/s`,
          );
        }
      }
      say();
      const cells = (r: Measured) => [r.rps.toFixed(0), ms(r.p50Ms), ms(r.p99Ms), ms(r.pgCpuMs)];
      table(
        [
          "case", "facade req/s", "p50 ms", "p99 ms", "pg cpu", "facade cpu",
          "db now", "p50 ms", "p99 ms", "pg cpu",
          "db before", "p50 ms", "p99 ms", "pg cpu",
          "db page", "p50 ms", "p99 ms", "pg cpu",
          "page before", "p50 ms", "p99 ms", "pg cpu",
          "facade/page", "errors",
        ],
        results.map(({ c, facade, now, before, page, pageBefore }) => [
          c.label,
          ...cells(facade),
          ms(facade.facadeCpuMs),
          ...cells(now),
          ...cells(before),
          ...cells(page),
          ...cells(pageBefore),
          times(facade.rps / page.rps),
          String(facade.errors + now.errors + before.errors + page.errors + pageBefore.errors),
        ]),
      );
      say();
      say("The statement straight to Postgres, now against before (req/s), and the page alone now against before:");
      for (const { c, now, before, page, pageBefore } of results) {
        say(`  ${c.label}: ${times(now.rps / before.rps)}; page alone ${times(page.rps / pageBefore.rps)}`);
      }
      const variedResult = results.find((r) => r.c.goal === "varied")!;
      if (variedResult.exact) {
        const b = variedResult.exact;
        say(`Before issue 12 (${varied}: page + exact count, two transactions): ${b.rps.toFixed(0)} req/s, p50 ${ms(b.p50Ms)} ms, p99 ${ms(b.p99Ms)} ms;`);
        say(`the facade now: ${times(variedResult.facade.rps / b.rps)} that rate.`);
      }

      // Statements per request, no filter (pg_stat_statements counts top-level statements).
      say();
      say("Statements per request (pg_stat_statements, no filter, 200 requests one after another):");
      const statementsPer = async (request: () => Promise<unknown>) => {
        await resetStatementCounts(superuser);
        for (let i = 0; i < 200; i++) await request();
        return (await serverStatementCount(superuser)) / 200;
      };
      currentCase = cases[0]!;
      const viaFacade = await statementsPer(facadeList);
      const direct = await statementsPer(() => facadeStatement(db, {}));
      const directBefore = await statementsPer(() => listBefore(db, {}));
      say(`  facade ${viaFacade.toFixed(2)}; its statement straight to Postgres ${direct.toFixed(2)}; the list before ${directBefore.toFixed(2)} (begin and commit included)`);

      say();
      say(`Facade memory (resident set): idle ${megabytes(facadeIdleRss)} (right after start), peak under load ${megabytes(facadePeakRss)}.`);

      say();
      say("Goals of issue 12 (this run; the facade over HTTP against the page alone straight to Postgres):");
      const verdict = (met: boolean) => (met ? "met" : "NOT MET");
      for (const { c, facade, page } of results) {
        if (c.goal === "varied") {
          const rate = facade.rps / page.rps;
          const p99 = facade.p99Ms / page.p99Ms;
          say(`  ${c.label}: rate >= 0.5× page alone: ${times(rate)} ${verdict(rate >= 0.5)}; p99 < 5× page alone p99: ${times(p99)} ${verdict(p99 < 5)}`);
        } else if (c.goal) {
          const rate = facade.rps / page.rps;
          say(`  ${c.label}: rate >= 0.8× page alone: ${times(rate)} ${verdict(rate >= 0.8)}`);
        }
      }
    }

    say();
    say(`Finished in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  } finally {
    await db.end({ timeout: 5 });
    await superuser.end({ timeout: 5 });
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
