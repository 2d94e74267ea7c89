// Every environment variable the project reads, declared once: its type, its default,
// its rule. Each entry point reads its group (settingGroups: functions, facade, worker,
// admin, localStack, localGateway) with readSettings, from its environment (process.env
// in Bun, Deno.env in Deno), once, at start-up, into typed values with clear errors.
// Modules below take these values as options and never read the environment
// themselves. .env.example documents each variable (a test holds the two together).
// The limits on request bodies, which follow from MAX_UPLOAD_BYTES, are at the end.
import { z } from "zod";
import type { StorageConfig } from "./storage/index.ts";
import { secretKeysProblems } from "./webhooks/secrets.ts";

export type EnvReader = (name: string) => string | undefined;

const bunnyRegions = ["de", "uk", "ny", "la", "sg", "se", "br", "jh", "syd"] as const;
const logLevels = ["debug", "info", "warn", "error"] as const;

/** An unset or empty variable takes the default; anything else must parse. */
const orDefault = (fallback: unknown) => (value: unknown) => (value === undefined || value === "" ? fallback : value);

const positiveInteger = (fallback: number) => z.preprocess(orDefault(fallback), z.coerce.number().int().positive());
const port = (fallback: number) => z.preprocess(orDefault(fallback), z.coerce.number().int().min(0).max(65535));
const flag = (fallback: boolean) =>
  z.preprocess(orDefault(String(fallback)), z.enum(["true", "false"], { message: "Must be true or false" }).transform((value) => value === "true"));
const commaList = (fallback: string) =>
  z.preprocess(
    (value) => String(orDefault(fallback)(value)).split(",").map((item) => item.trim()).filter(Boolean),
    z.array(z.string()),
  );
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/.+/, "Must be a postgresql:// URL");
const optionalText = z.preprocess(orDefault(undefined), z.string().optional());

/** The origins of the two production sites: the default CORS list of the servers. */
export const productionOrigins = "https://letsmakecv.com,https://previewcv.com";

