// The typed supabase-js module: its row types say what the migrations say (checked by
// the compiler: the `Expect<Equal<...>>` lines and `@ts-expect-error` lines below fail
// `tsc` if they stop holding, and the first test runs tsc on this file), and its two
// client factories send what PostgREST expects.
import { afterEach, describe, expect, test } from "bun:test";
import { npmBin, projectRoot } from "../../src/local/paths.ts";
import {
  Constants,
  createAdminClient,
  createUserClient,
  type Enums,
  type Tables,
  type TablesInsert,
  type TablesUpdate,
  type TypedSupabaseClient,
} from "../../src/db/supabase.ts";

// ---------------------------------------------------------------------------------
// Type-level assertions (compile-time only).

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Resume = Tables<"resumes">;
export type ResumeAssertions = [
  Expect<
    Equal<
      keyof Resume,
      | "id"
      | "user_id"
      | "resume_name"
      | "pdf_filename"
      | "pdf_url"
      | "permanent_token"
      | "qr_code_base64"
      | "is_active"
      | "is_public"
      | "created_at"
      | "updated_at"
      | "file_size_bytes"
      // The link preview: the thumbnail's storage key and the page count.
      | "thumbnail_key"
      | "page_count"
      // The owner's profiles.is_active, kept by a foreign key: a deactivated owner's resumes are not served.
      | "owner_is_active"
    >
  >,
  Expect<Equal<Resume["id"], number>>, // bigint identity, read as a JS number
  Expect<Equal<Resume["user_id"], string>>, // uuid
  Expect<Equal<Resume["resume_name"], string>>,
  Expect<Equal<Resume["pdf_url"], string | null>>,
  Expect<Equal<Resume["qr_code_base64"], string | null>>,
  Expect<Equal<Resume["file_size_bytes"], number | null>>, // bigint, null for uploads before it was recorded
  Expect<Equal<Resume["page_count"], number | null>>, // null for uploads before it was recorded
  Expect<Equal<Resume["is_active"], boolean>>,
  Expect<Equal<Resume["created_at"], string>>, // timestamptz as ISO text
  // Inserts: the identity id can't be given, user_id defaults to auth.uid().
  Expect<Equal<TablesInsert<"resumes">["id"], undefined>>,
  Expect<Equal<TablesInsert<"resumes">["user_id"], string | undefined>>,
  Expect<Equal<TablesInsert<"resumes">["resume_name"], string>>,
  Expect<Equal<TablesUpdate<"resumes">["is_public"], boolean | undefined>>,
  Expect<Equal<Enums<"user_type">, "candidate" | "recruiter">>,
  Expect<Equal<Tables<"profiles">["user_type"], Enums<"user_type">>>,
];

// A select narrows the row to the columns asked for.
function selectedRow(client: TypedSupabaseClient) {
  return client.from("resumes").select("id, resume_name, is_public").single();
}
type SelectedRow = NonNullable<Awaited<ReturnType<typeof selectedRow>>["data"]>;
export type SelectAssertion = Expect<Equal<SelectedRow, { id: number; resume_name: string; is_public: boolean }>>;

// Mistakes the types catch.
export function typeErrors(client: TypedSupabaseClient) {
  // @ts-expect-error no such table
  client.from("resume");
  // @ts-expect-error no such column
  client.from("resumes").select("id").eq("owner_id", "x");
  // @ts-expect-error the identity id is generated, never inserted
  const withId: TablesInsert<"resumes"> = { id: 1, resume_name: "CV", pdf_filename: "u/cv.pdf", permanent_token: "t" };
  // @ts-expect-error not a user_type
  const role: Enums<"user_type"> = "admin";
  return [withId, role];
}

// ---------------------------------------------------------------------------------

describe("typed client types", () => {
  test(
    "this file and src/db/supabase.ts type-check (tsc)",
    async () => {
      const child = Bun.spawn([npmBin("tsc"), "--noEmit", "-p", "tests/workflow/tsconfig.json"], {
        cwd: projectRoot,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, output] = await Promise.all([child.exited, new Response(child.stdout).text()]);
      expect({ code, output }).toEqual({ code: 0, output: "" });
    },
    60_000,
  );

  test("enum values are available at runtime too", () => {
    expect([...Constants.public.Enums.user_type]).toEqual(["candidate", "recruiter"]);
  });
});

describe("client factories", () => {
  const url = "http://127.0.0.1:54321";
  const anonKey = "anon-key";
  const requests: Request[] = [];
  const recordingFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    return new Response("[]", { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;

  afterEach(() => {
    requests.length = 0;
  });

  test("createUserClient with a token queries PostgREST as that user", async () => {
    const client = createUserClient(url, anonKey, "user-access-token", { fetch: recordingFetch });
    const { data, error } = await client.from("resumes").select("id, resume_name").eq("is_public", true);
    expect(error).toBeNull();
    expect(data).toEqual([]);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.method).toBe("GET");
    expect(request.url).toBe(`${url}/rest/v1/resumes?select=id%2Cresume_name&is_public=eq.true`);
    expect(request.headers.get("apikey")).toBe(anonKey);
    expect(request.headers.get("authorization")).toBe("Bearer user-access-token");
  });

  test("createUserClient without a token is anon until someone signs in", async () => {
    const client = createUserClient(url, anonKey, undefined, { fetch: recordingFetch });
    await client.from("resumes").select("id");
    expect(requests.at(-1)!.headers.get("authorization")).toBe(`Bearer ${anonKey}`);
  });

  test("createUserClient refuses an empty token instead of silently acting as anon", () => {
    expect(() => createUserClient(url, anonKey, " ")).toThrow(/accessToken is empty/);
  });

  test("createAdminClient sends the service-role key", async () => {
    const client = createAdminClient(url, "service-role-key", { fetch: recordingFetch });
    await client.from("profiles").select("id");
    expect(requests.at(-1)!.headers.get("authorization")).toBe("Bearer service-role-key");
    expect(requests.at(-1)!.headers.get("apikey")).toBe("service-role-key");
  });

  test("createAdminClient refuses to run in a browser", () => {
    const global = globalThis as { document?: unknown };
    global.document = {};
    try {
      expect(() => createAdminClient(url, "service-role-key")).toThrow(/never be used in a browser/);
    } finally {
      delete global.document;
    }
  });
});
