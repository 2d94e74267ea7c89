// Who is calling: one named plugin. A route says `auth: true` and gets `caller` (to run
// its queries under RLS with asCaller) and `userId`; without a valid Supabase access
// token it never runs (401 with WWW-Authenticate: Bearer). A public read says
// `optionalAuth: true` instead: anyone may call it, and a valid token makes the caller
// themself (a recruiter sees their own closed posting); a token that is sent must be
// valid (401 otherwise), as PostgREST answers a bad JWT even on a table anon may read.
import { Elysia } from "elysia";
import { authenticate, type JwtVerifier } from "../../auth/index.ts";
import { anonymous, type Caller } from "../../db/client.ts";

export function callerPlugin(verifier: JwtVerifier) {
  return new Elysia({ name: "caller" }).macro({
    auth: {
      async resolve({ request }) {
        const caller = await authenticate(verifier, request.headers.get("authorization"));
        return { caller, userId: caller.claims.sub };
      },
    },
    optionalAuth: {
      async resolve({ request }) {
        const authorization = request.headers.get("authorization");
        const caller: Caller = authorization ? await authenticate(verifier, authorization) : anonymous;
        return { caller };
      },
    },
  });
}
