// The client's IP, for rate limits and access logs. Behind a load balancer the socket
// address is the balancer's, so X-Forwarded-For is read, but only when TRUST_PROXY
// says proxies we control append to it, and only the entry the outermost of them
// appended (otherwise any client could pick its own IP).
// Scoped: it runs for the routes of the modules that use it (auth, the public fetch),
// not for every request of the facade.
import { Elysia } from "elysia";
import { forwardedClientIp } from "../../core/http.ts";

/** true is one proxy, false none, a number that many (TRUST_PROXY). */
export type TrustedProxies = boolean | number;

export function clientIpPlugin(options: { trustProxy: TrustedProxies }) {
  const hops = options.trustProxy === true ? 1 : options.trustProxy === false ? 0 : options.trustProxy;
  return new Elysia({ name: "client-ip" }).derive({ as: "scoped" }, ({ request, server }) => {
    const forwarded = hops > 0 ? forwardedClientIp(request.headers.get("x-forwarded-for"), hops) : undefined;
    return { clientIp: forwarded ?? server?.requestIP(request)?.address };
  });
}