const variables = {
  // --- Supabase project -------------------------------------------------------------
  SUPABASE_URL: z.url(),
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_JWT_SECRET: z.preprocess(orDefault(undefined), z.string().min(32).optional()),
  /**
   * The `iss` access tokens must carry, comma-separated when several are accepted.
   * Unset: Supabase Auth's own, `${SUPABASE_URL}/auth/v1` (authIssuers below). Not
   * SUPABASE_-prefixed: that prefix is the platform's (`supabase secrets set` refuses it).
   */
  AUTH_JWT_ISSUER: z.preprocess(
    (value) => String(orDefault("")(value)).split(",").map((item) => item.trim()).filter(Boolean),
    z.array(z.url()),
  ),

  // --- The servers' database connection ----------------------------------------------
  /** The facade's and the functions' own login role (it can only switch into anon/authenticated). */
  APP_DATABASE_URL: postgresUrl,
  /** Connections per process (facade instance or function isolate). */
  DB_POOL_SIZE: positiveInteger(10),

  // --- Storage -------------------------------------------------------------------------
  STORAGE_DRIVER: z.preprocess(orDefault("local"), z.enum(["local", "bunny"])),
  LOCAL_STORAGE_DIR: z.preprocess(orDefault(".local/storage"), z.string()),
  BUNNY_STORAGE_ZONE: optionalText,
  BUNNY_STORAGE_ACCESS_KEY: optionalText,
  BUNNY_STORAGE_REGION: z.preprocess(orDefault("de"), z.enum(bunnyRegions)),
  /** Overrides the regional host (tests point it at a local stand-in). */
  BUNNY_STORAGE_ENDPOINT: z.preprocess(orDefault(undefined), z.url().optional()),
  BUNNY_PULL_ZONE_URL: z.url(),
  BUNNY_TOKEN_SECURITY_KEY: z.string().min(8),
  BUNNY_FOLDER: z.preprocess(orDefault("pdfs"), z.string().regex(/^[A-Za-z0-9_-]+$/)),
  /** Folder beside BUNNY_FOLDER holding the first-page thumbnails (link previews). */
  BUNNY_THUMBNAIL_FOLDER: z.preprocess(orDefault("thumbnails"), z.string().regex(/^[A-Za-z0-9_-]+$/)),
  /** Render a first-page thumbnail on upload (off: uploads store the PDF alone; benchmarks compare). */
  RESUME_THUMBNAILS: flag(true),
  /** How long one Storage API call may take, answer included, before it counts as failed (503). */
  BUNNY_STORAGE_TIMEOUT_SECONDS: positiveInteger(30),
  /**
   * How long a signed download link (PDF, thumbnail, export) works: 5 minutes, so a
   * rotated, deactivated or deleted share link's PDF stops downloading soon after.
   */
  SIGNED_URL_TTL_SECONDS: positiveInteger(300),
  MAX_UPLOAD_BYTES: positiveInteger(10 * 1024 * 1024),
  /** Resumes one account may keep (private.record_uploaded_resume refuses more: 409). */
  MAX_RESUMES_PER_USER: positiveInteger(50),
  /** Bytes of resume PDFs one account may keep, all together (100 MiB; past it: 409). */
  MAX_RESUME_BYTES_PER_USER: positiveInteger(100 * 1024 * 1024),
  /** Uploads one account may attempt per hour, on both faces together (past it: 429). */
  UPLOADS_PER_HOUR_PER_USER: positiveInteger(30),

  // --- Links and browsers --------------------------------------------------------------
  PREVIEW_BASE_URL: z.preprocess(orDefault("https://previewcv.com"), z.url()),
  PUBLIC_PROFILE_BASE_URL: z.preprocess(orDefault("https://previewcv.com/recruiter/profile"), z.url()),
  CORS_ALLOWED_ORIGINS: commaList(productionOrigins),

  // --- The facade process -------------------------------------------------------------
  FACADE_PORT: port(8000),
  FACADE_HOST: z.preprocess(orDefault("0.0.0.0"), z.string().min(1)),
  /** Read the client IP from X-Forwarded-For: only behind a proxy we control. */
  /**
   * How many proxies of ours stand in front of the facade and append to X-Forwarded-For:
   * false (0, read the socket's address), true (1: one load balancer) or a number (a CDN
   * in front of a balancer is 2). See forwardedClientIp.
   */
  TRUST_PROXY: z.preprocess(
    orDefault("false"),
    z
      .string()
      .regex(/^(true|false|[0-9]{1,2})$/, "Must be true, false or the number of proxies in front (0-99)")
      .transform((value) => (value === "true" ? 1 : value === "false" ? 0 : Number(value))),
  ),
  /** Rate-limit counters in Redis instead of Postgres. */
  REDIS_URL: z.preprocess(orDefault(undefined), z.url().optional()),
  LOG_LEVEL: z.preprocess(orDefault("info"), z.enum(logLevels)),
  /**
   * GET /api/v1/jobs/list counts its total exactly up to this many postings and answers
   * this many with total_relation "gte" past it, so a total never counts every match.
   * 1000 from bench/jobs-list.ts's table: the lists it applies to (no filter, job_type,
   * experience_level) count entries of an index, index-only, and a total to 1000 costs
   * about what their page does; to 10,000 it costs several pages. Location and text
   * searches count to JOB_LIST_SEARCH_TOTAL_CAP. At most count_open_job_postings' own bound.
   */
  JOB_LIST_TOTAL_CAP: z.preprocess(orDefault(1000), z.coerce.number().int().min(1).max(100_000)),
  /**
   * The cap of the total when the list is a location or text search (never above
   * JOB_LIST_TOTAL_CAP). A search's count costs in proportion to its cap: each match it
   * counts is a posting read (no index answers "open and matching"), where the other
   * lists count index entries. 100, the largest page, so that a total never reads less
   * than a page shows; bench/jobs-list.ts's table of caps (1,000,000 postings, different
   * two-word searches, median): the page alone ~1.9 ms, with its total to 50 ~2.9 ms, to
   * 100 ~4.8 ms, to 1000 ~21 ms.
   */
  JOB_LIST_SEARCH_TOTAL_CAP: z.preprocess(orDefault(100), z.coerce.number().int().min(1).max(100_000)),

  // --- Webhooks (the facade registers endpoints, the worker delivers) ---------------
  /** Keys that seal webhook signing secrets: `id:base64` of 32 bytes, comma-separated, the first current. */
  WEBHOOK_SECRET_KEYS: z.string().superRefine((value, context) => {
    for (const problem of secretKeysProblems(value)) context.addIssue({ code: "custom", message: problem });
  }),
  /** Hosts exempt from the https and address rules (local development and tests only). */
  WEBHOOK_ALLOWED_HOSTS: commaList(""),
  /** How long a receiver has to answer one delivery. */
  WEBHOOK_TIMEOUT_MS: positiveInteger(15_000),
  /** How long a delivery is retried before it is failed. */
  WEBHOOK_RETRY_WINDOW_SECONDS: positiveInteger(86_400),
  /** The first retry waits up to this long; each further one up to twice as long (full jitter). */
  WEBHOOK_RETRY_BASE_MS: positiveInteger(5_000),
  /** The longest wait between two attempts. */
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: positiveInteger(3_600),

  // --- The worker process -------------------------------------------------------------
  /** Deliveries one worker has in flight at once. */
  WORKER_CONCURRENCY: positiveInteger(16),
  /** How often an idle worker looks for work. */
  WORKER_POLL_INTERVAL_MS: positiveInteger(500),
  /** GET /health and /ready of the worker, for its process manager (0: any free port). */
  WORKER_HEALTH_PORT: port(8001),
  WORKER_HEALTH_HOST: z.preprocess(orDefault("0.0.0.0"), z.string().min(1)),

  // --- Personal data (issue 15) --------------------------------------------------------
  /** DELETE /api/v1/me without a password needs a token from a sign-in at most this many seconds old. */
  ERASURE_REAUTH_SECONDS: positiveInteger(300),
  /** A failed deletion of an erased account's file or auth user is retried within this long, each further try within twice as long (up to an hour). */
  ERASURE_RETRY_BASE_MS: positiveInteger(5_000),
  /** Viewers' raw IP addresses (and full User-Agent and Referer) in resume access logs are kept this many days, then cut to their network. */
  ACCESS_LOG_IP_RETENTION_DAYS: positiveInteger(30),
  /** Finished webhook deliveries (and their attempts, with the receivers' answers) are deleted this many days after their last activity. */
  WEBHOOK_DELIVERY_RETENTION_DAYS: positiveInteger(30),
  /** Notifications are deleted this many days after they were read. */
  READ_NOTIFICATION_RETENTION_DAYS: positiveInteger(90),

  // --- Admin tools and the local stack ------------------------------------------------
  /**
   * A superuser (owner) URL: the database `npm run admin` works on, and, for `npm start`
   * and `npm test`, an existing PostgreSQL to use instead of the embedded one.
   */
  DATABASE_URL: z.preprocess(orDefault(undefined), postgresUrl.optional()),
  /** The local API gateway (auth stand-in, /functions/v1, local files), as `supabase start`. */
  LOCAL_API_PORT: port(54321),
  /** The embedded PostgreSQL of `npm start` (5432 is usually a system Postgres). */
  LOCAL_DB_PORT: port(54322),
  /** Where `npm start` keeps its state (database, stored files, signing key), relative to the project. */
  LOCAL_STATE_DIR: z.preprocess(orDefault(".local"), z.string().min(1)),
} as const;

