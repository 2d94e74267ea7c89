// JSON routes take JSON (src/api/plugins/json-body.ts), as the seed's FastAPI did: any
// other media type is read with the same 256 KiB limit and refused by validation (422),
// and the size limit holds whatever the Content-Type says. In process.
import { describe, expect, test } from "bun:test";
import { useInProcessFacade } from "../support/facade.ts";
import { answerOf, sendToFacade, testClientIp } from "../support/stack.ts";

const facade = useInProcessFacade();

const login = (headers: Record<string, string>, body: BodyInit | null) =>
  sendToFacade(facade, "/api/v1/auth/login", { method: "POST", headers: { "x-forwarded-for": testClientIp(), ...headers }, body }).then(answerOf);

const credentials = JSON.stringify({ email: "nobody@example.test", password: "not-their-password-1" });

describe("a JSON route's body", () => {
  test("JSON, and JSON by a +json media type, is read (here: a wrong password)", async () => {
    for (const type of ["application/json", "application/json; charset=utf-8", "application/vnd.api+json"]) {
      const answer = await login({ "content-type": type }, credentials);
      expect([type, answer.status, answer.body.detail]).toEqual([type, 401, "Incorrect email or password"]);
    }
  });

  test("another media type is not JSON: 422, as the seed answered, whatever it holds", async () => {
    const form = new FormData();
    form.append("email", "nobody@example.test");
    form.append("password", "not-their-password-1");
    for (const [label, headers, body] of [
      ["text", { "content-type": "text/plain" }, credentials],
      ["no media type", {}, credentials],
      ["a form", { "content-type": "application/x-www-form-urlencoded" }, "email=nobody%40example.test&password=not-their-password-1"],
      ["multipart", {}, form],
      ["nothing at all", {}, null],
    ] as const) {
      const answer = await login(headers, body);
      expect([label, answer.status, answer.body.errors?.[0]?.loc]).toEqual([label, 422, ["body"]]);
    }
  });

  test("the 256 KiB limit holds for every media type; malformed JSON and an empty JSON body are 400", async () => {
    const huge = JSON.stringify({ email: "a@b.test", password: "x".repeat(300 * 1024) });
    for (const type of ["application/json", "text/plain"]) {
      const answer = await login({ "content-type": type }, huge);
      expect([type, answer.status, answer.body.detail]).toEqual([type, 413, `The request body is larger than ${256 * 1024} bytes`]);
    }
    expect(await login({ "content-type": "application/json" }, "{not json").then((a) => [a.status, a.body.detail])).toEqual([400, "Malformed JSON body"]);
    expect(await login({ "content-type": "application/json" }, null).then((a) => [a.status, a.body.detail])).toEqual([400, "Malformed request body"]);
  });
});
