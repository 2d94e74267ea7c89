// Both faces take a caller's X-Request-Id when it is a sane token (so one id follows a
// request across services) and make their own otherwise; every answer carries it.
import { beforeAll, describe, expect, test } from "bun:test";
import { testStack, type TestStack } from "../support/stack.ts";

let stack: TestStack;
beforeAll(async () => {
  stack = await testStack();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const faces = [
  { name: "facade", url: () => `${stack.facadeUrl}/health` },
  { name: "edge function", url: () => `${stack.functionsUrl}/public-resume/not-a-token` },
];

describe.each(faces)("$name", (face) => {
  test("echoes a sane X-Request-Id", async () => {
    const response = await fetch(face.url(), { headers: { "x-request-id": "trace-abc.123_XYZ" } });
    await response.arrayBuffer();
    expect(response.headers.get("x-request-id")).toBe("trace-abc.123_XYZ");
  });

  test.each([["too short", "abc"], ["a log-line forgery", "id\"level\":\"error"], ["too long", "x".repeat(65)]])(
    "replaces one that is %s",
    async (_label, offered) => {
      const response = await fetch(face.url(), { headers: { "x-request-id": offered } });
      await response.arrayBuffer();
      expect(response.headers.get("x-request-id")).toMatch(uuid);
    },
  );

  test("makes one when none is sent", async () => {
    const response = await fetch(face.url());
    await response.arrayBuffer();
    expect(response.headers.get("x-request-id")).toMatch(uuid);
  });
});