const allSettings = z.object(variables);
type AllSettings = z.infer<typeof allSettings>;
type Name = keyof typeof variables;

/** Where stored files live: what every process that touches them reads. */
const storageNames = [
  "STORAGE_DRIVER",
  "LOCAL_STORAGE_DIR",
  "BUNNY_STORAGE_ZONE",
  "BUNNY_STORAGE_ACCESS_KEY",
  "BUNNY_STORAGE_REGION",
  "BUNNY_STORAGE_ENDPOINT",
  "BUNNY_PULL_ZONE_URL",
  "BUNNY_TOKEN_SECURITY_KEY",
  "BUNNY_FOLDER",
  "BUNNY_THUMBNAIL_FOLDER",
  "BUNNY_STORAGE_TIMEOUT_SECONDS",
] as const satisfies readonly Name[];

/** What the storage, the resume services and both faces share. */
const sharedNames = [
  "SUPABASE_URL",
  "SUPABASE_JWT_SECRET",
  "AUTH_JWT_ISSUER",
  "APP_DATABASE_URL",
  "DB_POOL_SIZE",
  ...storageNames,
  "RESUME_THUMBNAILS",
  "SIGNED_URL_TTL_SECONDS",
  "MAX_UPLOAD_BYTES",
  "MAX_RESUMES_PER_USER",
  "MAX_RESUME_BYTES_PER_USER",
  "UPLOADS_PER_HOUR_PER_USER",
  "PREVIEW_BASE_URL",
  "PUBLIC_PROFILE_BASE_URL",
  "CORS_ALLOWED_ORIGINS",
  "LOG_LEVEL",
] as const satisfies readonly Name[];

