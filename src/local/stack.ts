// The whole local stack over one migrated database: the gateway (auth stand-in, local
// storage, function routing), one Deno process per edge function, and the facade.
// `npm start` and the end-to-end tests both start it through here, so what the tests
// exercise is what developers run.
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { createAuthStandIn, createProjectApiKeys, loadOrCreateSigningKey, supabaseCliJwtSecret } from "./auth/index.ts";
import { denoOfflineEnv } from "./deno.ts";
import { startGateway, type RunningGateway } from "./gateway.ts";
import { freePort } from "./ports.ts";
import { denoFunctionCommand, edgeFunctionNames, facadeCommand, startProcess, type RunningProcess } from "./processes.ts";
import { createLocalFileHandler, LOCAL_STORAGE_MOUNT_PATH } from "./storage/file-server.ts";

export interface StackOptions {
  /** Superuser URL of a bootstrapped, migrated database. */
  superuserUrl: string;
  ports: { gateway: number; facade: number };
  /** Where the stack keeps its signing key and stored files (.local for `npm start`). */
  stateDir: string;
  /** Extra environment for the facade and the functions (tests point storage at a Bunny stand-in). */
  env?: Record<string, string>;
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
  stop(): Promise<void>;
}

/** Local signing key of the `local` storage's URLs (not a secret: development only). */
export const localStorageSecurityKey = "local-development-url-signing-key";

/** The servers' own login role: it can do nothing until it switches role, like PostgREST's. */
export function authenticatorUrl(superuserUrl: string): string {
  const url = new URL(superuserUrl);
  url.username = "authenticator";
  url.password = "postgres";
  return url.toString();
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const jwtSecret = supabaseCliJwtSecret;
  const keys = await createProjectApiKeys(jwtSecret);
  const storageDir = path.resolve(options.stateDir, "storage");
  fs.mkdirSync(storageDir, { recursive: true });

  const gatewayUrl = `http://127.0.0.1:${options.ports.gateway}`;
  const facadeUrl = `http://127.0.0.1:${options.ports.facade}`;
  const authSql = postgres(options.superuserUrl, { max: 10, onnotice: () => {} });
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

  const functionNames = edgeFunctionNames();
  const functionTargets = new Map<string, string>();
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const piece of started.reverse()) await piece.stop().catch(() => {});
    await authSql.end({ timeout: 5 });
  };

  try {
    const gateway: RunningGateway = startGateway({
      port: options.ports.gateway,
      routes: {
        auth,
        storage: createLocalFileHandler({ rootDir: storageDir, securityKey: localStorageSecurityKey }),
        functions: functionTargets,
        facadeUrl,
      },
    });
    started.push(gateway);

    const serverEnv: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SUPABASE_URL: gatewayUrl,
      SUPABASE_ANON_KEY: keys.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
      SUPABASE_JWT_SECRET: jwtSecret,
      DATABASE_URL: authenticatorUrl(options.superuserUrl),
      SUPABASE_DB_URL: authenticatorUrl(options.superuserUrl),
      STORAGE_DRIVER: "local",
      LOCAL_STORAGE_DIR: storageDir,
      BUNNY_PULL_ZONE_URL: `${gatewayUrl}${LOCAL_STORAGE_MOUNT_PATH}`,
      BUNNY_TOKEN_SECURITY_KEY: localStorageSecurityKey,
      BUNNY_FOLDER: "pdfs",
      CORS_ALLOWED_ORIGINS: "https://letsmakecv.com,https://previewcv.com,http://localhost:3000,http://127.0.0.1:3000",
      FACADE_PORT: String(options.ports.facade),
      FACADE_HOST: "127.0.0.1",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      ...passThrough(process.env),
      ...options.env,
    };

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
        });
      }),
    );
    for (const fn of functions) {
      started.push(fn);
      functionTargets.set(fn.name.slice("fn:".length), fn.url);
    }

    started.push(
      await startProcess({
        name: "facade",
        command: facadeCommand(),
        env: serverEnv,
        readyUrl: `${facadeUrl}/ready`,
        url: facadeUrl,
        log,
      }),
    );

    return {
      gatewayUrl,
      facadeUrl,
      functionsUrl: `${gatewayUrl}/functions/v1`,
      functionNames,
      anonKey: keys.anonKey,
      serviceRoleKey: keys.serviceRoleKey,
      jwtSecret,
      serverEnv,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
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
