// The whole local stack over one migrated database: the gateway (auth stand-in, local
// storage, function routing), one Deno process per edge function, and the facade.
// `npm start` and the end-to-end tests both start it through here, so what the tests
// exercise is what developers run.
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { productionOrigins, readSettings, settingNames } from "../core/settings.ts";
import { createAuthStandIn, createProjectApiKeys, loadOrCreateSigningKey, supabaseCliJwtSecret, type ProjectApiKeys } from "./auth/index.ts";
import { denoOfflineEnv } from "./deno.ts";
import { startGateway, type RunningGateway } from "./gateway.ts";
import { edgeFunctionNames, projectRoot } from "./paths.ts";
import { freePort } from "./ports.ts";
import { denoFunctionCommand, facadeCommand, startProcess, workerCommand, type RunningProcess } from "./processes.ts";
import { createLocalFileHandler, LOCAL_STORAGE_MOUNT_PATH } from "./storage/file-server.ts";

export interface StackOptions {
  /** Superuser URL of a bootstrapped, migrated database. */
  superuserUrl: string;
  ports: { gateway: number; facade: number };
  /** Where the stack keeps its signing key and stored files (.local for `npm start`). */
  stateDir: string;
  /**
   * Settings of the developer's environment (and .env, which Bun loads) the servers get:
   * every variable of src/core/settings.ts that the stack does not wire itself (CORS,
   * upload limits, storage, log level...). `npm start` passes process.env; the tests and
   * benchmarks pass nothing, so a developer's .env never changes what they measure.
   */
  userEnv?: Record<string, string | undefined>;
  /** Extra environment for the facade and the functions, over everything (tests point storage at a Bunny stand-in). */
  env?: Record<string, string>;
  /** Only these functions (default: every folder under functions/). */
  functionNames?: string[];
  /** Start the worker beside the facade (default true; suites that run their own workers say false). */
  worker?: boolean;
  /** bcrypt cost of the auth stand-in (Supabase Auth uses 10; tests go faster with 4). */
  bcryptCost?: number;
  log?: (line: string) => void;
}

export interface RunningStack {
  gatewayUrl: string;
  facadeUrl: string;
  functionsUrl: string;
  functionNames: string[];
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  /** The environment the facade and the functions run with. */
  serverEnv: Record<string, string>;
  /** The functions, the facade and the worker: each settles `exited` if it stops. */
  servers: RunningProcess[];
  /** The worker's health URL (GET /health, /ready), when the stack started one. */
  workerUrl?: string;
  stop(): Promise<void>;
}

/** Local key sealing webhook secrets (not a secret: development only; .env.example has the same). */
export const localWebhookSecretKeys = "local:ovzzw5HhrxRCRUibVZ+cBLe1MSD09NXkVfW3CdK0leg=";

/** Local signing key of the `local` storage's URLs (not a secret: development only). */
export const localStorageSecurityKey = "local-development-url-signing-key";

/**
 * The servers' own login role: it can do nothing until it switches role, like PostgREST's.
 * Only the user name changes: previewcv_api, the role migration
 * 20261201000100_servers_login_role.sql creates for the facade and the functions, locally
 * and hosted alike (never authenticator, which is PostgREST's, nor postgres).
 */
