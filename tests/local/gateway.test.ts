// The local API gateway, through the real supabase-js pointed at it as at `supabase start`:
// what a frontend gets for the parts of Supabase the local stack does not run.
import { beforeAll, describe, expect, test } from "bun:test";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { NO_POSTGREST_CODE } from "../../src/local/gateway.ts";
import { testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
let supabase: SupabaseClient;
beforeAll(async () => {
  stack = await testStack();
  supabase = createClient(stack.gatewayUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } });
});

describe("/rest/v1: no PostgREST locally, said in PostgREST's error shape", () => {
  const expected = () => ({
    code: NO_POSTGREST_CODE,
    message: "The local stack (npm start) has no PostgREST, so /rest/v1 is not served here.",
    hint: `Run \`supabase start\` for /rest/v1 (supabase-js from() and rpc()), or use the /api/v1 facade at ${stack.facadeUrl}/api/v1 (OpenAPI at ${stack.facadeUrl}/docs).`,
  });

  test("from('resumes').select() gets the message, the code and the hint, status 501", async () => {
    const { data, error, status } = await supabase.from("resumes").select();
    expect(data).toBeNull();
    expect(status).toBe(501);
    expect({ code: error!.code, message: error!.message, hint: error!.hint }).toEqual(expected());
    expect(error!.details).toBe(
      "GET /rest/v1/resumes was not run. npm start serves /auth/v1, /functions/v1 and /storage/v1/cdn here; PostgREST comes with `supabase start` (Docker).",
    );
  });

  test("writes and rpc() get the same answer", async () => {
    const insert = await supabase.from("resumes").insert({ resume_name: "x", pdf_filename: "x.pdf", permanent_token: "x" });
    expect(insert.status).toBe(501);
    expect(insert.error).toMatchObject(expected());
    expect(insert.error!.details).toStartWith("POST /rest/v1/resumes was not run.");
    const rpc = await supabase.rpc("list_open_job_postings");
    expect(rpc.status).toBe(501);
    expect(rpc.error).toMatchObject(expected());
    expect(rpc.error!.details).toStartWith("POST /rest/v1/rpc/list_open_job_postings was not run.");
  });

  test("a browser on another origin can read it: the preflight allows the headers supabase-js sends", async () => {
    const origin = "http://localhost:3000";
    const asked = "accept-profile, apikey, authorization, x-client-info";
    const preflight = await fetch(`${stack.gatewayUrl}/rest/v1/resumes`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": asked },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toBe(asked);
    const response = await fetch(`${stack.gatewayUrl}/rest/v1/resumes?select=*`, { headers: { origin, apikey: stack.anonKey } });
    expect(response.status).toBe(501);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toMatchObject(expected());
  });
});

test("/auth/v1 preflights allow supabase-js's own headers too (x-supabase-api-version)", async () => {
  const asked = "apikey, authorization, content-type, x-client-info, x-supabase-api-version";
  const preflight = await fetch(`${stack.gatewayUrl}/auth/v1/token?grant_type=password`, {
    method: "OPTIONS",
    headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": asked },
  });
  expect([preflight.status, preflight.headers.get("access-control-allow-headers")]).toEqual([204, asked]);
});

test("/auth/v1 through the gateway: a call the stand-in does not implement says so", async () => {
  const { error } = await supabase.auth.signInWithOtp({ email: "someone@example.test" });
  expect({ status: error!.status, code: error!.code }).toEqual({ status: 404, code: "feature_disabled" });
  expect(error!.message).toStartWith("Passwordless sign-in (signInWithOtp: email or SMS codes and magic links) is not implemented by the local Supabase Auth stand-in (npm start).");
});
