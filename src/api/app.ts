// The /api/v1 facade: the seed's REST contract over the same core, database rules and
// auth as the edge functions. One module per resource; cross-cutting concerns are the
// plugins, registered once here.
import { Elysia } from "elysia";
import type { JwtVerifier, SupabaseAuthClient } from "../auth/index.ts";
import type { CorsPolicy } from "../core/http.ts";
import type { Logger } from "../core/log.ts";
import type { Settings } from "../core/settings.ts";
import type { FileStorage } from "../core/storage/index.ts";
import type { Sql } from "../db/client.ts";
import type { RateLimiter } from "../db/rate-limit.ts";
import { authModule } from "./auth/index.ts";
import { createAuthService } from "../core/accounts/service.ts";
import { createResumeService } from "../core/resumes/service.ts";
import { healthModule } from "./health/index.ts";
import { jobsModule } from "./jobs/index.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { errorHandling } from "./plugins/errors.ts";
import { httpBasics } from "./plugins/http-basics.ts";
import { jsonBodyPlugin } from "./plugins/json-body.ts";
import { recruitersModule } from "./recruiters/index.ts";
import { resumesModule } from "./resumes/index.ts";
import { sharedModule } from "./shared-resumes/index.ts";

export interface FacadeDeps {
  sql: Sql;
  verifier: JwtVerifier;
  auth: SupabaseAuthClient;
  storage: FileStorage;
  rateLimiter: RateLimiter;
  settings: Settings;
  log: Logger;
  /** Read the client IP from X-Forwarded-For (only behind a proxy we control). */
  trustProxy: boolean;
}

export function createApp(deps: FacadeDeps) {
  const cors: CorsPolicy = { allowedOrigins: deps.settings.CORS_ALLOWED_ORIGINS };
  // One resume service for the owner's routes and the public fetch (as in the functions).
  const resumes = createResumeService(deps);
  return new Elysia()
    .use(httpBasics({ cors, log: deps.log }))
    .use(errorHandling({ log: deps.log }))
    .use(jsonBodyPlugin())
    .use(
      docsPlugin({
        title: "PreviewCV / LetsMakeCV API",
        version: "1.0.0",
        description: "The /api/v1 REST facade over Supabase. Authenticate with a Supabase access token: `Authorization: Bearer <token>`.",
      }),
    )
    .use(healthModule({ sql: deps.sql }))
    .use(
      authModule({
        service: createAuthService(deps),
        verifier: deps.verifier,
        trustProxy: deps.trustProxy,
      }),
    )
    .use(resumesModule({ service: resumes, verifier: deps.verifier, maxUploadBytes: deps.settings.MAX_UPLOAD_BYTES }))
    .use(sharedModule({ service: resumes, trustProxy: deps.trustProxy }))
    .use(jobsModule(deps))
    .use(recruitersModule(deps));
}

export type FacadeApp = ReturnType<typeof createApp>;
