// Rate limits hold across facade processes: counters live in Postgres, so two
// instances behind a load balancer enforce one limit, not two. Needs real processes.
import { describe, expect, test } from "bun:test";
import { authRateLimits } from "../../src/core/accounts/service.ts";
import { freePort } from "../../src/local/ports.ts";
import { facadeCommand, startProcess } from "../../src/local/processes.ts";
import { uniqueEmail } from "../support/personas.ts";
import { testClientIp, useTestStack } from "../support/stack.ts";

const stack = useTestStack();

describe("rate limits", () => {
  test("two facade processes share one limit (counters live in Postgres)", async () => {
    const port = await freePort();
    const second = await startProcess({
      name: "facade-2",
      command: facadeCommand(),
      env: { ...stack.serverEnv, FACADE_PORT: String(port) },
      readyUrl: `http://127.0.0.1:${port}/ready`,
      url: `http://127.0.0.1:${port}`,
      log: () => {},
    });
    try {
      const facades = [stack.facadeUrl, second.url];
      const ip = testClientIp();
      const limit = authRateLimits.loginPerIp.maxHits;
      const statuses: number[] = [];
      for (let i = 0; i < limit + 2; i++) {
        const response = await fetch(`${facades[i % 2]}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": ip },
          body: JSON.stringify({ email: uniqueEmail("nobody"), password: "Whatever-123" }),
        });
        statuses.push(response.status);
      }
      expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(limit)).toEqual([429, 429]);
    } finally {
      await second.stop();
    }
  });
});