/** The variables each entry point reads. */
export const settingGroups = {
  functions: sharedNames,
  facade: [
    ...sharedNames, "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "FACADE_PORT", "FACADE_HOST", "TRUST_PROXY", "REDIS_URL",
    "WEBHOOK_SECRET_KEYS", "WEBHOOK_ALLOWED_HOSTS",
    "ERASURE_REAUTH_SECONDS", "ERASURE_RETRY_BASE_MS", "JOB_LIST_TOTAL_CAP", "JOB_LIST_SEARCH_TOTAL_CAP",
  ],
  worker: [
    "APP_DATABASE_URL", "DB_POOL_SIZE", "LOG_LEVEL",
    "WEBHOOK_SECRET_KEYS", "WEBHOOK_ALLOWED_HOSTS", "WEBHOOK_TIMEOUT_MS", "WEBHOOK_RETRY_WINDOW_SECONDS", "WEBHOOK_RETRY_BASE_MS",
    "WEBHOOK_RETRY_MAX_DELAY_SECONDS", "WORKER_CONCURRENCY", "WORKER_POLL_INTERVAL_MS", "WORKER_HEALTH_PORT", "WORKER_HEALTH_HOST",
    // Finishing account erasures (stored files, Supabase Auth's admin API) and retention.
    "SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY", ...storageNames, "ERASURE_RETRY_BASE_MS",
    "ACCESS_LOG_IP_RETENTION_DAYS", "WEBHOOK_DELIVERY_RETENTION_DAYS", "READ_NOTIFICATION_RETENTION_DAYS",
  ],
  admin: ["DATABASE_URL", "LOCAL_DB_PORT"],
  localStack: ["DATABASE_URL", "LOCAL_API_PORT", "LOCAL_DB_PORT", "LOCAL_STATE_DIR", "FACADE_PORT", "LOG_LEVEL"],
  /** The local gateway bounds bodies as the servers behind it do (serverBodyLimit). */
  localGateway: ["MAX_UPLOAD_BYTES"],
} as const satisfies Record<string, readonly Name[]>;

export type SettingGroup = keyof typeof settingGroups;
export type SettingsOf<G extends SettingGroup> = Pick<AllSettings, (typeof settingGroups)[G][number]>;
export type FunctionSettings = SettingsOf<"functions">;
export type FacadeSettings = SettingsOf<"facade">;
export type WorkerSettings = SettingsOf<"worker">;
/** What the resume services and the storage read: both faces have it. */
export type Settings = FunctionSettings;

/** Every variable name the project reads (for .env.example's test and the local stack). */
export const settingNames = Object.keys(variables) as Name[];

