// The /api/v1 facade in this process, for the controller suites (tests/api): createApp
// over the run's migrated database, as the servers' login role; the local Supabase Auth
// stand-in answers in this process too (the facade's Auth client and JWT verifier reach
// it through a fetch that never leaves it); `local` storage in a temporary folder, its
// signed URLs opened by the local file server's own handler. Requests go through
// app.handle(new Request(...)): no port and no other process. What needs the real
// processes (both faces end to end, storage, limits shared across processes) is
// tests/e2e's, over the stack of tests/support/stack.ts.
import { beforeAll } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JWK } from "jose";
import postgres from "postgres";
import { systemResolve, withTimeout } from "../../src/core/webhooks/dns.ts";
import { loadKeyring } from "../../src/core/webhooks/secrets.ts";
import { localWebhookSecretKeys } from "../../src/local/stack.ts";
import { createApp, type FacadeApp } from "../../src/api/app.ts";
import { createProjectJwtVerifier, createSupabaseAuthClient } from "../../src/auth/index.ts";
import { createLogger, type Logger } from "../../src/core/log.ts";
import { readSettings } from "../../src/core/settings.ts";
import { createLocalStorage } from "../../src/core/storage/index.ts";
import { createDatabasePool, type Sql } from "../../src/db/client.ts";
import { postgresRateLimiter } from "../../src/db/rate-limit.ts";
import type { SigningJwk } from "../../src/local/auth/index.ts";
import { createLocalFileHandler, LOCAL_STORAGE_MOUNT_PATH } from "../../src/local/storage/file-server.ts";
import { testStandIn } from "./auth-stand-in.ts";
import { asAuthenticatorUrl, migratedTestDatabase } from "./database.ts";
import type { FacadeTarget } from "./stack.ts";

export interface InProcessFacade extends Required<FacadeTarget> {
  app: FacadeApp;
  /** Superuser connection to the run's database, for fixtures and for reading the truth. */
  superuser: Sql;
  superuserUrl: string;
  /** The stand-in's keys, as the real stack's are (anonKey, serviceRoleKey, the legacy HS256 secret). */
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  /** The `iss` of the stand-in's access tokens (its URL + /auth/v1), the one the facade accepts. */
  issuer: string;
  /** The ES256 private key the stand-in signs access tokens with, and its public half as its JWKS serves it. */
  signingKey: SigningJwk;
  publicJwk: JWK;
  /** What the facade logged at warn and above (a 500 logs "unhandled error"). */
  logged: Record<string, unknown>[];
  /**
   * A facade over the same parts with other settings, a logger of the test's own, or
   * another database pool (its rate limits counted there too).
   */
  variant(options: { log?: Logger; maxUploadBytes?: number; signedUrlTtlSeconds?: number; trustProxy?: boolean; jobListTotalCap?: number; jobListSearchTotalCap?: number; sql?: Sql }): FacadeApp;
}

const facadeOrigin = "http://localhost";
const authOrigin = "http://auth.test";
const storageOrigin = "http://storage.test";
const storageSecurityKey = "in-process-storage-signing-key";

let facadePromise: Promise<InProcessFacade> | undefined;
let close: (() => Promise<void>) | undefined;

/** The run's in-process facade, made on first use. */
export function inProcessFacade(): Promise<InProcessFacade> {
  facadePromise ??= build();
  return facadePromise;
}

/** The run's in-process facade for a suite: filled in before its first test. */
export function useInProcessFacade(): InProcessFacade {
  const handle = {} as InProcessFacade;
  beforeAll(async () => {
    Object.assign(handle, await inProcessFacade());
  });
  return handle;
}

