// Where a job list request's time goes in the facade: N sequential calls (one in flight,
// so each number is a request's own cost, not a queue's) of each layer, from the
// statement alone to the facade over HTTP, and of the single pieces the layers add, in
// microseconds per call. Each layer contains the one before it:
//
//   statement        list_open_job_postings_with_total through postgres.js, as anon (asCaller)
//   jobs.list        the core (src/core/jobs/service.ts): the statement, the capped total, the keyset cursor
//   app.handle       the facade's Elysia app in this process: plugins, routing, query and response validation, JSON
//   facade over HTTP the facade's process, over a keep-alive connection
//
// The app of `app.handle` is built as the facade builds its own (src/api/composition.ts),
// from the stack's settings; its log lines go to /dev/null, at the stack's level. The
// layers alternate call by call (pieces: batch by batch) and each reports its median, so
// a shared machine's noise hits them alike and its outliers do not count.
import fs from "node:fs";
import { createApp } from "../../src/api/app.ts";
import { createFacadeDeps } from "../../src/api/composition.ts";
import { parseQuery } from "../../src/api/query.ts";
import { redactedRequestPath } from "../../src/core/http.ts";
import { ListJobsQuery, ListJobsResponse } from "../../src/core/jobs/model.ts";
import { createJobsService, jobFiltersOf, selectJobPage, totalCapOf } from "../../src/core/jobs/service.ts";
import { createLogger } from "../../src/core/log.ts";
import { readSettings } from "../../src/core/settings.ts";
import { anonymous, asCaller } from "../../src/db/client.ts";

export interface JobListProfileLine {
  name: string;
  microseconds: number;
  kind: "layer" | "piece";
}

export async function profileJobList(options: {
  serverEnv: Record<string, string>;
  facadeUrl: string;
  /** The list's query string, e.g. "" (no filter) or "q=remote". */
  query: Record<string, string>;
  calls: number;
  rounds: number;
}): Promise<JobListProfileLine[]> {
  const settings = readSettings("facade", (name) => options.serverEnv[name]);
  const devNull = fs.openSync("/dev/null", "w");
  const log = createLogger({ service: "facade", level: settings.LOG_LEVEL, write: (line) => fs.writeSync(devNull, line + "\n") });
  const deps = await createFacadeDeps(settings, log);
  const app = createApp(deps);
  const jobs = createJobsService({ sql: deps.sql, totalCap: settings.JOB_LIST_TOTAL_CAP, searchTotalCap: settings.JOB_LIST_SEARCH_TOTAL_CAP });
  const search = new URLSearchParams(options.query).toString();
  const filters = jobFiltersOf(options.query);
  const cap = totalCapOf(filters, { totalCap: settings.JOB_LIST_TOTAL_CAP, searchTotalCap: settings.JOB_LIST_SEARCH_TOTAL_CAP });
  const answer = await jobs.list(anonymous, parseQuery(ListJobsQuery, options.query));

  const layers: [string, () => Promise<unknown>][] = [
    ["statement (postgres.js, asCaller)", () => asCaller(deps.sql, anonymous, (tx) => selectJobPage(tx, filters, { limit: 20, offset: 0, after: null }, cap))],
    ["jobs.list (core, in process)", () => jobs.list(anonymous, parseQuery(ListJobsQuery, options.query))],
    [
      "app.handle (Elysia, in process)",
      async () => {
        const response = await app.handle(new Request(`http://localhost/api/v1/jobs/list?${search}`));
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`app.handle: ${response.status}`);
      },
    ],
    [
      "facade over HTTP",
      async () => {
        const response = await fetch(`${options.facadeUrl}/api/v1/jobs/list?${search}`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`facade: ${response.status}`);
      },
    ],
  ];
  const pieces: [string, () => unknown][] = [
    ["zod validation of the 200 (ListJobsResponse, 20 postings)", () => ListJobsResponse["~standard"].validate(answer)],
    ["zod parse of the query (ListJobsQuery)", () => parseQuery(ListJobsQuery, options.query)],
    ["JSON.stringify of the answer", () => JSON.stringify(answer)],
    [
      `one access-log line at ${settings.LOG_LEVEL} (to /dev/null)`,
      () => log.info("request", { request_id: crypto.randomUUID(), method: "GET", path: redactedRequestPath(`/api/v1/jobs/list?${search}`), status: 200, duration_ms: 1.23 }),
    ],
  ];

  const layerSamples = new Map<string, number[]>(layers.map(([name]) => [name, []]));
  const pieceSamples = new Map<string, number[]>(pieces.map(([name]) => [name, []]));
  try {
    for (const [, call] of layers) for (let i = 0; i < Math.ceil(options.calls / 10); i++) await call(); // warm-up
    for (let round = 0; round < options.rounds; round++) {
      for (let i = 0; i < options.calls; i++) {
        for (const [name, call] of layers) {
          const started = performance.now();
          await call();
          layerSamples.get(name)!.push((performance.now() - started) * 1000);
        }
      }
      for (let batch = 0; batch < options.calls / 10; batch++) {
        for (const [name, call] of pieces) {
          const started = performance.now();
          for (let i = 0; i < 100; i++) await call();
          pieceSamples.get(name)!.push(((performance.now() - started) * 1000) / 100);
        }
      }
    }
  } finally {
    await deps.sql.end({ timeout: 5 });
    fs.closeSync(devNull);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return [
    ...layers.map(([name]) => ({ name, microseconds: median(layerSamples.get(name)!), kind: "layer" as const })),
    ...pieces.map(([name]) => ({ name, microseconds: median(pieceSamples.get(name)!), kind: "piece" as const })),
  ];
}

/** The split as lines: µs per request, and each line's share of the facade over HTTP. */
export function profileLines(lines: JobListProfileLine[]): string[] {
  const of = (name: string) => lines.find((line) => line.name === name)!.microseconds;
  const whole = of("facade over HTTP");
  const row = (name: string, microseconds: number) => `  ${name.padEnd(58)} ${microseconds.toFixed(1).padStart(8)} µs  ${((microseconds / whole) * 100).toFixed(1).padStart(5)}%`;
  return [
    "  layers (each contains the one before):",
    ...lines.filter((line) => line.kind === "layer").map((line) => row(line.name, line.microseconds)),
    "  what each layer adds:",
    row("the core beyond the statement", of("jobs.list (core, in process)") - of("statement (postgres.js, asCaller)")),
    row("Elysia and the plugins beyond the core", of("app.handle (Elysia, in process)") - of("jobs.list (core, in process)")),
    row("HTTP (Bun's server and this client) beyond app.handle", whole - of("app.handle (Elysia, in process)")),
    "  single pieces (each once per request):",
    ...lines.filter((line) => line.kind === "piece").map((line) => row(line.name, line.microseconds)),
  ];
}
