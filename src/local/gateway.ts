// The local API gateway on :54321, laid out as `supabase start` lays out its own, so
// supabase-js code written for the CLI runs unchanged:
//   /auth/v1/*          the Supabase Auth stand-in
//   /functions/v1/NAME  the Deno process serving edge function NAME (path forwarded
//                       without the /functions/v1 prefix, as the edge runtime does)
//   /storage/v1/cdn/*   the `local` storage's files at their signed URLs
//   /rest/v1/*          501: PostgREST exists only under `supabase start`
// A development tool: nothing that ships imports src/local.
import { corsHeaders } from "../core/http.ts";
import type { AuthStandIn } from "./auth/index.ts";
import type { LocalFileHandler } from "./storage/file-server.ts";
import { LOCAL_STORAGE_MOUNT_PATH } from "./storage/file-server.ts";

export interface GatewayRoutes {
  auth: AuthStandIn;
  storage: LocalFileHandler;
  /** Function name → base URL of the process serving it. */
  functions: ReadonlyMap<string, string>;
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

export function startGateway(options: { port: number; routes: GatewayRoutes }): RunningGateway {
  const { routes } = options;
  const server = Bun.serve({
    port: options.port,
    hostname: "127.0.0.1",
    // Uploads pass through to the functions, which enforce their own limit.
    maxRequestBodySize: 64 * 1024 * 1024,
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
      if (url.pathname.startsWith("/rest/v1")) {
        return json(501, "PostgREST is not part of the local stack; use `supabase start` for /rest/v1, or the /api/v1 facade.");
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
 * CORS as Supabase's gateway adds it for Auth and Storage, so a browser app on any
 * local origin can call them. Functions answer CORS themselves, as on Supabase.
 */
async function withGatewayCors(request: Request, handle: () => Promise<Response>): Promise<Response> {
  const cors = corsHeaders(request.headers.get("origin"), { allowedOrigins: ["*"] });
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
