// Who is calling: one named plugin. A route says `auth: true` and gets `caller` (to run
// its queries under RLS with asCaller) and `userId`; without a valid Supabase access
// token it never runs (401 with WWW-Authenticate: Bearer). A public read says
// `optionalAuth: true` instead: anyone may call it, and a valid token makes the caller
// themself (a recruiter sees their own closed posting); a token that is sent must be
// valid (401 otherwise), as PostgREST answers a bad JWT even on a table anon may read.
// Each macro also sets the operation's `security` in the OpenAPI document (documented()
// in docs.ts adds the 401 and 503 it can answer).
import { Elysia } from "elysia";
import { authenticate, authenticateIfPresent, type JwtVerifier } from "../../auth/index.ts";

const bearer = { bearer: [] as string[] };

/** The resolvers the two macros install, to tell from a route's hooks which one it uses. */
const signedInResolvers = new WeakSet<object>();
const optionalResolvers = new WeakSet<object>();

export function callerPlugin(verifier: JwtVerifier) {
  async function resolveSignedInCaller({ request }: { request: Request }) {
    const caller = await authenticate(verifier, request.headers.get("authorization"));
    return { caller, userId: caller.claims.sub };
  }
  async function resolveOptionalCaller({ request }: { request: Request }) {
    return { caller: await authenticateIfPresent(verifier, request.headers.get("authorization")) };
  }
  signedInResolvers.add(resolveSignedInCaller);
  optionalResolvers.add(resolveOptionalCaller);

  return new Elysia({ name: "caller" }).macro({
    auth: {
      resolve: resolveSignedInCaller,
      detail: { security: [bearer] },
    },
    optionalAuth: {
      resolve: resolveOptionalCaller,
      // Either no credentials or a bearer token.
      detail: { security: [{}, bearer] },
    },
  });
}

/** Whether a route of the app requires a signed-in caller, takes one optionally, or neither: read from the macro it uses. */
export function routeAuthentication(route: { hooks?: unknown }): "required" | "optional" | "none" {
  const beforeHandle = (route.hooks as { beforeHandle?: { fn?: unknown }[] } | undefined)?.beforeHandle ?? [];
  const handlers = beforeHandle.map((hook) => hook.fn).filter((fn): fn is object => typeof fn === "function");
  if (handlers.some((fn) => signedInResolvers.has(fn))) return "required";
  if (handlers.some((fn) => optionalResolvers.has(fn))) return "optional";
  return "none";
}
