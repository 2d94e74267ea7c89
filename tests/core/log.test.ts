// Log lines: one JSON object each; an error's fields carry its cause chain, bounded,
// and nothing but names, messages and codes (never what a client sent).
import { describe, expect, test } from "bun:test";
import { createLogger, errorFields, errorLogBounds } from "../../src/core/log.ts";

describe("errorFields", () => {
  test("an error's message, name and stack, and each cause outermost first", () => {
    const root = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6543"), { code: "ECONNREFUSED" });
    const middle = new TypeError("fetch failed", { cause: root });
    const fields = errorFields(new Error("storage put failed", { cause: middle }));
    expect(fields).toMatchObject({ error: "storage put failed", error_name: "Error", stack: expect.stringContaining("storage put failed") });
    expect(fields.causes).toEqual([
      { error: "fetch failed", error_name: "TypeError" },
      { error: "connect ECONNREFUSED 127.0.0.1:6543", error_name: "Error", code: "ECONNREFUSED" },
    ]);
  });

  test("a cause that is no Error is logged as text; an error without causes has no causes field", () => {
    expect(errorFields(new Error("outer", { cause: "a string" })).causes).toEqual([{ error: "a string" }]);
    expect(errorFields(new Error("alone"))).not.toHaveProperty("causes");
    expect(errorFields("thrown text")).toEqual({ error: "thrown text" });
  });

  test("the chain is bounded, a cycle included, and so is each message", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect((errorFields(b).causes as unknown[]).length).toBe(errorLogBounds.causes);
    const long = errorFields(new Error("x".repeat(5000))).error as string;
    expect(long.length).toBe(errorLogBounds.messageChars + 1);
  });

  test("other properties of an error never reach the log (a query's parameters, a body)", () => {
    const database = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      parameters: ["secret cover letter"],
      query: "insert into public.job_applications ...",
    });
    const line = JSON.stringify(errorFields(new Error("apply failed", { cause: Object.assign(database, { body: "client bytes" }) })));
    expect(line).toContain("23505");
    expect(line).not.toContain("secret cover letter");
    expect(line).not.toContain("client bytes");
    expect(line).not.toContain("insert into");
  });

  test("a logger writes one JSON line with the fields", () => {
    const lines: string[] = [];
    createLogger({ service: "test", write: (line) => lines.push(line) }).error("failed", errorFields(new Error("outer", { cause: new Error("inner") })));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", service: "test", message: "failed", error: "outer", causes: [{ error: "inner" }] });
  });

  test("a line is the JSON of time, level, service, message and the fields, in that order; a field of the same name wins", () => {
    const lines: string[] = [];
    const log = createLogger({ service: "svc \"quoted\"", level: "info", write: (line) => lines.push(line) });
    log.debug("not at info");
    log.info("plain");
    log.warn("with \"fields\"\n", { status: 200, nested: { a: [1, null] }, skipped: undefined, level: "custom" });
    expect(lines.length).toBe(2);
    const [plain, withFields] = lines.map((line) => JSON.parse(line));
    expect(Object.keys(plain)).toEqual(["time", "level", "service", "message"]);
    expect(plain).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), level: "info", service: 'svc "quoted"', message: "plain" });
    expect(withFields).toEqual({ time: expect.any(String), level: "custom", service: 'svc "quoted"', message: 'with "fields"\n', status: 200, nested: { a: [1, null] } });
  });
});
