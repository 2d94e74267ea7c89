// GET /api/v1/jobs/list on 1,000,000 postings, and what its `total` costs.
//
//   1. The cap table: for broad filters, the capped count (count_open_job_postings with
//      count_limit) at caps 100 to 10,000 and the exact count as it was before issue 12,
//      each beside the page it accompanies (single client, medians). The default of
//      JOB_LIST_TOTAL_CAP comes from this table: a count that costs no more than its page
//      for varied searches.
//   2. EXPLAIN (ANALYZE, BUFFERS) of the page and of the capped count at the facade's cap,
//      as they run inside the listing functions (auto_explain), and for contrast the same
//      filters through the table under RLS.
//   3. Load, side by side in one run: the facade over HTTP (page + capped total, no cache
//      of any kind) beside the same statements straight to Postgres as anon (page and
//      count in one transaction, in two, and the page alone), the goals of issue 12
//      against the page alone, statements per request (pg_stat_statements), and the
//      facade's resident memory at idle and at peak.
//
//   npm run bench -- jobs-list     (about five minutes at full scale)
//
// Environment: BENCH_POSTINGS (1000000), BENCH_CONCURRENCY (32), BENCH_SECONDS (3 per
// load run), BENCH_ROUNDS (1: rounds of the load runs, the best of each kept, for a
// machine others are using), BENCH_CAP_RUNS (7: runs per median in the cap table),
// BENCH_PARTS (caps,explain,load: the parts to run), BENCH_TOTAL_CAP (the facade's
// JOB_LIST_TOTAL_CAP; unset: its default).
import postgres from "postgres";
import { JOB_LIST_CURSOR } from "../src/core/jobs/model.ts";
import { encodeKeysetCursor } from "../src/core/keyset.ts";
import { jobFiltersOf, selectJobCount, selectJobPage, type JobListFilters, type JobListPage } from "../src/core/jobs/service.ts";
import { readSettings } from "../src/core/settings.ts";
import { anonymous, asCaller, createDatabasePool, type Sql } from "../src/db/client.ts";
import { authenticatorUrl } from "../src/local/stack.ts";
import { runLoad, type LoadResult } from "./support/measure.ts";
import { guardedServerPid, megabytes, rssBytes, samplePeakRss } from "./support/process-metrics.ts";
import { seedJobPostings, vocabulary } from "./support/seed-job-postings.ts";
import { resetStatementCounts, serverStatementCount, startBenchStack } from "./support/throwaway-stack.ts";

