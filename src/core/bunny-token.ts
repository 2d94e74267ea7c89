// BunnyCDN pull-zone token authentication, the current HMAC-SHA256 scheme: signing the
// URLs Bunny's edge verifies (the local stack verifies them the same way, with
// src/local/storage/bunny-url-verifier.ts).
//
//   token   = "HS256-" [+ "1-" when IP-locked] + base64url_nopad(HMAC_SHA256(securityKey, message))
//   message = signaturePath + expires [+ IP bytes] + signingData
//   URL     = {base}{path}?token={token}[&{k}={urlencoded v}...]&expires={expires}
//
// signaturePath is the URL path, or token_path when a path prefix is allowed; signingData
// is every other query parameter sorted by name, `k=v` joined with `&`, values raw.
// Without an IP this is exactly ARCHITECTURE.md's `signaturePath + expires + signingData
// + userIp` with an empty userIp, and it reproduces Bunny's official vectors. With an IP
// it follows Bunny's official samples since 2026-05 (BunnyCDN.TokenAuthentication 2.1.0):
// the address goes in as raw bytes (4 for IPv4, the /64 prefix for IPv6, rest zeroed)
// between expires and signingData, and the token carries the `1-` flag.
//
// Runtime-neutral (Bun and Deno): node:crypto's createHmac, which both provide. It signs
// on the calling thread, where crypto.subtle.sign hands every signature to another
// thread and back (about 20-40 µs of a public fetch, against 1-2 µs).
import { createHmac } from "node:crypto";
import { parseIpAddress } from "./ip-address.ts";

/** Restrictions a signed URL can carry; all of them are covered by the signature. */
export interface BunnyTokenRestrictions {
  /** Allow every file under this path prefix (`token_path`); the signature covers the prefix. */
  tokenPath?: string;
  /** Lock the URL to the viewer's address (IPv4, or IPv6 matched on its /64). */
  userIp?: string;
  /** ISO 3166 country codes allowed to download (`token_countries`). */
  countriesAllowed?: readonly string[];
  /** ISO 3166 country codes refused (`token_countries_blocked`). */
  countriesBlocked?: readonly string[];
  /** Download speed limit in kB/s (`limit`). */
  speedLimitKbps?: number;
}

export interface SignBunnyUrlOptions extends BunnyTokenRestrictions {
  /** The pull zone's "URL Token Authentication Key". */
  securityKey: string;
  /** When the URL stops working, Unix seconds. */
  expires: number;
}

export interface BunnyTokenInput {
  securityKey: string;
  signaturePath: string;
  expires: number;
  /** Query parameters other than token and expires (all of them are signed). */
  parameters?: Readonly<Record<string, string>>;
  userIp?: string;
}

const COUNTRY_PATTERN = /^[A-Z]{2}$/;

/** The `HS256-...` token for one URL. */
export async function bunnyToken(input: BunnyTokenInput): Promise<string> {
  return tokenOf(input);
}

function tokenOf(input: BunnyTokenInput): string {
  const hmac = createHmac("sha256", input.securityKey).update(input.signaturePath + String(input.expires), "utf8");
  if (input.userIp) {
    const bytes = ipAddressBytes(input.userIp);
    if (!bytes) throw new TypeError(`userIp ${JSON.stringify(input.userIp)} is not an IP address`);
    hmac.update(bytes);
  }
  hmac.update(signingData(input.parameters ?? {}), "utf8");
  return "HS256-" + (input.userIp ? "1-" : "") + hmac.digest("base64url");
}

/**
 * Signs `path` (already URL-encoded, starting with `/`) under `baseUrl`. The signature
 * covers only `path`, so a base with a path of its own (the local server's
 * `http://127.0.0.1:54321/storage/v1/cdn`) works like a bare pull-zone host.
 */
export async function signBunnyUrl(baseUrl: string, path: string, options: SignBunnyUrlOptions): Promise<string> {
  assertEncodedPath(path, "path");
  if (!options.securityKey) throw new TypeError("securityKey must not be empty");
  if (!Number.isSafeInteger(options.expires) || options.expires < 0) {
    throw new TypeError("expires must be Unix seconds");
  }
  const parameters = restrictionParameters(options);
  if (options.tokenPath !== undefined) {
    assertEncodedPath(options.tokenPath, "tokenPath");
    if (!isWithinTokenPath(path, options.tokenPath)) throw new TypeError("path is outside tokenPath");
  }
  const token = tokenOf({
    securityKey: options.securityKey,
    signaturePath: options.tokenPath ?? path,
    expires: options.expires,
    parameters,
    userIp: options.userIp,
  });
  const extra = sortedEntries(parameters)
    .map(([name, value]) => `&${name}=${encodeURIComponent(value)}`)
    .join("");
  return `${baseUrl.replace(/\/+$/, "")}${path}?token=${token}${extra}&expires=${options.expires}`;
}

/** The IP as Bunny folds it into the signature: 4 bytes, or the /64 prefix of 16. */
export function ipAddressBytes(address: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = parseIpAddress(address);
  if (bytes?.length === 16) bytes.fill(0, 8);
  return bytes;
}

/** Every signed parameter, sorted by name, `k=v` joined with `&`, values raw. */
function signingData(parameters: Readonly<Record<string, string>>): string {
  return sortedEntries(parameters)
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

function restrictionParameters(options: BunnyTokenRestrictions): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (options.tokenPath !== undefined) parameters.token_path = options.tokenPath;
  if (options.countriesAllowed?.length) parameters.token_countries = joinCountries(options.countriesAllowed);
  if (options.countriesBlocked?.length) parameters.token_countries_blocked = joinCountries(options.countriesBlocked);
  if (options.speedLimitKbps !== undefined) {
    if (!Number.isSafeInteger(options.speedLimitKbps) || options.speedLimitKbps <= 0) {
      throw new TypeError("speedLimitKbps must be a positive integer");
    }
    parameters.limit = String(options.speedLimitKbps);
  }
  return parameters;
}

// Code-unit order, as Go's sort.Strings and Python's sorted() use (never locale order).
function sortedEntries(parameters: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function joinCountries(codes: readonly string[]): string {
  for (const code of codes) {
    if (!COUNTRY_PATTERN.test(code)) throw new TypeError(`${JSON.stringify(code)} is not an ISO 3166 country code`);
  }
  return codes.join(",");
}

/** True when `path` is `tokenPath` or lies under it (what a `token_path` URL may open). */
export function isWithinTokenPath(path: string, tokenPath: string): boolean {
  if (path === tokenPath) return true;
  return path.startsWith(tokenPath.endsWith("/") ? tokenPath : tokenPath + "/");
}

/**
 * Paths that are canonical by their shape: segments of unreserved characters, none
 * starting with a dot (so no dot segments). Storage paths always are (storage keys
 * allow nothing else), so they are signed without parsing a URL.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+\/?$/;

/** What we sign must be byte for byte the path the CDN sees, so only canonical paths. */
function assertEncodedPath(path: string, name: string): void {
  if (PLAIN_PATH.test(path)) return;
  const canonical = safeUrl(path, "http://canonical.invalid")?.pathname;
  if (!path.startsWith("/") || canonical !== path) {
    throw new TypeError(`${name} must be a URL-encoded absolute path without dot segments, got ${JSON.stringify(path)}`);
  }
}

function safeUrl(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}
