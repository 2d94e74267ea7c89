// Where a job list request's time goes in the facade: N sequential calls (one in flight,
// so each number is a request's own cost, not a queue's) of each layer, from the
// statement alone to the facade over HTTP, and of the single pieces the layers add, in
// microseconds per call (sampled and printed by profile-split.ts). Each layer contains
// the one before it:
//
//   statement        list_open_job_postings_with_total through postgres.js, as anon (asCaller)
//   jobs.list        the core (src/core/jobs/service.ts): the statement, the capped total, the keyset cursor
//   app.handle       the facade's Elysia app in this process: plugins, routing, query and response validation, JSON
//   facade over HTTP the facade's process, over a keep-alive connection
//
// The app of `app.handle` is built as the facade builds its own (src/api/composition.ts),
// from the stack's settings; its log lines go to /dev/null, at the stack's level.
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
import { profileSplitLines, sampleProfile, type Layer, type Piece, type ProfileLine } from "./profile-split.ts";

export async function profileJobList(options: {
  serverEnv: Record<string, string>;
  facadeUrl: string;
  /** The list's query string, e.g. "" (no filter) or "q=remote". */
  query: Record<string, string>;
  calls: number;
  rounds: number;
}): Promise<ProfileLine[]> {
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

  const layers: Layer[] = [
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
  const pieces: Piece[] = [
    ["zod validation of the 200 (ListJobsResponse, 20 postings)", () => ListJobsResponse["~standard"].validate(answer)],
    ["zod parse of the query (ListJobsQuery)", () => parseQuery(ListJobsQuery, options.query)],
    ["JSON.stringify of the answer", () => JSON.stringify(answer)],
    [
      `one access-log line at ${settings.LOG_LEVEL} (to /dev/null)`,
      () => log.info("request", { request_id: crypto.randomUUID(), method: "GET", path: redactedRequestPath(`/api/v1/jobs/list?${search}`), status: 200, duration_ms: 1.23 }),
    ],
  ];

  try {
    return await sampleProfile(layers, pieces, options);
  } finally {
    await deps.sql.end({ timeout: 5 });
    fs.closeSync(devNull);
  }
}

/** The split as lines: µs per request, and each line's share of the facade over HTTP. */
export function profileLines(lines: ProfileLine[]): string[] {
  return profileSplitLines(lines, {
    statement: "statement (postgres.js, asCaller)",
    core: "jobs.list (core, in process)",
    app: "app.handle (Elysia, in process)",
    http: "facade over HTTP",
  });
}