/** Reads and checks one entry point's settings; throws one message listing every problem. */
export function readSettings<G extends SettingGroup>(group: G, env: EnvReader): SettingsOf<G> {
  const names = settingGroups[group] as readonly Name[];
  const schema = allSettings.pick(Object.fromEntries(names.map((name) => [name, true])) as { [K in Name]?: true });
  const raw = Object.fromEntries(names.map((name) => [name, env(name)]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}\nSee .env.example for every variable.`);
  }
  const settings = parsed.data as SettingsOf<G>;
  const storage = settings as Partial<StorageSettings>;
  if (storage.STORAGE_DRIVER === "bunny" && (!storage.BUNNY_STORAGE_ZONE || !storage.BUNNY_STORAGE_ACCESS_KEY)) {
    throw new Error("STORAGE_DRIVER=bunny needs BUNNY_STORAGE_ZONE and BUNNY_STORAGE_ACCESS_KEY.");
  }
  return settings;
}

/**
 * The `iss` a user's access token must carry: what Supabase Auth writes there, its own
 * URL (`https://<ref>.supabase.co/auth/v1`; the local stand-in likewise writes the
 * gateway's), unless AUTH_JWT_ISSUER names others: a custom domain, whose tokens
 * carry that domain, or `supabase functions serve`, whose functions see SUPABASE_URL as
 * the Docker-internal http://kong:8000 while the tokens say http://127.0.0.1:54321/auth/v1.
 */
export function authIssuers(settings: Pick<AllSettings, "SUPABASE_URL" | "AUTH_JWT_ISSUER">): string[] {
  if (settings.AUTH_JWT_ISSUER.length > 0) return settings.AUTH_JWT_ISSUER;
  return [`${settings.SUPABASE_URL.replace(/\/+$/, "")}/auth/v1`];
}

/** The storage settings (every process that touches stored files reads them). */
export type StorageSettings = Pick<AllSettings, (typeof storageNames)[number]>;

/** The storage the settings describe (both faces and the worker build theirs from this). */
export function storageConfig(settings: StorageSettings): StorageConfig {
  if (settings.STORAGE_DRIVER === "bunny") {
    return {
      kind: "bunny",
      storageZone: settings.BUNNY_STORAGE_ZONE!,
      accessKey: settings.BUNNY_STORAGE_ACCESS_KEY!,
      region: settings.BUNNY_STORAGE_REGION,
      storageApiUrl: settings.BUNNY_STORAGE_ENDPOINT,
      folder: settings.BUNNY_FOLDER,
      pullZoneUrl: settings.BUNNY_PULL_ZONE_URL,
      securityKey: settings.BUNNY_TOKEN_SECURITY_KEY,
      timeoutMs: settings.BUNNY_STORAGE_TIMEOUT_SECONDS * 1000,
    };
  }
  return {
    kind: "local",
    rootDir: settings.LOCAL_STORAGE_DIR,
    folder: settings.BUNNY_FOLDER,
    baseUrl: settings.BUNNY_PULL_ZONE_URL,
    securityKey: settings.BUNNY_TOKEN_SECURITY_KEY,
  };
}

/** The storage of the first-page thumbnails: the same zone and signing, its own folder beside the PDFs'. */
export function thumbnailStorageConfig(settings: StorageSettings): StorageConfig {
  return { ...storageConfig(settings), folder: settings.BUNNY_THUMBNAIL_FOLDER };
}

// --- Request body limits ----------------------------------------------------------
// Every limit on a request body, in one place. Only MAX_UPLOAD_BYTES is a setting; the
// others are constants (each with its reason) or follow from it.

/**
 * JSON bodies: the largest is a job posting (description and requirements of up to
 * 20,000 characters each, up to 4 bytes a character), so 256 KiB holds any valid one.
 */
export const maxJsonBodyBytes = 256 * 1024;

/**
 * Room in an upload's multipart body for everything besides the file: boundaries, part
 * headers (the client's file name is one), resume_name (255 characters, up to 4 bytes
 * each) and is_public. The file itself is then held to MAX_UPLOAD_BYTES exactly.
 */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The largest multipart body an upload of at most `maxUploadBytes` may come in. */
export function uploadBodyLimit(maxUploadBytes: number): number {
  return maxUploadBytes + MULTIPART_OVERHEAD_BYTES;
}

/**
 * The HTTP server's own bound on any body (Bun's maxRequestBodySize), for the facade
 * and the local gateway in front of the functions: 1 MiB above the largest upload, more
 * than the multipart overhead, so the route's own size-limited reader refuses first, with
 * the API's 413 JSON, and the server's cut only ever meets a body no route would read.
 */
export function serverBodyLimit(maxUploadBytes: number): number {
  return maxUploadBytes + 1024 * 1024;
}

/** The superuser URL of `npm start`'s embedded PostgreSQL (postgres/postgres, its documented default). */
export function localSuperuserUrl(databasePort: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${databasePort}/postgres`;
}
