// Who is calling: one named plugin. A route says `auth: true` and gets `caller` (to run
// its queries under RLS with asCaller) and `userId`; without a valid Supabase access
// token it never runs (401 with WWW-Authenticate: Bearer).
import { Elysia } from "elysia";
import { authenticate, type JwtVerifier } from "../../auth/index.ts";

export function callerPlugin(verifier: JwtVerifier) {
  return new Elysia({ name: "caller" }).macro({
    auth: {
      async resolve({ request }) {
        const caller = await authenticate(verifier, request.headers.get("authorization"));
        return { caller, userId: caller.claims.sub };
      },
    },
  });
}
