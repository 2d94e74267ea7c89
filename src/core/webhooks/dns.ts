// The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), every address of
// both families, as a connection would see them. node:dns exists in Bun and in Deno.
import { lookup } from "node:dns/promises";
import type { Resolve } from "./destination.ts";

export const systemResolve: Resolve = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
};

/** A resolver that gives up after `ms` (a resolver that hangs must not hold a request). */
export function withTimeout(resolve: Resolve, ms: number): Resolve {
  return (hostname) =>
    new Promise<string[]>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`DNS lookup took longer than ${ms} ms`)), ms);
      resolve(hostname).then(
        (addresses) => {
          clearTimeout(timer);
          done(addresses);
        },
        (error: unknown) => {
          clearTimeout(timer);
          fail(error);
        },
      );
    });
}