async function build(): Promise<InProcessFacade> {
  const superuserUrl = await migratedTestDatabase();
  const auth = await testStandIn(authOrigin, { jwtExpirySeconds: 1800, minimumPasswordLength: 8 });
  // The facade's calls to Supabase Auth, and its JWKS fetch, answered in this process.
  const authFetch = ((input: string | URL | Request, init?: RequestInit) =>
    auth.standIn.handle(new Request(input, init), { clientAddress: "127.0.0.1" })) as typeof fetch;

  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), "previewcv-facade-storage-"));
  const storage = createLocalStorage({ rootDir: storageDir, folder: "pdfs", baseUrl: `${storageOrigin}${LOCAL_STORAGE_MOUNT_PATH}`, securityKey: storageSecurityKey });
  // Thumbnails in their own folder beside the PDFs', as the servers keep them (BUNNY_THUMBNAIL_FOLDER).
  const thumbnails = createLocalStorage({ rootDir: storageDir, folder: "thumbnails", baseUrl: `${storageOrigin}${LOCAL_STORAGE_MOUNT_PATH}`, securityKey: storageSecurityKey });
  const files = createLocalFileHandler({ rootDir: storageDir, securityKey: storageSecurityKey });

  const sql = createDatabasePool(asAuthenticatorUrl(superuserUrl), { max: 10, applicationName: "previewcv-facade-in-process" });
  const superuser = postgres(superuserUrl, { max: 4, onnotice: () => {} });
  const settings = readSettings("facade", (name) =>
    ({
      SUPABASE_URL: authOrigin,
      SUPABASE_ANON_KEY: auth.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: auth.serviceRoleKey,
      SUPABASE_JWT_SECRET: auth.legacyJwtSecret,
      APP_DATABASE_URL: asAuthenticatorUrl(superuserUrl),
      BUNNY_PULL_ZONE_URL: `${storageOrigin}${LOCAL_STORAGE_MOUNT_PATH}`,
      BUNNY_TOKEN_SECURITY_KEY: storageSecurityKey,
      WEBHOOK_SECRET_KEYS: localWebhookSecretKeys,
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    })[name],
  );
  const logged: Record<string, unknown>[] = [];
  const log = createLogger({
    service: "facade-in-process",
    level: (process.env.TEST_LOG_LEVEL as "debug" | "info" | "warn" | "error" | undefined) ?? "warn",
    write: (line) => {
      logged.push(JSON.parse(line));
      if (process.env.TEST_LOG_LEVEL) console.log(line);
    },
  });
  const parts = {
    sql,
    // As the servers build it (from SUPABASE_URL and SUPABASE_JWT_SECRET), over the in-process fetch.
    verifier: createProjectJwtVerifier(settings, { fetch: authFetch }),
    auth: createSupabaseAuthClient({ url: authOrigin, apiKey: auth.anonKey, serviceRoleKey: auth.serviceRoleKey, fetch: authFetch }),
    storage,
    thumbnails,
    rateLimiter: postgresRateLimiter(sql),
    settings,
    log,
    trustProxy: true,
    webhooks: {
      keyring: await loadKeyring(settings.WEBHOOK_SECRET_KEYS),
      policy: { allowedHosts: settings.WEBHOOK_ALLOWED_HOSTS, resolve: withTimeout(systemResolve, 5000) },
    },
  };
  const app = createApp(parts);

  close = async () => {
    await Promise.all([sql.end({ timeout: 5 }), superuser.end({ timeout: 5 }), auth.sql.end({ timeout: 5 })]);
    fs.rmSync(storageDir, { recursive: true, force: true });
  };
  return {
    app,
    facadeUrl: facadeOrigin,
    handle: (request) => app.handle(request),
    openSignedUrl: (url) => (url.startsWith(storageOrigin) ? files(new Request(url)) : fetch(url)),
    superuser,
    superuserUrl,
    anonKey: auth.anonKey,
    serviceRoleKey: auth.serviceRoleKey,
    jwtSecret: auth.legacyJwtSecret,
    issuer: auth.issuer,
    signingKey: auth.signingKey,
    publicJwk: auth.standIn.jwks.keys[0]!,
    logged,
    variant: (options) =>
      createApp({
        ...parts,
        ...(options.sql ? { sql: options.sql, rateLimiter: postgresRateLimiter(options.sql) } : {}),
        log: options.log ?? log,
        trustProxy: options.trustProxy ?? parts.trustProxy,
        settings: {
          ...settings,
          MAX_UPLOAD_BYTES: options.maxUploadBytes ?? settings.MAX_UPLOAD_BYTES,
          SIGNED_URL_TTL_SECONDS: options.signedUrlTtlSeconds ?? settings.SIGNED_URL_TTL_SECONDS,
          JOB_LIST_TOTAL_CAP: options.jobListTotalCap ?? settings.JOB_LIST_TOTAL_CAP,
          JOB_LIST_SEARCH_TOTAL_CAP: options.jobListSearchTotalCap ?? settings.JOB_LIST_SEARCH_TOTAL_CAP,
        },
      }),
  };
}

/** Closes what the in-process facade holds (the preload calls this at the end of the run). */
export async function closeInProcessFacade(): Promise<void> {
  if (!facadePromise) return;
  await facadePromise.catch(() => undefined);
  await close?.();
}
