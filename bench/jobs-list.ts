// GET /api/v1/jobs/list on 1,000,000 postings: the facade over HTTP beside the same
// SQL run straight in Postgres (postgres.js, as the caller, the facade's statements),
// at the same concurrency and pool size. Then EXPLAIN (ANALYZE, BUFFERS) of every
// statement (the plan inside the listing functions, via auto_explain), what `total`
// costs next to the page, and what the same filters cost through the table under RLS.
//
//   ./node_modules/.bin/bun bench/jobs-list.ts     (about three minutes)
//
// Environment: BENCH_POSTINGS (1000000), BENCH_CONCURRENCY (32), BENCH_SECONDS (3).
import postgres from "postgres";
import { JOB_LIST_CURSOR } from "../src/core/jobs/model.ts";
import { encodeKeysetCursor } from "../src/core/keyset.ts";
import { jobFiltersOf, selectJobCount, selectJobPage, type JobListFilters, type JobListPage } from "../src/core/jobs/service.ts";
import { anonymous, asCaller, createDatabasePool } from "../src/db/client.ts";
import { authenticatorUrl } from "../src/local/stack.ts";
import { runLoad, type LoadResult } from "./support/measure.ts";
import { seedJobPostings, vocabulary } from "./support/seed-job-postings.ts";
import { startBenchStack } from "./support/throwaway-stack.ts";