const postings = Number(process.env.BENCH_POSTINGS ?? 1_000_000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const capRuns = Number(process.env.BENCH_CAP_RUNS ?? 7);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const parts = new Set((process.env.BENCH_PARTS ?? "caps,explain,load").split(",").map((part) => part.trim()));
/** The facade's pool (DB_POOL_SIZE default); the direct client gets the same. */
const poolSize = 10;
/** The caps the table compares. */
const caps = [100, 500, 1000, 5000, 10_000];

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

/**
 * The count as it was before issue 12 (migration 20261201000200): every match counted.
 * Installed in the throwaway database only, to measure against; anon may run it, so it
 * runs through asCaller like the facade's statements.
 */
async function installExactCount(superuser: postgres.Sql) {
  await superuser`create schema bench_before`;
  await superuser`grant usage on schema bench_before to anon`;
  await superuser`
    create function bench_before.count_open_job_postings(
      filter_job_type public.job_type, filter_experience_level public.experience_level, filter_location text, search_text text)
    returns bigint language plpgsql stable security definer set search_path = '' as $$
    declare
      filters record := private.open_job_postings_filters(filter_location, search_text);
      total bigint;
    begin
      execute 'select count(*) from public.job_postings j where '
           || private.open_job_postings_conditions(
                filter_job_type is not null, filter_experience_level is not null,
                filters.location_pattern is not null, filters.search_query is not null)
        into total
        using filter_job_type, filter_experience_level, filters.location_pattern, filters.search_query;
      return total;
    end;
    $$`;
  await superuser`grant execute on function bench_before.count_open_job_postings(public.job_type, public.experience_level, text, text) to anon`;
}

function selectExactCount(tx: postgres.TransactionSql, filters: JobListFilters) {
  return tx<{ total: number }[]>`
    select bench_before.count_open_job_postings(${filters.jobType}::public.job_type, ${filters.experienceLevel}::public.experience_level,
                                                ${filters.location}::text, ${filters.q}::text) as total`;
}

async function main() {
  const started = performance.now();
  say(`jobs/list benchmark: ${postings.toLocaleString("en")} postings, concurrency ${concurrency}, ${seconds} s per load run, pool ${poolSize} (facade and direct alike)`);
  say("Starting a throwaway embedded PostgreSQL, migrations (Supabase CLI) and the local stack…");
  const stack = await startBenchStack({ env: process.env.BENCH_TOTAL_CAP ? { JOB_LIST_TOTAL_CAP: process.env.BENCH_TOTAL_CAP } : {} });
  const facadePid = guardedServerPid(stack.servers.find((server) => server.name === "facade")!.pid);
  const facadeIdleRss = rssBytes(facadePid);
  /** The cap the facade runs with (its JOB_LIST_TOTAL_CAP), which the direct statements use too. */
  const cap = readSettings("facade", (name) => stack.serverEnv[name]).JOB_LIST_TOTAL_CAP;
  const superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  const db = createDatabasePool(authenticatorUrl(stack.superuserUrl), { max: poolSize, applicationName: "bench-direct" });
  try {
    say(`The facade's JOB_LIST_TOTAL_CAP: ${cap}.`);
    say(`Seeding (generate_series in SQL):`);
    const seed = await seedJobPostings(stack.superuserUrl, { postings, log: say });
    say(`  ${seed.total.toLocaleString("en")} postings (${seed.open.toLocaleString("en")} open), table + indexes ${seed.tableMb} MB`);
    say(`  seeding took ${((seed.recruitersMs + seed.insertMs + seed.indexMs + seed.vacuumMs) / 1000).toFixed(1)} s`);
    await installExactCount(superuser);

    // A cursor three hundred thousand open postings deep.
    const [deep] = await superuser`
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at, id
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
    const pageAlone = (db: Sql, query: Record<string, string>) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page));
    };
    /** What the facade's jobs service runs: the page and the capped count, one transaction, sent together. */
    const pageAndCountOneTransaction = (db: Sql, query: Record<string, string>, countLimit = cap) => {
      const { filters, page } = requestOf(query);
      return asCaller(db, anonymous, (tx) => Promise.all([selectJobPage(tx, filters, page), selectJobCount(tx, filters, countLimit)]));
    };
    /** The way before issue 12: the page and the count side by side, each in a transaction of its own. */
    const pageAndCountTwoTransactions = (db: Sql, query: Record<string, string>, exact = false) => {
      const { filters, page } = requestOf(query);
      return Promise.all([
        asCaller(db, anonymous, (tx) => selectJobPage(tx, filters, page)),
        asCaller(db, anonymous, (tx) => (exact ? selectExactCount(tx, filters) : selectJobCount(tx, filters, cap))),
      ]);
    };

    // ------------------------------------------------------------------ the cap table
    if (parts.has("caps")) {
      say();
      say(`What a total costs at each cap: median ms, one client, as anon, warm cache (${capRuns} runs each; for the varied searches,`);
      say(`the median over ${variedSample} different searches of each one's median of 3). "exact" is the count before issue 12.`);
      say(`* = the facade's cap (JOB_LIST_TOTAL_CAP); the last column is the count at that cap over the page.`);
      const header = ["case", "matches", "page ms", ...caps.map((c) => `${c.toLocaleString("en")}${c === cap ? "*" : ""}`), "exact", "*/page"];
      const rows: string[][] = [];
      /** Per case: page ms and count ms per cap (exact last). */
      const measured = new Map<string, { pageMs: number; countMs: number[] }>();
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
        const countMs: number[] = [];
        for (const countLimit of caps) {
          countMs.push(await timeEach((query) => asCaller(db, anonymous, (tx) => selectJobCount(tx, requestOf(query).filters, countLimit))));
        }
        countMs.push(await timeEach((query) => asCaller(db, anonymous, (tx) => selectExactCount(tx, requestOf(query).filters)), 1));
        measured.set(c.label, { pageMs, countMs });
        const matches =
          queries.length === 1
            ? exactCounts[0]!.toLocaleString("en")
            : `median ${median(exactCounts).toLocaleString("en")}, ${exactCounts.filter((n) => n > cap).length}/${queries.length} > ${cap}`;
        const atCap = caps.indexOf(cap);
        rows.push([c.label, matches, ms(pageMs), ...countMs.map(ms), atCap >= 0 ? times(countMs[atCap]! / pageMs) : "?"]);
      }
      table(header, rows);

      // The rule the default follows: the largest cap whose count costs no more than the
      // page for varied searches (the goal: different broad searches at >= 0.5x the page alone).
      const variedCosts = measured.get(varied)!;
      const affordable = caps.filter((_, i) => variedCosts.countMs[i]! <= variedCosts.pageMs);
      const capIndex = caps.indexOf(cap);
      say();
      say(`Varied searches: page ${ms(variedCosts.pageMs)} ms; the count at the facade's cap (${cap}) ${capIndex >= 0 ? `${ms(variedCosts.countMs[capIndex]!)} ms` : "not in the table"}.`);
      say(
        `Largest cap whose count costs no more than the page for varied searches in this run: ${affordable.length ? affordable.at(-1)!.toLocaleString("en") : "none"}` +
          (affordable.includes(cap) ? ` (the facade's cap ${cap} is within it).` : ` (the facade's cap ${cap} is NOT).`),
      );
      // What the default weighs: below it, what finding the matches costs (a GIN or trigram
      // bitmap of every match, built whole before the LIMIT stops anything) barely moves;
      // above it, the count grows with the cap (about cap / share of postings matching rows).
      const growth = (label: string, from: number, to: number) => {
        const costs = measured.get(label)?.countMs;
        const a = caps.indexOf(from);
        const b = caps.indexOf(to);
        return costs && a >= 0 && b >= 0 ? times(costs[b]! / costs[a]!) : "?";
      };
      say(
        `From cap 100 to ${cap} the varied searches' count grows ${growth(varied, 100, cap)} and the one broad search's ${growth("q (one search)", 100, cap)}; ` +
          `from ${cap} to 10,000, ${growth(varied, cap, 10_000)} and ${growth("q (one search)", cap, 10_000)}.`,
      );
    }

    // -------------------------------------------------------------------- the plans
    if (parts.has("explain")) {
      say();
      say(`EXPLAIN (ANALYZE, BUFFERS) of each statement as it runs inside list_open_job_postings / count_open_job_postings`);
      say(`(count_limit ${cap}, the facade's cap), captured with auto_explain, role anon:`);
      const plans: string[] = [];
      const explainer = postgres(stack.superuserUrl, {
        max: 1,
        onnotice: (notice) => {
          const message = String(notice.message ?? "");
          if (/Query Text: (select j\.id|select count\(\*\) from \(select 1 from public\.job_postings)/.test(message)) plans.push(message);
        },
      });
      try {
        await explainer`load 'auto_explain'`;
        for (const setting of ["log_min_duration = 0", "log_analyze = on", "log_buffers = on", "log_timing = on", "log_nested_statements = on"]) {
          await explainer.unsafe(`set auto_explain.${setting}`);
        }
        await explainer`set client_min_messages = log`;
        for (const c of cases) {
          const { filters, page } = requestOf(c.query(0));
          for (const [what, run] of [
            ["page", (tx: postgres.TransactionSql) => selectJobPage(tx, filters, page)],
            [`count (count_limit ${cap})`, (tx: postgres.TransactionSql) => selectJobCount(tx, filters, cap)],
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

    // --------------------------------------------------------------- load, side by side
    if (parts.has("load")) {
      say();
      say(`Load: ${concurrency} concurrent loops per run, ${seconds} s each after a 1 s warm-up, ${rounds} round(s) (the best req/s of each kept).`);
      say("No total is cached anywhere.");
      say(`  facade        GET /api/v1/jobs/list over HTTP: the page and its total capped at ${cap}, one transaction`);
      say("  db page+count the facade's two statements straight to Postgres as anon, one transaction, sent together");
      say("  db two tx     the same two statements, each in its own transaction side by side (how the facade ran them before)");
      say("  db page       the page statement alone: what the goals hold the facade to");
      let facadePeakRss = facadeIdleRss;
      let counter = 0;
      const facadeList = async () => {
        const response = await fetch(`${stack.facadeUrl}/api/v1/jobs/list?${new URLSearchParams(currentCase!.query(counter++))}`);
        const body = (await response.json()) as { success?: boolean };
        return response.status === 200 && body.success === true;
      };
      let currentCase: Case | undefined;
      const run = (label: string, request: () => Promise<boolean>) => runLoad({ label, concurrency, seconds, warmupSeconds: 1, request });
      type CaseResults = { c: Case; facade: LoadResult; one: LoadResult; two: LoadResult; page: LoadResult; before?: LoadResult };
      const best = (a: LoadResult | undefined, b: LoadResult) => (a && a.rps >= b.rps ? a : b);
      const results: CaseResults[] = [];
      for (let round = 1; round <= rounds; round++) {
        for (const [index, c] of cases.entries()) {
          currentCase = c;
          const sampler = samplePeakRss(facadePid);
          const facade = await run(c.label, facadeList);
          facadePeakRss = Math.max(facadePeakRss, sampler.stop());
          const one = await run(c.label, async () => (await pageAndCountOneTransaction(db, c.query(counter++)), true));
          const two = await run(c.label, async () => (await pageAndCountTwoTransactions(db, c.query(counter++)), true));
          const page = await run(c.label, async () => (await pageAlone(db, c.query(counter++)), true));
          // Before issue 12, for the case it was about: every new search counted every match.
          const before = c.goal === "varied" ? await run(c.label, async () => (await pageAndCountTwoTransactions(db, c.query(counter++), true), true)) : undefined;
          const kept = results[index];
          results[index] = {
            c,
            facade: best(kept?.facade, facade),
            one: best(kept?.one, one),
            two: best(kept?.two, two),
            page: best(kept?.page, page),
            before: before && best(kept?.before, before),
          };
          say(`  round ${round}, ${c.label}: facade ${facade.rps.toFixed(0)}, page+count ${one.rps.toFixed(0)}, two tx ${two.rps.toFixed(0)}, page ${page.rps.toFixed(0)} req/s`);
        }
      }
      say();
      table(
        ["case", "facade req/s", "p50 ms", "p99 ms", "db page+count", "p50 ms", "p99 ms", "db two tx", "p50 ms", "p99 ms", "db page", "p50 ms", "p99 ms", "facade/page req/s", "errors"],
        results.map(({ c, facade, one, two, page }) => [
          c.label,
          facade.rps.toFixed(0),
          ms(facade.p50Ms),
          ms(facade.p99Ms),
          one.rps.toFixed(0),
          ms(one.p50Ms),
          ms(one.p99Ms),
          two.rps.toFixed(0),
          ms(two.p50Ms),
          ms(two.p99Ms),
          page.rps.toFixed(0),
          ms(page.p50Ms),
          ms(page.p99Ms),
          times(facade.rps / page.rps),
          String(facade.errors + one.errors + two.errors + page.errors),
        ]),
      );
      const variedResult = results.find((r) => r.c.goal === "varied")!;
      if (variedResult.before) {
        const b = variedResult.before;
        say(`Before issue 12 (${varied}: page + exact count, two transactions): ${b.rps.toFixed(0)} req/s, p50 ${ms(b.p50Ms)} ms, p99 ${ms(b.p99Ms)} ms;`);
        say(`the facade now: ${times(variedResult.facade.rps / b.rps)} that rate.`);
      }

      // Statements and connections per request, no filter (pg_stat_statements counts top-level statements).
      say();
      say("Statements per request (pg_stat_statements, no filter, 200 requests one after another):");
      const statementsPer = async (request: () => Promise<unknown>) => {
        await resetStatementCounts(superuser);
        for (let i = 0; i < 200; i++) await request();
        return (await serverStatementCount(superuser)) / 200;
      };
      currentCase = cases[0]!;
      const viaFacade = await statementsPer(facadeList);
      const oneTx = await statementsPer(() => pageAndCountOneTransaction(db, {}));
      const twoTx = await statementsPer(() => pageAndCountTwoTransactions(db, {}));
      say(`  facade ${viaFacade.toFixed(2)}; one transaction ${oneTx.toFixed(2)} (one connection held); two transactions ${twoTx.toFixed(2)} (two connections held)`);

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
