// The client's IP, for rate limits and access logs. Behind a load balancer the socket
// address is the balancer's, so X-Forwarded-For is read, but only when TRUST_PROXY
// says a proxy we control sets it (otherwise any client could pick its own IP).
// Scoped: it runs for the routes of the modules that use it (auth, the public fetch),
// not for every request of the facade.
import { Elysia } from "elysia";
import { forwardedClientIp } from "../../core/http.ts";

export function clientIpPlugin(options: { trustProxy: boolean }) {
  return new Elysia({ name: "client-ip" }).derive({ as: "scoped" }, ({ request, server }) => {
    const forwarded = options.trustProxy ? forwardedClientIp(request.headers.get("x-forwarded-for")) : undefined;
    return { clientIp: forwarded ?? server?.requestIP(request)?.address };
  });
}
