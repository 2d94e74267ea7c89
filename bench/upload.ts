// `bun bench/upload.ts` (part of `npm run bench`): resume uploads, measured beside the
// storage write they cannot be faster than, in one run on one throwaway stack:
//
//   storage alone    FileStorage.put of the same bytes, in this process: the local
//                    storage (files on disk) and the Bunny client against the Bunny
//                    stand-in (a real HTTP server checking AccessKey and Checksum)
//   facade           POST /api/v1/resumes/upload (multipart), local storage
//   edge function    POST /resume-upload on the function's own port (no gateway hop)
//
// for realistic PDF sizes (100 KB, 1 MB, 10 MB), 4 uploads in flight, each upload a real
// one: the file stored, the row inserted, the QR code made, the PDF inspected and its
// first page rendered (MuPDF; bench/upload-thumbnails.ts compares with thumbnails off).
// Then the facade's resident memory at its peak under 16 concurrent 10 MB uploads,
// against the goal of holding each file about once: 16 x 10 MB x 1.5 above idle, idle
// being read right after the stack started (before any upload).
//
// The uploads are spread over a pool of accounts, each taking the next in turn, and the
// per-account limits (UPLOADS_PER_HOUR_PER_USER, MAX_RESUMES_PER_USER,
// MAX_RESUME_BYTES_PER_USER) are lifted for this stack: at these rates every account
// reaches its hourly 30 within seconds, and a refused upload is not an upload (a goal
// counts as met only when its cases answered no errors). The files are deleted between
// cases.
//
// Knobs (environment): BENCH_SECONDS (5 per case), BENCH_UPLOAD_CONCURRENCY (4),
// BENCH_UPLOAD_ACCOUNTS (40).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createBunnyStorage } from "../src/core/storage/bunny.ts";
import { createLocalStorage } from "../src/core/storage/local.ts";
import type { FileStorage } from "../src/core/storage/types.ts";
import { startBunnyStorageStandin } from "../tests/support/bunny-storage-standin.ts";
import { buildPdf } from "../tests/support/pdf.ts";
import { printTable, ratio, runLoad, type LoadResult } from "./support/measure.ts";
import { guardedServerPid, megabytes, rssBytes, samplePeakRss } from "./support/process-metrics.ts";
import { noUploadLimits, startBenchStack } from "./support/throwaway-stack.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_UPLOAD_CONCURRENCY ?? 4);
const accounts = Number(process.env.BENCH_UPLOAD_ACCOUNTS ?? 40);
const sizes = [
  { label: "100 KB", bytes: 100_000 },
  { label: "1 MB", bytes: 1_000_000 },
  { label: "10 MB", bytes: 10_000_000 },
] as const;
const memoryCase = { uploads: 16, bytes: 10_000_000 };

type Target = "local storage alone" | "Bunny stand-in alone" | "facade" | "edge function";
interface Row extends LoadResult {
  target: Target;
  size: (typeof sizes)[number]["label"];
  megabytesPerSecond: number;
}

