// Settings both faces read from their environment (process.env in Bun, Deno.env in
// Deno): parsed once, at start-up, into typed values with clear errors. Modules below
// take these values as options and never read the environment themselves.
import { z } from "zod";
import type { StorageConfig } from "./storage/index.ts";

export type EnvReader = (name: string) => string | undefined;

const bunnyRegions = ["de", "uk", "ny", "la", "sg", "se", "br", "jh", "syd"] as const;

const positiveInteger = (fallback: number) =>
  z.preprocess((value) => (value === undefined || value === "" ? fallback : Number(value)), z.number().int().positive());

const commaList = (fallback: string) =>
  z.preprocess(
    (value) => String(value === undefined || value === "" ? fallback : value).split(",").map((item) => item.trim()).filter(Boolean),
    z.array(z.string()),
  );

const settingsSchema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  STORAGE_DRIVER: z.enum(["local", "bunny"]).default("local"),
  LOCAL_STORAGE_DIR: z.string().default(".local/storage"),
  BUNNY_STORAGE_ZONE: z.string().optional(),
  BUNNY_STORAGE_ACCESS_KEY: z.string().optional(),
  BUNNY_STORAGE_REGION: z.enum(bunnyRegions).default("de"),
  /** Overrides the regional host (tests point it at a local stand-in). */
  BUNNY_STORAGE_ENDPOINT: z.url().optional(),
  BUNNY_PULL_ZONE_URL: z.url(),
  BUNNY_TOKEN_SECURITY_KEY: z.string().min(8),
  BUNNY_FOLDER: z.string().regex(/^[A-Za-z0-9_-]+$/).default("pdfs"),
  SIGNED_URL_TTL_SECONDS: positiveInteger(3600),
  MAX_UPLOAD_BYTES: positiveInteger(10 * 1024 * 1024),
  PREVIEW_BASE_URL: z.url().default("https://previewcv.com"),
  PUBLIC_PROFILE_BASE_URL: z.url().default("https://previewcv.com/recruiter/profile"),
  CORS_ALLOWED_ORIGINS: commaList("https://letsmakecv.com,https://previewcv.com"),
});

export type Settings = z.infer<typeof settingsSchema>;

export function readSettings(env: EnvReader): Settings {
  const raw = Object.fromEntries(Object.keys(settingsSchema.shape).map((name) => [name, env(name)]));
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}\nSee .env.example for every variable.`);
  }
  const settings = parsed.data;
  if (settings.STORAGE_DRIVER === "bunny" && (!settings.BUNNY_STORAGE_ZONE || !settings.BUNNY_STORAGE_ACCESS_KEY)) {
    throw new Error("STORAGE_DRIVER=bunny needs BUNNY_STORAGE_ZONE and BUNNY_STORAGE_ACCESS_KEY.");
  }
  return settings;
}

/** The storage the settings describe (both faces build theirs from this). */
export function storageConfig(settings: Settings): StorageConfig {
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
