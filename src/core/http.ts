// HTTP pieces both faces share: the JSON and error responses, the security headers, CORS,
// the client's address from X-Forwarded-For, the request id, and request paths as logs
// may show them.
import { ApiError } from "./errors.ts";
import { isIpAddress } from "./ip-address.ts";

/** The seed's security headers, on every response of every face. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "X-XSS-Protection": "1; mode=block",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "Referrer-Policy": "no-referrer",
};

export interface CorsPolicy {
  /** Exact origins allowed, e.g. https://letsmakecv.com. "*" allows any origin without credentials. */
  allowedOrigins: readonly string[];
  allowedHeaders?: readonly string[];
  allowedMethods?: readonly string[];
  maxAgeSeconds?: number;
}

// x-link-password and x-viewer-email: a share link's gates, which a browser may send.
// (X-Viewer-IP and friends are for previewcv.com's server only.)
const defaultAllowedHeaders = ["authorization", "x-client-info", "apikey", "content-type", "x-api-token", "x-request-id", "x-link-password", "x-viewer-email"];
const defaultAllowedMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * CORS headers for a request from `origin`. Only listed origins are echoed back (with
 * Vary: Origin), so a cached response never leaks to another site.
 */
export function corsHeaders(origin: string | null, policy: CorsPolicy): Record<string, string> {
  return { ...corsHeadersFor(policy)(origin) };
}

/**
 * corsHeaders of a policy, computed once: one shared, frozen set of headers per listed
 * origin and one for every other origin, so a request only looks its origin up.
 */
export function corsHeadersFor(policy: CorsPolicy): (origin: string | null) => Readonly<Record<string, string>> {
  const fixed: Record<string, string> = {
    "Access-Control-Allow-Headers": (policy.allowedHeaders ?? defaultAllowedHeaders).join(", "),
    "Access-Control-Allow-Methods": (policy.allowedMethods ?? defaultAllowedMethods).join(", "),
    "Access-Control-Max-Age": String(policy.maxAgeSeconds ?? 600),
    "Access-Control-Expose-Headers": "Retry-After, X-Request-Id",
    Vary: "Origin",
  };
  if (policy.allowedOrigins.includes("*")) {
    const anyOrigin = Object.freeze({ ...fixed, "Access-Control-Allow-Origin": "*" });
    return () => anyOrigin;
  }
  const unlisted = Object.freeze(fixed);
  const listed = new Map(policy.allowedOrigins.map((origin) => [origin, Object.freeze({ ...fixed, "Access-Control-Allow-Origin": origin })]));
  return (origin) => (origin ? listed.get(origin) : undefined) ?? unlisted;
}

/**
 * What every answer of a face carries whatever it is, the security headers and CORS,
 * for a request's origin: computed once per policy (corsHeadersFor), not per request.
 */
export function answerHeadersFor(policy: CorsPolicy): (origin: string | null) => Readonly<Record<string, string>> {
  const cors = corsHeadersFor(policy);
  const combined = new Map<Readonly<Record<string, string>>, Readonly<Record<string, string>>>();
  return (origin) => {
    const forOrigin = cors(origin);
    let headers = combined.get(forOrigin);
    if (!headers) {
      headers = Object.freeze({ ...securityHeaders, ...forOrigin });
      combined.set(forOrigin, headers);
    }
    return headers;
  };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}

export function errorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  return jsonResponse(error.body, error.status, { ...error.headers, ...headers });
}

/**
 * The client's address from X-Forwarded-For, read from the right: each proxy appends
 * the address it saw, so only the entries our own proxies appended can be believed, and
 * whatever the client sent sits to their left. With `trustedHops` proxies of ours in
 * front (TRUST_PROXY), the client's address is the entry that many places from the
 * right; the leftmost entry is the client's own word and could be anything. Undefined
 * when the header has fewer entries (the request did not come through our proxies) or
 * the entry is not an IP address.
 */
export function forwardedClientIp(forwardedFor: string | null | undefined, trustedHops = 1): string | undefined {
  if (!forwardedFor || trustedHops < 1) return undefined;
  const entries = forwardedFor.split(",").map((entry) => entry.trim());
  const entry = entries[entries.length - trustedHops];
  return entry && isIpAddress(entry) ? entry : undefined;
}

/**
 * The request's id: the caller's X-Request-Id when it is a sane token (so one id can
 * follow a request across services), otherwise a new one.
 */
export function requestIdFor(request: Request): string {
  const offered = request.headers.get("x-request-id");
  return offered && /^[A-Za-z0-9._-]{8,64}$/.test(offered) ? offered : crypto.randomUUID();
}

/**
 * Paths whose rest is a secret: a share token (a resume's permanent token or a share
 * link's) opens the resume to whoever holds it. The facade's public fetch, the function
 * through the gateway (/functions/v1/...) and the function's own path (Supabase hands a
 * function /{name}/...).
 */
const secretPathPrefixes = ["/api/v1/shared/public/resume/", "/functions/v1/public-resume/", "/public-resume/"] as const;

/** A query parameter's name as our routes name them; anything else (`?<token>`) is redacted too. */
const queryNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** What a log line shows instead of a secret. */
export const REDACTED = "[redacted]";

/**
 * A request path (with or without its query string) as a log line may show it: a share
 * token in the path becomes [redacted] (with anything after it), and so does every
 * query value (a query string can carry a token, an email or a search for a person);
 * parameter names stay when they look like names, they tell what was asked. Cheap on
 * the common path: every access-log line runs it.
 */
export function redactedRequestPath(pathAndQuery: string): string {
  const queryAt = pathAndQuery.indexOf("?");
  let path = queryAt < 0 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  for (const prefix of secretPathPrefixes) {
    if (path.startsWith(prefix) && path.length > prefix.length) {
      path = prefix + REDACTED;
      break;
    }
  }
  if (queryAt < 0) return path;
  const names = pathAndQuery
    .slice(queryAt + 1)
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const name = pair.split("=", 1)[0]!;
      return `${queryNamePattern.test(name) ? name : REDACTED}=${REDACTED}`;
    });
  return names.length > 0 ? `${path}?${names.join("&")}` : path;
}
