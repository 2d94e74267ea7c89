// The local API gateway on :54321, laid out as `supabase start` lays out its own, so
// supabase-js code written for the CLI runs unchanged:
//   /auth/v1/*          the Supabase Auth stand-in
//   /functions/v1/NAME  the Deno process serving edge function NAME (path forwarded
//                       without the /functions/v1 prefix, as the edge runtime does)
//   /storage/v1/cdn/*   the `local` storage's files at their signed URLs
//   /rest/v1/*          PostgREST's error JSON, 501: PostgREST exists only under
//                       `supabase start` (there is no PostgREST binary to be had here)
// A development tool: nothing that ships imports src/local.
import { corsHeaders } from "../core/http.ts";
import { serverBodyLimit } from "../core/settings.ts";
import type { AuthStandIn } from "./auth/index.ts";
import type { LocalFileHandler } from "./storage/file-server.ts";
import { LOCAL_STORAGE_MOUNT_PATH } from "./storage/file-server.ts";

export interface GatewayRoutes {
  auth: AuthStandIn;
  storage: LocalFileHandler;
  /** Function name → base URL of the process serving it. */
  functions: ReadonlyMap<string, string>;
  /** Where the /api/v1 facade listens, named in the answer to /rest/v1. */
  facadeUrl: string;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1).
const hopByHop = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"];

function json(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: message }), { status, headers: { "Content-Type": "application/json" } });
}

export function startGateway(options: { port: number; routes: GatewayRoutes; maxUploadBytes: number }): RunningGateway {
  const { routes } = options;
  const server = Bun.serve({
    port: options.port,
    hostname: "127.0.0.1",
    // Uploads pass through to the functions, which refuse an oversized one themselves
    // with the API's 413: the gateway's own bound is the servers' outer one.
    maxRequestBodySize: serverBodyLimit(options.maxUploadBytes),
    async fetch(request, server) {
      const url = new URL(request.url);
      const clientAddress = server.requestIP(request)?.address;

      if (url.pathname.startsWith("/auth/v1/") || url.pathname === "/auth/v1") {
        return withGatewayCors(request, () => routes.auth.handle(request, { clientAddress }));
      }
      if (url.pathname.startsWith(`${LOCAL_STORAGE_MOUNT_PATH}/`)) {
        return withGatewayCors(request, () => routes.storage(request));
      }
      const fn = /^\/functions\/v1\/([a-z0-9][a-z0-9_-]*)(\/.*)?$/.exec(url.pathname);
      if (fn) {
        const target = routes.functions.get(fn[1]!);
        if (!target) return json(404, `No function named ${fn[1]}`);
        return forward(request, `${target}/${fn[1]}${fn[2] ?? ""}${url.search}`, clientAddress);
      }
      if (url.pathname === "/rest/v1" || url.pathname.startsWith("/rest/v1/")) {
        return withGatewayCors(request, async () => noPostgrest(request, url, routes.facadeUrl));
      }
      if (url.pathname === "/" || url.pathname === "/health") {
        return Response.json({ status: "ok", functions: [...routes.functions.keys()] });
      }
      return json(404, "Not found");
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    async stop() {
      await server.stop(true);
    },
  };
}

/**
 * PostgREST's code for "this stack has no PostgREST". PostgREST's own codes are PGRST,
 * a group and a number (0xx connection, 1xx request, 2xx schema cache, 3xx JWT, X00
 * internal); the group "L" (local stack) is one PostgREST does not use, so the answer
 * can never be taken for a real PostgREST's, such as PGRST002's 503 that clients retry.
 */
export const NO_POSTGREST_CODE = "PGRSTL00";

/**
 * What /rest/v1 answers locally, in PostgREST's error shape so supabase-js's `from()` and
 * `rpc()` hand the message to the caller. 501 (the server does not do this), not 503:
 * postgrest-js retries 503 and 520, and no retry will bring a PostgREST here.
 */
function noPostgrest(request: Request, url: URL, facadeUrl: string): Response {
  const body = {
    code: NO_POSTGREST_CODE,
    details: `${request.method} ${url.pathname} was not run. npm start serves /auth/v1, /functions/v1 and ${LOCAL_STORAGE_MOUNT_PATH} here; PostgREST comes with \`supabase start\` (Docker).`,
    hint: `Run \`supabase start\` for /rest/v1 (supabase-js from() and rpc()), or use the /api/v1 facade at ${facadeUrl}/api/v1 (OpenAPI at ${facadeUrl}/docs).`,
    message: "The local stack (npm start) has no PostgREST, so /rest/v1 is not served here.",
  };
  return new Response(JSON.stringify(body), { status: 501, headers: { "content-type": "application/json; charset=utf-8" } });
}

/**
 * CORS as Supabase's gateway adds it for Auth, Storage and /rest/v1, so a browser app on
 * any local origin can call them: any origin, and the request headers a preflight asks
 * for are allowed (Kong's cors plugin echoes them), since supabase-js sends headers of
 * its own (x-supabase-api-version, accept-profile, prefer...). Functions answer CORS
 * themselves, as on Supabase.
 */
async function withGatewayCors(request: Request, handle: () => Promise<Response>): Promise<Response> {
  const requestedHeaders = request.headers.get("access-control-request-headers");
  const allowedHeaders = requestedHeaders ? requestedHeaders.split(",").map((name) => name.trim()).filter(Boolean) : undefined;
  const cors = corsHeaders(request.headers.get("origin"), { allowedOrigins: ["*"], allowedHeaders });
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
  const response = await handle();
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(cors)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Proxies to a function, with the client's address in X-Forwarded-For as the edge sets it. */
async function forward(request: Request, target: string, clientAddress: string | undefined): Promise<Response> {
  const headers = new Headers(request.headers);
  for (const name of hopByHop) headers.delete(name);
  headers.delete("host");
  // The gateway is the trusted edge: it states the client address, whatever the client claimed.
  if (clientAddress) headers.set("x-forwarded-for", clientAddress);
  else headers.delete("x-forwarded-for");
  try {
    const response = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
      // @ts-expect-error Bun streams request bodies with duplex "half", as the Fetch spec asks.
      duplex: "half",
    });
    const answer = new Headers(response.headers);
    for (const name of hopByHop) answer.delete(name);
    // fetch has already decoded the body; the length and encoding no longer hold.
    answer.delete("content-encoding");
    answer.delete("content-length");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: answer });
  } catch {
    return json(502, "The function is not answering");
  }
}
