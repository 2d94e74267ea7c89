// `bun bench/upload-thumbnails.ts` (part of `npm run bench`): what the link-preview
// thumbnail (issue 13: the first page rendered by MuPDF and stored beside the PDF) adds
// to an upload. Two facades in this process over one throwaway stack's database and local
// storage, the same in everything but RESUME_THUMBNAILS, take the same uploads through
// app.handle (no socket, so the comparison is the upload path itself), alternating case
// order by round; each upload a real one (PDF and PNG stored, row recorded, QR code made).
// Printed: uploads/s with and without rendering, their ratio, and the p50 added per upload.
//
// Knobs (environment): BENCH_SECONDS (5 per case), BENCH_ROUNDS (3), BENCH_UPLOAD_CONCURRENCY (4).
import postgres from "postgres";
import { createApp } from "../src/api/app.ts";
import { createFacadeDeps } from "../src/api/composition.ts";
import { createLogger } from "../src/core/log.ts";
import { readSettings } from "../src/core/settings.ts";
import type { Sql } from "../src/db/client.ts";
import { buildPdf } from "../tests/support/pdf.ts";
import { printTable, ratio, runLoad, type LoadResult } from "./support/measure.ts";
import { noUploadLimits, startBenchStack } from "./support/throwaway-stack.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_UPLOAD_CONCURRENCY ?? 4);
const sizes = [
  { label: "100 KB", bytes: 100_000 },
  { label: "1 MB", bytes: 1_000_000 },
] as const;

async function main() {
  console.log(`Upload thumbnails: ${concurrency} uploads in flight, ${seconds} s per case, ${rounds} rounds.`);
  const stack = await startBenchStack({ bcryptCost: 4 });
  const superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  const pools: Sql[] = [];
  try {
    // Built as the facade builds itself (src/api/composition.ts), but for RESUME_THUMBNAILS,
    // each with a pool of 4 connections, and per-account limits out of the way: one
    // account uploads thousands of times here, which the hourly limit (30) would refuse.
    const facadeFor = async (thumbnails: boolean) => {
      const overrides: Record<string, string> = {
        RESUME_THUMBNAILS: String(thumbnails),
        DB_POOL_SIZE: "4",
        ...noUploadLimits,
      };
      const settings = readSettings("facade", (name) => overrides[name] ?? stack.serverEnv[name]);
      const deps = await createFacadeDeps(settings, createLogger({ service: "bench-upload", level: "error" }));
      pools.push(deps.sql);
      return createApp(deps);
    };
    const apps = { "with thumbnail": await facadeFor(true), "without thumbnail": await facadeFor(false) };

    const credentials = { email: `bench.${crypto.randomUUID()}@example.test`, password: "BenchPassword123", full_name: "Bench Uploader" };
    const json = { "content-type": "application/json" };
    await fetch(`${stack.facadeUrl}/api/v1/auth/register`, { method: "POST", headers: json, body: JSON.stringify(credentials) });
    const login = (await (await fetch(`${stack.facadeUrl}/api/v1/auth/login`, { method: "POST", headers: json, body: JSON.stringify(credentials) })).json()) as { access_token: string };

    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < rounds; round++) {
      for (const size of sizes) {
        const pdf = buildPdf({ totalBytes: size.bytes, text: `Benchmark ${size.label}` });
        const order = (round % 2 === 0 ? ["with thumbnail", "without thumbnail"] : ["without thumbnail", "with thumbnail"]) as (keyof typeof apps)[];
        for (const name of order) {
          // An account keeps at most 50 resumes: start every case from none.
          await superuser`delete from public.resumes`;
          const app = apps[name];
          const label = `${name}, ${size.label}`;
          const result = await runLoad({
            label,
            concurrency,
            seconds,
            warmupSeconds: 1,
            request: async () => {
              const form = new FormData();
              form.set("file", new File([pdf], "resume.pdf", { type: "application/pdf" }));
              form.set("resume_name", "Benchmark resume");
              const response = await app.handle(new Request("http://localhost/api/v1/resumes/upload", { method: "POST", headers: { authorization: `Bearer ${login.access_token}` }, body: form }));
              await response.arrayBuffer();
              if (response.status === 409) {
                // The account's quota: make room and count the upload as done.
                await superuser`delete from public.resumes`;
                return true;
              }
              return response.status === 200;
            },
          });
          results.set(label, [...(results.get(label) ?? []), result]);
        }
      }
    }
    // The median round per case: the shared machine's load moves single rounds a lot.
    const median = (list: LoadResult[]) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!;
    const rows = [...results.values()].map(median);
    printTable(rows);
    console.log("\nThumbnail rendering (median round per case):");
    for (const size of sizes) {
      const withThumb = rows.find((r) => r.label === `with thumbnail, ${size.label}`)!;
      const without = rows.find((r) => r.label === `without thumbnail, ${size.label}`)!;
      console.log(
        `  ${size.label.padEnd(7)} uploads/s with ${withThumb.rps.toFixed(1)} vs without ${without.rps.toFixed(1)}: ${ratio(withThumb.rps, without.rps)}; p50 added per upload ${(withThumb.p50Ms - without.p50Ms).toFixed(1)} ms (${withThumb.p50Ms.toFixed(1)} vs ${without.p50Ms.toFixed(1)})`,
      );
    }
    if (rows.some((row) => row.errors > 0)) {
      console.log("\nSome uploads failed: the numbers above do not measure uploads.");
      process.exitCode = 1;
    }
  } finally {
    await superuser`delete from public.resumes`.catch(() => {});
    for (const pool of pools) await pool.end();
    await superuser.end();
    await stack.close();
  }
}

await main();
