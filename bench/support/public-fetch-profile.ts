// Where a public fetch's time goes: N sequential calls (one in flight, so each number is
// a request's own cost, not a queue's) of each layer, from the statement alone to the
// facade over HTTP, and of the single pieces the layers add, in microseconds per call.
// Each layer contains the one before it:
//
//   statement           private.fetch_shared_resume through postgres.js (the database limit's statement)
//   fetchSharedResume   the core (src/core/resumes/public-fetch.ts): checks, digest, statement, signing
//   app.handle          the facade's Elysia app in this process: plugins, routing, validation, JSON
//   facade over HTTP    the facade's process, over a keep-alive connection
//   function direct     the public-resume function's own port (Deno)
//   edge function       the same through the local gateway (this process)
//
// The app of `app.handle` is built as the facade builds its own (src/api/composition.ts),
// from the stack's settings; its log lines go to /dev/null, at the stack's level.
// Sampled and printed by profile-split.ts.
import fs from "node:fs";
import { isbot } from "isbot";
import { createApp } from "../../src/api/app.ts";
import { createFacadeDeps } from "../../src/api/composition.ts";
import { PublicFetchHeaders } from "../../src/api/shared-resumes/index.ts";
import { apiTokenDigest } from "../../src/core/digest.ts";
import { answerHeadersFor, redactedRequestPath } from "../../src/core/http.ts";
import { createLogger } from "../../src/core/log.ts";
import { SharedResumeResponse, type SharedResume } from "../../src/core/resumes/model.ts";
import { fetchSharedResume, publicFetchHeaders } from "../../src/core/resumes/public-fetch.ts";
import { readSettings } from "../../src/core/settings.ts";
import type { Sql } from "../../src/db/client.ts";
import { profileSplitLines, sampleProfile, type Layer, type Piece, type ProfileLine } from "./profile-split.ts";

export interface ProfileOptions {
  /** The environment the stack's servers run with (settings, database URL, storage). */
  serverEnv: Record<string, string>;
  /** Base URLs that end where the share token goes. */
  urls: { facade: string; functionDirect: string; edgeFunction: string };
  apiToken: string;
  tokens: readonly string[];
  /** A stored PDF's key, to sign. */
  storageKey: string;
  /** Sequential calls per layer and round; the pieces run ten times as many, in batches of 100. */
  calls: number;
  rounds: number;
}

const viewerAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const referer = "https://previewcv.com/bench";
const randomViewerIp = () => `2001:db8:${[...crypto.getRandomValues(new Uint16Array(6))].map((word) => word.toString(16)).join(":")}`;

export async function profilePublicFetch(options: ProfileOptions): Promise<ProfileLine[]> {
  const settings = readSettings("facade", (name) => options.serverEnv[name]);
  const devNull = fs.openSync("/dev/null", "w");
  const log = createLogger({ service: "facade", level: settings.LOG_LEVEL, write: (line) => fs.writeSync(devNull, line + "\n") });
  const deps = await createFacadeDeps(settings, log);
  const app = createApp(deps);
  const pick = () => options.tokens[Math.floor(Math.random() * options.tokens.length)]!;
  const headersOf = () => ({ "x-api-token": options.apiToken, "user-agent": "previewcv-bench/1.0", referer, "x-viewer-user-agent": viewerAgent, "x-viewer-referer": referer, "x-viewer-ip": randomViewerIp() });
  const coreRequest = (headers: Record<string, string>) => {
    const request = new Headers(headers);
    return {
      apiToken: request.get("x-api-token"),
      shareToken: pick(),
      clientIp: "127.0.0.1",
      userAgent: request.get("user-agent"),
      referer: request.get("referer"),
      ...publicFetchHeaders(request),
      includePreview: false,
    };
  };
  const http = (base: string) => async () => {
    const response = await fetch(`${base}${pick()}`, { headers: headersOf() });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${base}: ${response.status}`);
  };

  // One real answer and request for the pieces.
  const answer: SharedResume = await fetchSharedResume(deps, coreRequest(headersOf()));
  const requestHeaders = headersOf();
  const digest = await apiTokenDigest(options.apiToken);
  const answerHeaders = answerHeadersFor({ allowedOrigins: settings.CORS_ALLOWED_ORIGINS });

  const layers: Layer[] = [
    ["statement (postgres.js)", () => statement(deps.sql, digest, pick())],
    ["fetchSharedResume (core, in process)", () => fetchSharedResume(deps, coreRequest(headersOf()))],
    [
      "app.handle (Elysia, in process)",
      async () => {
        const response = await app.handle(new Request(`http://localhost/api/v1/shared/public/resume/${pick()}`, { headers: headersOf() }));
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`app.handle: ${response.status}`);
      },
    ],
    ["facade over HTTP", http(options.urls.facade)],
    ["function direct over HTTP (Deno)", http(options.urls.functionDirect)],
    ["edge function over HTTP (gateway)", http(options.urls.edgeFunction)],
  ];
  const pieces: Piece[] = [
    ["API-token digest (apiTokenDigest)", () => apiTokenDigest(options.apiToken)],
    ["signing the PDF URL (storage.signedUrl)", () => deps.storage.signedUrl(options.storageKey, { expiresInSeconds: settings.SIGNED_URL_TTL_SECONDS })],
    ["zod validation of the 200 (SharedResumeResponse)", () => SharedResumeResponse["~standard"].validate(answer)],
    ["zod validation of the headers (PublicFetchHeaders)", () => PublicFetchHeaders["~standard"].validate(requestHeaders)],
    ["JSON.stringify of the answer", () => JSON.stringify(answer)],
    [
      `one access-log line at ${settings.LOG_LEVEL} (to /dev/null)`,
      () =>
        log.info("request", {
          request_id: crypto.randomUUID(),
          method: "GET",
          path: redactedRequestPath(`/api/v1/shared/public/resume/${options.tokens[0]}`),
          status: 200,
          duration_ms: 1.23,
        }),
    ],
    ["CORS and security headers of a request", () => Object.assign({}, answerHeaders("https://previewcv.com"), { "X-Request-Id": "r" })],
    ["bot detection (isbot)", () => isbot(viewerAgent)],
  ];

  try {
    return await sampleProfile(layers, pieces, options);
  } finally {
    await deps.sql.end({ timeout: 5 });
    fs.closeSync(devNull);
  }
}

/** The statement of src/core/resumes/public-fetch.ts, as the "database limit" case sends it. */
function statement(sql: Sql, digest: Uint8Array, token: string) {
  return sql`
    select * from private.fetch_shared_resume(
      ${digest}, ${token}, ${"127.0.0.1"}::inet, ${"previewcv-bench/1.0"}, ${referer},
      ${randomViewerIp()}::inet, ${viewerAgent}, ${referer},
      ${isbot(viewerAgent)}, ${null}::uuid, ${null}, ${null})`;
}

/** The split as a table: µs per request, and each line's share of the facade over HTTP. */
export function printProfile(lines: ProfileLine[], options: { calls: number; rounds: number }): void {
  console.log(
    `Profile split: ${options.calls * options.rounds} sequential calls per layer (pieces: ${options.calls * options.rounds * 10}), interleaved; median µs per request and share of the facade over HTTP:`,
  );
  const split = profileSplitLines(lines, {
    statement: "statement (postgres.js)",
    core: "fetchSharedResume (core, in process)",
    app: "app.handle (Elysia, in process)",
    http: "facade over HTTP",
  });
  for (const line of split) console.log(line);
}
