// The /api/v1 facade: the seed's REST contract over the same core, database rules and
// auth as the edge functions. One controller per resource over its service in
// src/core; cross-cutting concerns are the plugins, registered once here.
import { Elysia } from "elysia";
import type { JwtVerifier, SupabaseAuthClient } from "../auth/index.ts";
import { createAccountService } from "../core/accounts/service.ts";
import { createApplicationsService } from "../core/applications/service.ts";
import type { CorsPolicy } from "../core/http.ts";
import { createJobsService } from "../core/jobs/service.ts";
import type { Logger } from "../core/log.ts";
import { createRecruitersService } from "../core/recruiters/service.ts";
import { createResumeService } from "../core/resumes/service.ts";
import { createShareLinkService } from "../core/share-links/service.ts";
import type { FacadeSettings } from "../core/settings.ts";
import type { FileStorage } from "../core/storage/index.ts";
import type { DestinationPolicy } from "../core/webhooks/destination.ts";
import type { SecretKeyring } from "../core/webhooks/secrets.ts";
import { createNotificationService } from "../core/notifications/service.ts";
import { createPrivacyService } from "../core/privacy/service.ts";
import { createWebhookService } from "../core/webhooks/service.ts";
// Types only: what the services are built from (the pool and the rate-limit counters).
import type { Sql } from "../db/client.ts";
import type { RateLimiter } from "../db/rate-limit.ts";
import type { TrustedProxies } from "./plugins/client-ip.ts";
import { applicationsModule } from "./applications/index.ts";
import { authModule } from "./auth/index.ts";
import { healthModule } from "./health/index.ts";
import { jobsModule } from "./jobs/index.ts";
import { meModule } from "./me/index.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { errorHandling } from "./plugins/errors.ts";
import { httpBasics } from "./plugins/http-basics.ts";
import { notificationsModule } from "./notifications/index.ts";
import { recruitersModule } from "./recruiters/index.ts";
import { resumesModule } from "./resumes/index.ts";
import { shareLinksModule } from "./share-links/index.ts";
import { sharedResumesModule } from "./shared-resumes/index.ts";
import { webhooksModule } from "./webhooks/index.ts";

export interface FacadeDeps {
  sql: Sql;
  verifier: JwtVerifier;
  auth: SupabaseAuthClient;
  storage: FileStorage;
  /** The first-page thumbnails of link previews (the same zone, their own folder). */
  thumbnails: FileStorage;
  rateLimiter: RateLimiter;
  settings: Pick<
    FacadeSettings,
    | "CORS_ALLOWED_ORIGINS"
    | "MAX_UPLOAD_BYTES"
    | "PREVIEW_BASE_URL"
    | "PUBLIC_PROFILE_BASE_URL"
    | "SIGNED_URL_TTL_SECONDS"
    | "RESUME_THUMBNAILS"
    | "MAX_RESUMES_PER_USER"
    | "MAX_RESUME_BYTES_PER_USER"
    | "UPLOADS_PER_HOUR_PER_USER"
    | "ERASURE_REAUTH_SECONDS"
    | "ERASURE_RETRY_BASE_MS"
    | "JOB_LIST_TOTAL_CAP"
    | "JOB_LIST_SEARCH_TOTAL_CAP"
  >;
  log: Logger;
  /** Proxies of ours in front that append to X-Forwarded-For (TRUST_PROXY; false: none). */
  trustProxy: TrustedProxies;
  /** Sealing of webhook secrets and the SSRF rules of webhook URLs. */
  webhooks: { keyring: SecretKeyring; policy: DestinationPolicy };
}

export function createApp(deps: FacadeDeps) {
  const cors: CorsPolicy = { allowedOrigins: deps.settings.CORS_ALLOWED_ORIGINS };
  const { verifier } = deps;
  // One resume service for the owner's routes and the public fetch (as in the functions).
  const resumes = createResumeService(deps);
  return new Elysia()
    .use(httpBasics({ cors, log: deps.log }))
    .use(errorHandling({ log: deps.log }))
    .use(
      docsPlugin({
        title: "PreviewCV / LetsMakeCV API",
        version: "1.0.0",
        description: "The /api/v1 REST facade over Supabase. Authenticate with a Supabase access token: `Authorization: Bearer <token>`.",
      }),
    )
    .use(healthModule({ sql: deps.sql }))
    .use(authModule({ service: createAccountService(deps), verifier, trustProxy: deps.trustProxy }))
    .use(resumesModule({ service: resumes, verifier, maxUploadBytes: deps.settings.MAX_UPLOAD_BYTES }))
    .use(shareLinksModule({ service: createShareLinkService(deps), verifier }))
    .use(sharedResumesModule({ service: resumes, trustProxy: deps.trustProxy }))
    .use(
      jobsModule({
        service: createJobsService({ sql: deps.sql, totalCap: deps.settings.JOB_LIST_TOTAL_CAP, searchTotalCap: deps.settings.JOB_LIST_SEARCH_TOTAL_CAP }),
        verifier,
        trustProxy: deps.trustProxy,
        totalCap: deps.settings.JOB_LIST_TOTAL_CAP,
        searchTotalCap: deps.settings.JOB_LIST_SEARCH_TOTAL_CAP,
      }),
    )
    .use(applicationsModule({ service: createApplicationsService(deps), verifier }))
    .use(recruitersModule({ service: createRecruitersService(deps), verifier }))
    .use(notificationsModule({ service: createNotificationService({ sql: deps.sql }), verifier }))
    .use(webhooksModule({ service: createWebhookService({ ...deps, ...deps.webhooks }), verifier }))
    .use(meModule({ service: createPrivacyService(deps), verifier }));
}

export type FacadeApp = ReturnType<typeof createApp>;
