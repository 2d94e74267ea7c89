// Register and login through the facade, at Supabase Auth's production bcrypt cost
// (10), beside the bound that cost sets: every register hashes a password and every
// login verifies one, so neither can beat (cores / time of one bcrypt). The facade's
// resident memory is read right after start and sampled under load for its peak.
import os from "node:os";
import postgres from "postgres";
import { printTable, ratio, runLoad, type LoadResult } from "./support/measure.ts";
import { guardedServerPid, megabytes, rssBytes, samplePeakRss } from "./support/process-metrics.ts";
import { startBenchStack } from "./support/throwaway-stack.ts";

const bcryptCost = 10;
const concurrency = 16;
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const password = "SecurePassword123!";

const stack = await startBenchStack({ bcryptCost, env: { TRUST_PROXY: "true" } });
const facadePid = guardedServerPid(stack.servers.find((server) => server.name === "facade")!.pid);
const facadeIdleRss = rssBytes(facadePid);
const sql = postgres(stack.superuserUrl, { max: 4, onnotice: () => {} });
let peak: ReturnType<typeof samplePeakRss> | undefined;
try {
  // The bound: one bcrypt at this cost, in the database that does the hashing.
  const hashes = 20;
  const begun = performance.now();
  for (let i = 0; i < hashes; i++) await sql`select extensions.crypt(${password}, extensions.gen_salt('bf', ${bcryptCost}))`;
  const bcryptMs = (performance.now() - begun) / hashes;
  const cores = os.availableParallelism();
  const boundRps = (cores * 1000) / bcryptMs;

  // Accounts to log in with: the load spreads over many accounts, as real sign-ins do
  // (one stored hash serves them all).
  const accounts = 600;
  const [hashRow] = await sql`select extensions.crypt(${password}, extensions.gen_salt('bf', ${bcryptCost})) as hash`;
  const emails = Array.from({ length: accounts }, (_, i) => `bench.login.${i}@example.test`);
  await sql`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', e, ${hashRow!.hash}, now(),
           '{"provider":"email","providers":["email"]}', '{"full_name":"Bench","user_type":"candidate"}', now(), now()
      from unnest(${emails}::text[]) as e`;

  // Each request from its own client IP, so the per-IP limits measure nothing here.
  const ip = (worker: number, iteration: number) => `10.${worker}.${(iteration >> 8) & 255}.${iteration & 255}`;
  const post = (path: string, body: unknown, clientIp: string) =>
    fetch(`${stack.facadeUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": clientIp },
      body: JSON.stringify(body),
    });

  const results: LoadResult[] = [];
  peak = samplePeakRss(facadePid);
  results.push(
    await runLoad({
      label: "GET /health (the facade's ceiling here)",
      concurrency,
      seconds: Math.min(seconds, 4),
      request: async () => (await fetch(`${stack.facadeUrl}/health`)).ok,
    }),
  );
  let next = 0;
  results.push(
    await runLoad({
      label: "POST /api/v1/auth/login",
      concurrency,
      seconds,
      request: async (worker, iteration) => {
        const response = await post("/api/v1/auth/login", { email: emails[next++ % accounts], password }, ip(worker, iteration));
        await response.arrayBuffer();
        return response.status === 200;
      },
    }),
  );
  results.push(
    await runLoad({
      label: "POST /api/v1/auth/register",
      concurrency,
      seconds,
      request: async (worker, iteration) => {
        const response = await post(
          "/api/v1/auth/register",
          { email: `bench.register.${worker}.${iteration}.${Date.now()}@example.test`, password, full_name: "Bench" },
          ip(worker, iteration + 100_000),
        );
        await response.arrayBuffer();
        return response.status === 200;
      },
    }),
  );

  const facadePeakRss = peak.stop();
  peak = undefined;

  console.log(`\nAuth through the facade, ${concurrency} concurrent clients, ${seconds}s per case, ${cores} cores, bcrypt cost ${bcryptCost}\n`);
  printTable(results, (row) => ({ "of bcrypt bound": row.label.includes("/auth/") ? ratio(row.rps, boundRps) : "" }));
  console.log(`\nbcrypt (cost ${bcryptCost}) in Postgres: ${bcryptMs.toFixed(1)} ms per hash → bound ${boundRps.toFixed(0)} req/s on ${cores} cores`);
  console.log("Login verifies one hash and register computes one; the facade, Auth and Postgres share the same cores.");
  console.log(`Facade memory (resident set): idle ${megabytes(facadeIdleRss)} (right after start), peak under load ${megabytes(facadePeakRss)}.`);
} finally {
  peak?.stop();
  await sql.end();
  await stack.close();
}