function uploadRequest(url: string, nextToken: () => string, pdf: Uint8Array): () => Promise<boolean> {
  return async () => {
    const form = new FormData();
    form.set("file", new File([pdf as Uint8Array<ArrayBuffer>], "resume.pdf", { type: "application/pdf" }));
    form.set("resume_name", "Benchmark resume");
    const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${nextToken()}` }, body: form });
    await response.arrayBuffer();
    return response.status === 200;
  };
}

function storageRequest(storage: FileStorage, pdf: Uint8Array): (worker: number, iteration: number) => Promise<boolean> {
  return async (worker, iteration) => {
    await storage.put(`bench/${worker}-${iteration}-${crypto.randomUUID()}.pdf`, pdf, "application/pdf");
    return true;
  };
}

async function main() {
  console.log(`Uploads: ${concurrency} in flight, ${seconds} s per case, ${os.cpus().length} cores.`);
  console.log("Starting a throwaway stack (embedded PostgreSQL, migrations, gateway, edge functions, facade)…");
  // TRUST_PROXY: each account registers from an address of its own (X-Forwarded-For),
  // under the 20 registrations per address and hour (authRateLimits).
  const stack = await startBenchStack({
    bcryptCost: 4,
    env: {
      TRUST_PROXY: "true",
      ...noUploadLimits,
    },
  });
  // Idle: the facade as it started, before any request.
  const facadePid = guardedServerPid(stack.servers.find((server) => server.name === "facade")!.pid);
  const idle = rssBytes(facadePid);
  const superuser = postgres(stack.superuserUrl, { max: 2, onnotice: () => {} });
  const bunny = await startBunnyStorageStandin();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-bench-upload-"));
  try {
    const storageDir = stack.serverEnv.LOCAL_STORAGE_DIR!;
    const localStorage = createLocalStorage({ rootDir: path.join(scratch, "alone"), folder: "pdfs", baseUrl: "http://127.0.0.1/cdn", securityKey: "bench-signing-key" });
    const bunnyStorage = createBunnyStorage({
      storageZone: bunny.zone,
      accessKey: bunny.accessKey,
      region: "de",
      storageApiUrl: bunny.url,
      folder: "pdfs",
      pullZoneUrl: "https://bench.b-cdn.net",
      securityKey: "bench-signing-key",
    });

    const tokens: string[] = [];
    const json = { "content-type": "application/json" };
    for (let i = 0; i < accounts; i++) {
      const credentials = { email: `bench.${crypto.randomUUID()}@example.test`, password: "BenchPassword123", full_name: "Bench Uploader" };
      const headers = { ...json, "x-forwarded-for": `198.51.100.${(i % 250) + 1}` };
      await fetch(`${stack.facadeUrl}/api/v1/auth/register`, { method: "POST", headers, body: JSON.stringify(credentials) });
      const login = await fetch(`${stack.facadeUrl}/api/v1/auth/login`, { method: "POST", headers, body: JSON.stringify(credentials) });
      if (login.status !== 200) throw new Error(`account ${i} could not sign in: ${login.status} ${await login.text()}`);
      tokens.push(((await login.json()) as { access_token: string }).access_token);
    }
    let turn = 0;
    const nextToken = () => tokens[turn++ % tokens.length]!;
    const functionUrl = `${stack.servers.find((server) => server.name === "fn:resume-upload")!.url}/resume-upload`;
    const facadeUrl = `${stack.facadeUrl}/api/v1/resumes/upload`;

    const clean = async () => {
      await superuser`delete from public.resumes`;
      fs.rmSync(path.join(storageDir, "pdfs"), { recursive: true, force: true });
      fs.rmSync(path.join(scratch, "alone"), { recursive: true, force: true });
      bunny.files.clear();
    };

    const rows: Row[] = [];
    for (const size of sizes) {
      const pdf = buildPdf({ totalBytes: size.bytes, text: `Benchmark ${size.label}` });
      const cases: [Target, (worker: number, iteration: number) => Promise<boolean>][] = [
        ["local storage alone", storageRequest(localStorage, pdf)],
        ["Bunny stand-in alone", storageRequest(bunnyStorage, pdf)],
        ["facade", uploadRequest(facadeUrl, nextToken, pdf)],
        ["edge function", uploadRequest(functionUrl, nextToken, pdf)],
      ];
      for (const [target, request] of cases) {
        await clean();
        const result = await runLoad({ label: `${target}, ${size.label}`, concurrency, seconds, warmupSeconds: 1, request });
        rows.push({ ...result, target, size: size.label, megabytesPerSecond: (result.rps * size.bytes) / 1e6 });
      }
    }
    await clean();
    printTable(rows, (row) => ({ "MB/s": (row as Row).megabytesPerSecond.toFixed(1) }));

    const find = (target: Target, size: Row["size"]) => rows.find((row) => row.target === target && row.size === size)!;
    console.log("\nRatios (uploads/s against the storage write alone):");
    for (const size of sizes) {
      const alone = find("local storage alone", size.label).rps;
      console.log(`  ${size.label.padEnd(7)} facade ${ratio(find("facade", size.label).rps, alone)}   edge function ${ratio(find("edge function", size.label).rps, alone)}`);
    }

    // Memory: the facade at its peak while 16 uploads of 10 MB are in flight.
    const pdf = buildPdf({ totalBytes: memoryCase.bytes, text: "Benchmark memory" });
    const upload = uploadRequest(facadeUrl, nextToken, pdf);
    // Read too just before the burst: the cases above leave the heaps grown (MuPDF's
    // WebAssembly memory never shrinks), which "above idle" charges to the burst.
    const beforeBurst = rssBytes(facadePid);
    const sampler = samplePeakRss(facadePid);
    const outcomes = await Promise.all(Array.from({ length: memoryCase.uploads }, () => upload()));
    const peak = sampler.stop();
    await clean();
    const allowed = memoryCase.uploads * memoryCase.bytes * 1.5;

    const facade1MB = find("facade", "1 MB").rps / find("local storage alone", "1 MB").rps;
    const function1MB = find("edge function", "1 MB").rps / find("local storage alone", "1 MB").rps;
    // A goal measured over refusals proves nothing: it is met only when its runs had no errors.
    const verdict = (met: boolean, ...clean: boolean[]) =>
      clean.every(Boolean) ? (met ? "met" : "NOT MET") : "NOT MEASURED (errors above)";
    const noErrors = (target: Target) => find(target, "1 MB").errors === 0 && find("local storage alone", "1 MB").errors === 0;
    console.log("\nFacade memory (resident set):");
    console.log(`  idle ${megabytes(idle)} (as started), peak ${megabytes(peak)} under ${memoryCase.uploads} concurrent 10 MB uploads (${outcomes.filter(Boolean).length} answered 200): ${megabytes(peak - idle)} above idle`);
    console.log(`  just before that burst, after the cases above: ${megabytes(beforeBurst)} (the burst itself added ${megabytes(peak - beforeBurst)})`);
    console.log("\nGoals:");
    console.log(`  upload of 1 MB >= 0.7x the storage write alone:          facade ${facade1MB.toFixed(2)}x ${verdict(facade1MB >= 0.7, noErrors("facade"))}`);
    console.log(`  upload of 1 MB >= 0.7x the storage write alone:          edge function ${function1MB.toFixed(2)}x ${verdict(function1MB >= 0.7, noErrors("edge function"))}`);
    console.log(`  peak RSS above idle <= 16 x 10 MB x 1.5 (${megabytes(allowed)}):  ${megabytes(peak - idle)} ${verdict(peak - idle <= allowed, outcomes.every(Boolean))}`);
    if (rows.some((row) => row.errors > 0) || outcomes.some((ok) => !ok)) process.exitCode = 1;
  } finally {
    await superuser.end();
    await bunny.stop();
    await stack.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