export function authenticatorUrl(superuserUrl: string): string {
  const url = new URL(superuserUrl);
  url.username = "previewcv_api";
  url.password = "postgres";
  return url.toString();
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const jwtSecret = supabaseCliJwtSecret;
  const keys = await createProjectApiKeys(jwtSecret);
  const userSettings = chosenSettings(options.userEnv ?? {});
  const storageDir = path.resolve(projectRoot, userSettings.LOCAL_STORAGE_DIR ?? path.join(options.stateDir, "storage"));
  fs.mkdirSync(storageDir, { recursive: true });

  const gatewayUrl = `http://127.0.0.1:${options.ports.gateway}`;
  const facadeUrl = `http://127.0.0.1:${options.ports.facade}`;
  const authSql = postgres(options.superuserUrl, { max: 10, idle_timeout: 30, onnotice: () => {} });
  const auth = await createAuthStandIn({
    sql: authSql,
    issuer: `${gatewayUrl}/auth/v1`,
    signingKey: await loadOrCreateSigningKey(path.join(options.stateDir, "auth-signing-key.json")),
    legacyJwtSecret: jwtSecret,
    apiKeys: keys,
    jwtExpirySeconds: 1800,
    minimumPasswordLength: 8,
    bcryptCost: options.bcryptCost ?? 10,
    log: (message, error) => log(`[auth] ${message}${error ? `: ${String(error)}` : ""}`),
  });

  const functionNames = options.functionNames ?? edgeFunctionNames();
  const functionTargets = new Map<string, string>();
  // Everything started so far, stopped in reverse order; a process joins as soon as it
  // exists, so a start that fails halfway leaves nothing running.
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const piece of started.reverse()) await piece.stop().catch(() => {});
    await authSql.end({ timeout: 5 });
  };

  try {
    const gateway: RunningGateway = startGateway({
      port: options.ports.gateway,
      maxUploadBytes: readSettings("localGateway", (name) => options.env?.[name] ?? userSettings[name]).MAX_UPLOAD_BYTES,
      routes: {
        auth,
        storage: createLocalFileHandler({ rootDir: storageDir, securityKey: localStorageSecurityKey }),
        functions: functionTargets,
        facadeUrl,
      },
    });
    started.push(gateway);

    const serverEnv = serverEnvironment({
      superuserUrl: options.superuserUrl,
      gatewayUrl,
      facadePort: options.ports.facade,
      storageDir,
      keys,
      userSettings,
      env: options.env,
    });

    // The functions start side by side, offline: their packages come from node_modules.
    const functions = await Promise.all(
      functionNames.map(async (name): Promise<RunningProcess> => {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        return startProcess({
          name: `fn:${name}`,
          command: denoFunctionCommand(name, storageDir),
          env: { ...serverEnv, ...denoOfflineEnv, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}` },
          readyUrl: `${url}/${name}`,
          anyAnswer: true,
          url,
          log,
          onSpawn: (running) => started.push(running),
        });
      }),
    );
    for (const fn of functions) functionTargets.set(fn.name.slice("fn:".length), fn.url);

    const facade = await startProcess({
      name: "facade",
      command: facadeCommand(),
      env: serverEnv,
      readyUrl: `${facadeUrl}/ready`,
      url: facadeUrl,
      log,
      onSpawn: (running) => started.push(running),
    });

    const worker = (options.worker ?? true) ? await startWorker({ env: serverEnv, log, onSpawn: (running) => started.push(running) }) : undefined;

    return {
      gatewayUrl,
      facadeUrl,
      workerUrl: worker?.url,
      functionsUrl: `${gatewayUrl}/functions/v1`,
      functionNames,
      anonKey: keys.anonKey,
      serviceRoleKey: keys.serviceRoleKey,
      jwtSecret,
      serverEnv,
      servers: [...functions, facade, ...(worker ? [worker] : [])],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The environment the facade, the functions and the worker run with: the local
 * defaults, what the developer chose over them, then what only the stack knows (its
 * URLs, keys, database role and storage folder), then `env` over everything.
 */
export function serverEnvironment(options: {
  superuserUrl: string;
  gatewayUrl: string;
  facadePort: number;
  storageDir: string;
  keys: ProjectApiKeys;
  userSettings?: Record<string, string>;
  env?: Record<string, string>;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    ...passThrough(process.env),
    // What a developer may choose, over the local defaults...
    ...localDefaults(options.gatewayUrl),
    ...options.userSettings,
    // ...and what only the stack can know.
    SUPABASE_URL: options.gatewayUrl,
    SUPABASE_ANON_KEY: options.keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: options.keys.serviceRoleKey,
    SUPABASE_JWT_SECRET: supabaseCliJwtSecret,
    APP_DATABASE_URL: authenticatorUrl(options.superuserUrl),
    LOCAL_STORAGE_DIR: options.storageDir,
    FACADE_PORT: String(options.facadePort),
    FACADE_HOST: "127.0.0.1",
    ...options.env,
  };
}

/** A worker process with the servers' environment (serverEnvironment), its health endpoints on a free local port. */
export async function startWorker(options: { env: Record<string, string>; log?: (line: string) => void; onSpawn?: (running: RunningProcess) => void }): Promise<RunningProcess> {
  const workerUrl = `http://127.0.0.1:${await freePort()}`;
  return startProcess({
    name: "worker",
    command: workerCommand(),
    env: { ...options.env, WORKER_HEALTH_HOST: "127.0.0.1", WORKER_HEALTH_PORT: new URL(workerUrl).port },
    readyUrl: `${workerUrl}/ready`,
    url: workerUrl,
    log: options.log ?? (() => {}),
    onSpawn: options.onSpawn,
  });
}

/** Origins a frontend is served from on a developer's machine (Vite, its preview, Next.js, Vue CLI). */
export const localFrontendOrigins = [5173, 4173, 3000, 8080].flatMap((port) => [`http://localhost:${port}`, `http://127.0.0.1:${port}`]);

/** The settings the servers get locally unless the developer chose otherwise. */
function localDefaults(gatewayUrl: string): Record<string, string> {
  return {
    STORAGE_DRIVER: "local",
    BUNNY_PULL_ZONE_URL: `${gatewayUrl}${LOCAL_STORAGE_MOUNT_PATH}`,
    BUNNY_TOKEN_SECURITY_KEY: localStorageSecurityKey,
    CORS_ALLOWED_ORIGINS: [productionOrigins, ...localFrontendOrigins].join(","),
    LOG_LEVEL: "info",
    WEBHOOK_SECRET_KEYS: localWebhookSecretKeys,
    // Receivers on this machine, for trying webhooks locally.
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1,localhost",
  };
}

/** The settings a developer set (in the environment or .env) that are theirs to choose. */
function chosenSettings(env: Record<string, string | undefined>): Record<string, string> {
  const wiredByTheStack = new Set(["SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_JWT_SECRET", "APP_DATABASE_URL", "FACADE_PORT", "FACADE_HOST", "DATABASE_URL", "LOCAL_API_PORT", "LOCAL_DB_PORT", "WORKER_HEALTH_PORT", "WORKER_HEALTH_HOST"]);
  return Object.fromEntries(settingNames.filter((name) => !wiredByTheStack.has(name) && env[name]).map((name) => [name, env[name]!]));
}

/**
 * What the servers keep from the environment of whoever started the stack: where Deno
 * keeps its caches, and how this machine reaches HTTPS (a TLS-intercepting proxy's CA,
 * proxy settings), for a developer who points storage at a real Bunny zone.
 */
function passThrough(env: NodeJS.ProcessEnv): Record<string, string> {
  const names = ["DENO_DIR", "DENO_CERT", "DENO_TLS_CA_STORE", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"];
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]!]] : [])));
}
