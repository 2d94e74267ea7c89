// Every failure of the facade answers the one error shape, mapped once by the errors
// plugin: ApiErrors as they are, database refusals by their SQLSTATE, validation as the
// seed's 422, and anything unexpected as a 500 that names the request (and is logged
// with its cause chain). In process.
import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { z } from "zod";
import { errorHandling } from "../../src/api/plugins/errors.ts";
import { httpBasics } from "../../src/api/plugins/http-basics.ts";
import { conflict } from "../../src/core/errors.ts";
import { createLogger } from "../../src/core/log.ts";
import { answerOf } from "../support/stack.ts";

function appLogging(lines: Record<string, unknown>[], level: "info" | "warn" = "warn") {
  const log = createLogger({ service: "test", level, write: (line) => lines.push(JSON.parse(line)) });
  return new Elysia()
    .use(httpBasics({ cors: { allowedOrigins: [] }, log }))
    .use(errorHandling({ log }))
    .get("/refused", () => {
      throw conflict("Already there");
    })
    .get("/trigger", () => {
      throw Object.assign(new Error("cannot move an application from reviewed to accepted"), { code: "PT409" });
    })
    .get("/unique", () => {
      throw Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505", constraint_name: "x" });
    })
    .get("/bug", () => {
      throw new Error("the handler broke", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    })
    .get("/api/v1/shared/public/resume/:token", () => {
      throw new Error("the public fetch broke");
    })
    .get("/typed/:n", ({ params }) => params.n, { params: z.object({ n: z.string().regex(/^\d+$/, "Digits only") }) });
}

const get = async (app: ReturnType<typeof appLogging>, path: string) => answerOf(await app.handle(new Request(`http://localhost${path}`)));

describe("the errors plugin", () => {
  test("an ApiError is answered as it is; a trigger's PTnnn as HTTP nnn with its message; a unique violation as 409", async () => {
    const app = appLogging([]);
    expect(await get(app, "/refused").then((a) => [a.status, a.body])).toEqual([409, { success: false, detail: "Already there" }]);
    expect(await get(app, "/trigger").then((a) => [a.status, a.body])).toEqual([409, { success: false, detail: "cannot move an application from reviewed to accepted" }]);
    expect(await get(app, "/unique").then((a) => [a.status, a.body])).toEqual([409, { success: false, detail: "Already exists" }]);
  });

  test("validation is the seed's 422; an unknown path the one shape's 404", async () => {
    const app = appLogging([]);
    expect(await get(app, "/typed/x").then((a) => [a.status, a.body])).toEqual([
      422,
      { success: false, detail: "Invalid params.n: Digits only", errors: [{ loc: ["params", "n"], msg: "Digits only" }] },
    ]);
    expect(await get(app, "/nowhere").then((a) => [a.status, a.body])).toEqual([404, { success: false, detail: "Not Found" }]);
  });

  test("anything else is a 500 naming the request, logged with its cause and without internals in the answer", async () => {
    const lines: Record<string, unknown>[] = [];
    const answer = await get(appLogging(lines), "/bug");
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ success: false, detail: "Internal server error", request_id: answer.headers.get("x-request-id") });
    expect(JSON.stringify(answer.body)).not.toContain("broke");
    const logged = lines.find((line) => line.message === "unhandled error")!;
    expect(logged).toMatchObject({ level: "error", request_id: answer.headers.get("x-request-id"), path: "/bug", error: "the handler broke" });
    expect(logged.causes).toEqual([{ error: "socket hang up", error_name: "Error", code: "ECONNRESET" }]);
  });

  test("a share token in the path is in neither the 500's log line nor the access log's: both write [redacted]", async () => {
    const lines: Record<string, unknown>[] = [];
    const shareToken = "x".repeat(43);
    const answer = await get(appLogging(lines, "info"), `/api/v1/shared/public/resume/${shareToken}?include=preview`);
    expect(answer.status).toBe(500);
    await Bun.sleep(10); // the access line is written after the response
    expect(lines.find((line) => line.message === "unhandled error")).toMatchObject({ path: "/api/v1/shared/public/resume/[redacted]" });
    expect(lines.find((line) => line.message === "request")).toMatchObject({ path: "/api/v1/shared/public/resume/[redacted]", status: 500 });
    expect(JSON.stringify(lines)).not.toContain(shareToken);
  });
});
