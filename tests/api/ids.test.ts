// One strict rule for row ids (src/core/validation.ts): an id in a path is its decimal
// digits, nothing else, on every route that takes one. Resume routes used to coerce
// (`/resumes/0x10` was resume 16, `/resumes/1e3` resume 1000); every id route now refuses
// those the same way, before any query. In process: no other service is needed.
import { describe, expect, test } from "bun:test";
import { registerCandidate, type Account } from "../support/accounts.ts";
import { useInProcessFacade } from "../support/facade.ts";
import { callFacade, testClientIp } from "../support/stack.ts";

const facade = useInProcessFacade();

const notIds = ["0x10", "1e3", "%201", "01", "-1", "1.0", "0", "abc", "99999999999999999999"];

/** Every route whose path has a row id in it (`:id`, `:job_id`, `:application_id`), read from the app. */
function idRoutes() {
  return facade.app.routes
    .filter((route) => /:(\w+_)?id\b/.test(route.path))
    .map((route) => ({ method: route.method, path: route.path, parameter: /:((\w+_)?id)\b/.exec(route.path)![1]! }));
}

describe("ids in paths", () => {
  let account: Account;

  test("every id route refuses what is not an id's digits with the same 422, before anything else", async () => {
    account ??= await registerCandidate(facade);
    const routes = idRoutes();
    // resumes: GET, PATCH, DELETE /{id}, rotate-token, analytics; jobs: GET, PATCH, DELETE
    // /{job_id}, apply, applications; applications: withdraw, status, history;
    // notifications: read; webhooks: GET, PATCH, DELETE /{id}, rotate-secret, deliveries,
    // one delivery, redeliver; share links (issue 13): list, create, GET, PATCH, rotate,
    // revoke; applications: the applicant's resume.
    expect(routes.length).toBe(28);
    for (const route of routes) {
      for (const notId of notIds) {
        const path = route.path.replace(`:${route.parameter}`, notId);
        const answer = await callFacade(facade, route.method, path, { token: account.token, ip: testClientIp(), body: route.method === "GET" || route.method === "DELETE" ? undefined : {} });
        expect([route.method, path, answer.status, answer.body.errors?.[0]]).toEqual([route.method, path, 422, { loc: ["params", route.parameter], msg: "Must be a positive integer" }]);
        expect(answer.body.detail).toBe(`Invalid params.${route.parameter}: Must be a positive integer`);
      }
    }
  });

  test("an id's own digits are an id: unknown ones are the routes' 404s", async () => {
    account ??= await registerCandidate(facade);
    for (const [path, detail] of [
      ["/api/v1/resumes/16", "Resume not found"],
      ["/api/v1/jobs/999999999", "Job not found"],
      ["/api/v1/applications/999999999/history", "Application not found"],
    ] as const) {
      const answer = await callFacade(facade, "GET", path, { token: account.token, ip: testClientIp() });
      expect([path, answer.status, answer.body]).toEqual([path, 404, { success: false, detail }]);
    }
  });
});

describe("ids in bodies", () => {
  test("resume_id is a JSON number that is an id: not a string of one, not a fraction", async () => {
    const account = await registerCandidate(facade);
    for (const resumeId of ["16", "0x10", 1.5, 0, -1, 2 ** 60, null]) {
      const answer = await callFacade(facade, "POST", "/api/v1/jobs/1/apply", { token: account.token, ip: testClientIp(), body: { resume_id: resumeId } });
      expect([resumeId, answer.status, answer.body.errors?.[0]]).toEqual([resumeId, 422, { loc: ["body", "resume_id"], msg: "Must be a positive integer" }]);
    }
  });
});

describe("whole numbers in queries", () => {
  test("the analytics window `days` is its digits: 0x10 and 1e1 are 422, 16 is 16", async () => {
    const account = await registerCandidate(facade);
    const analytics = (days: string) => callFacade(facade, "GET", `/api/v1/resumes/999999999/analytics?days=${days}`, { token: account.token, ip: testClientIp() });
    for (const notDays of ["0x10", "1e1", "%2010", "1.0", "-1", "0", "366", ""]) {
      const answer = await analytics(notDays);
      expect([notDays, answer.status, answer.body.errors?.[0]?.loc]).toEqual([notDays, 422, ["query", "days"]]);
    }
    // A window that parses reaches the route: this resume does not exist.
    expect((await analytics("16")).body).toEqual({ success: false, detail: "Resume not found" });
  });
});