const postings = Number(process.env.BENCH_POSTINGS ?? 1_000_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
/** The facade's pool (DB_POOL_SIZE default); the direct client gets the same. */
const poolSize = 10;

interface Case {
  label: string;
  /** Query string of each request (a function to vary it per request). */
  query: (i: number) => Record<string, string>;
}

// Searches people type: every pair of words of the seeded vocabulary (common with
// common, common with rare, rare with rare), visited in a scrambled order, so most
// requests count a total nobody asked for in the last few seconds.
const searchPairs = vocabulary.flatMap((a, i) => vocabulary.slice(i + 1).map((b) => `${a} ${b}`));
const scrambled = (i: number) => searchPairs[(i * 7919) % searchPairs.length]!;

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

async function main() {
  const started = performance.now();
  say(`jobs/list benchmark: ${postings.toLocaleString("en")} postings, concurrency ${concurrency}, ${seconds} s per run, pool ${poolSize} (facade and direct alike)`);
  say("Starting a throwaway embedded PostgreSQL, migrations (Supabase CLI) and the local stack…");
  const stack = await startBenchStack();
  const superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  const db = createDatabasePool(authenticatorUrl(stack.superuserUrl), { max: poolSize, applicationName: "bench-direct" });
  try {
    say(`Seeding (generate_series in SQL):`);
    const seed = await seedJobPostings(stack.superuserUrl, { postings, log: say });
    say(`  ${seed.total.toLocaleString("en")} postings (${seed.open.toLocaleString("en")} open), table + indexes ${seed.tableMb} MB`);
    say(`  seeding took ${((seed.recruitersMs + seed.insertMs + seed.indexMs + seed.vacuumMs) / 1000).toFixed(1)} s`);

    // A cursor three hundred thousand open postings deep.
    const [deep] = await superuser`
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at, id
        from public.job_postings j where private.job_posting_is_open(j)
       order by created_at desc, id desc offset ${Math.min(300_000, Math.max(0, seed.open - 50))} limit 1`;
    const deepCursor = encodeKeysetCursor(JOB_LIST_CURSOR, { createdAt: deep!.created_at as string, id: Number(deep!.id) });

    const cases: Case[] = [
      { label: "no filter", query: () => ({}) },
      { label: "job_type", query: () => ({ job_type: "contract" }) },
      { label: "job_type + experience_level", query: () => ({ job_type: "full-time", experience_level: "senior" }) },
      { label: "location", query: () => ({ location: "berlin" }) },
      { label: "q (one search)", query: () => ({ q: "rust kubernetes" }) },
      { label: `q (${searchPairs.length.toLocaleString("en")} searches)`, query: (i) => ({ q: scrambled(i) }) },
      { label: "deep keyset page", query: () => ({ cursor: deepCursor }) },
    ];

    const filtersOf = (query: Record<string, string>): { filters: JobListFilters; page: JobListPage } => ({
      filters: jobFiltersOf(query),
      page: {
        limit: 20,
        offset: 0,
        after: query.cursor ? { createdAt: deep!.created_at as string, id: Number(deep!.id) } : null,
      },
    });

    // --------------------------------------------------------------- load, side by side
    say();
    say(`Load: ${concurrency} concurrent loops per run, ${seconds} s each after a 1 s warm-up.`);
    say("  facade       GET /api/v1/jobs/list over HTTP (page + total, the total from the facade's cache when large)");
    say("  db page+tot  the facade's two statements, straight to Postgres as anon, both every time (no cache)");
    say("  db page      the page statement alone");
    const results: { label: string; facade: LoadResult; full: LoadResult; page: LoadResult }[] = [];
    let counter = 0;
    for (const c of cases) {
      const facade = await runLoad({
        label: c.label,
        concurrency,
        seconds,
        warmupSeconds: 1,
        request: async () => {
          const response = await fetch(`${stack.facadeUrl}/api/v1/jobs/list?${new URLSearchParams(c.query(counter++))}`);
          const body = (await response.json()) as { success?: boolean };
          return response.status === 200 && body.success === true;
        },
      });
      const full = await runLoad({
        label: c.label,
        concurrency,
        seconds,
        warmupSeconds: 1,
        request: async () => {
          const { filters, page } = filtersOf(c.query(counter++));
          await Promise.all([asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page)), asCaller(db, anonymous, (tx) => selectJobCount(tx, filters))]);
          return true;
        },
      });
      const page = await runLoad({
        label: c.label,
        concurrency,
        seconds,
        warmupSeconds: 1,
        request: async () => {
          const { filters, page } = filtersOf(c.query(counter++));
          await asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page));
          return true;
        },
      });
      results.push({ label: c.label, facade, full, page });
      say(`  ${c.label}: done`);
    }
    say();
    table(
      ["case", "facade req/s", "p50 ms", "p99 ms", "db page+tot req/s", "p50 ms", "p99 ms", "db page req/s", "p50 ms", "p99 ms", "facade/db p50", "facade/db-page p50", "errors"],
      results.map(({ label, facade, full, page }) => [
        label,
        facade.rps.toFixed(0),
        ms(facade.p50Ms),
        ms(facade.p99Ms),
        full.rps.toFixed(0),
        ms(full.p50Ms),
        ms(full.p99Ms),
        page.rps.toFixed(0),
        ms(page.p50Ms),
        ms(page.p99Ms),
        `${(facade.p50Ms / full.p50Ms).toFixed(2)}×`,
        `${(facade.p50Ms / page.p50Ms).toFixed(2)}×`,
        String(facade.errors + full.errors + page.errors),
      ]),
    );

    // ------------------------------------------------------------------ cost of total
    say();
    say("Cost of `total`: each statement alone, one client, median of 7 runs (as anon, warm cache).");
    const costRows: string[][] = [];
    const timeIt = async (fn: () => Promise<unknown>) => {
      const runs: number[] = [];
      await fn();
      for (let i = 0; i < 7; i++) {
        const begun = performance.now();
        await fn();
        runs.push(performance.now() - begun);
      }
      return median(runs);
    };
    for (const c of cases) {
      const { filters, page } = filtersOf(c.query(0));
      const pageMs = await timeIt(() => asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page)));
      let total = 0;
      const countMs = await timeIt(async () => {
        const [row] = await asCaller(db, anonymous, (tx) => selectJobCount(tx, filters));
        total = Number(row!.total);
      });
      costRows.push([c.label, total.toLocaleString("en"), ms(pageMs), ms(countMs), `${(countMs / pageMs).toFixed(0)}×`]);
    }
    const noFilters = jobFiltersOf({});
    const offsetMs = await timeIt(() => asCaller(db, anonymous, (tx) => selectJobPage(tx, noFilters, { limit: 20, offset: 10_000, after: null })));
    costRows.push(["(offset=10000 page, for contrast)", "", ms(offsetMs), "", ""]);
    table(["case", "total", "page ms", "count ms", "count / page"], costRows);

    // -------------------------------------------------------------------- the plans
    say();
    say("EXPLAIN (ANALYZE, BUFFERS) of each statement as it runs inside list_open_job_postings / count_open_job_postings");
    say("(captured with auto_explain, role anon):");
    const plans: string[] = [];
    const explainer = postgres(stack.superuserUrl, {
      max: 1,
      onnotice: (notice) => {
        const message = String(notice.message ?? "");
        if (/Query Text: (select j\.id|select count\(\*\) from public\.job_postings)/.test(message)) plans.push(message);
      },
    });
    try {
      await explainer`load 'auto_explain'`;
      for (const setting of ["log_min_duration = 0", "log_analyze = on", "log_buffers = on", "log_timing = on", "log_nested_statements = on"]) {
        await explainer.unsafe(`set auto_explain.${setting}`);
      }
      await explainer`set client_min_messages = log`;
      for (const c of cases) {
        const { filters, page } = filtersOf(c.query(0));
        for (const [what, run] of [
          ["page", (tx: postgres.TransactionSql) => selectJobPage(tx, filters, page)],
          ["count", (tx: postgres.TransactionSql) => selectJobCount(tx, filters)],
        ] as const) {
          plans.length = 0;
          await explainer.begin(async (tx) => {
            await tx`set local role anon`;
            await run(tx);
          });
          say();
          say(`--- ${c.label}: ${what}`);
          for (const plan of plans) say(plan.replace(/^duration: [^\n]*\n/, "").replace(/Query Parameters: .*\n/, "").trimEnd());
        }
      }

      // What the same filters cost through the table, where RLS keeps the filters off the indexes.
      say();
      say("For contrast, the same reads through the table as anon (RLS): enum equality, ILIKE and @@ are not leakproof,");
      say("so Postgres applies the policy first and cannot use the job_type, trigram or full-text indexes:");
      for (const [label, statement] of [
        ["location page", `select id from public.job_postings j where private.job_posting_is_open(j) and location ilike '%berlin%' order by created_at desc, id desc limit 21`],
        ["job_type count", `select count(*) from public.job_postings j where private.job_posting_is_open(j) and job_type = 'contract'`],
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
