// The stand-in's routing, as GoTrue's chi router answers: a route is a method and a
// path (":name" matches one segment, a final "*" one or more); an unknown path is chi's
// plain-text 404, a known path with another method its empty 405.
import type { ClientInfo } from "./store.ts";

export interface RouteCall {
  client: ClientInfo;
  /** The path's ":name" segments, percent-decoded. */
  params: Record<string, string>;
}

export interface Route {
  method: string;
  /** The path under /auth/v1, e.g. "/admin/users/:user_id". */
  path: string;
  endpoint: (request: Request, call: RouteCall) => Response | Promise<Response>;
  /** Served without an `apikey`, as the hosted gateway serves it (the JWKS, browser redirects). */
  open?: boolean;
}

export type RouteLookup =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrong method" }
  | { kind: "unknown path" };

export function findRoute(routes: readonly Route[], method: string, path: string): RouteLookup {
  let pathKnown = false;
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { kind: "found", route, params };
    pathKnown = true;
  }
  return pathKnown ? { kind: "wrong method" } : { kind: "unknown path" };
}

/** The params of `path` if it has the shape of `pattern`. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const wanted = pattern.split("/");
  const given = path.split("/");
  const rest = wanted.at(-1) === "*";
  if (rest ? given.length < wanted.length : wanted.length !== given.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of wanted.entries()) {
    const actual = given[index] as string;
    if (segment === "*") {
      if (actual === "") return undefined;
    } else if (segment.startsWith(":")) {
      if (actual === "") return undefined;
      params[segment.slice(1)] = decodeSegment(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

// A malformed escape stays as sent: the endpoint's own checks refuse it (never a 500).
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// chi's answers for unknown paths and methods.
export const pageNotFound = () => new Response("404 page not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
export const methodNotAllowed = () => new Response(null, { status: 405 });
