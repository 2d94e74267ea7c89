// BunnyCDN pull-zone token authentication, the current HMAC-SHA256 scheme, and a
// verifier for the same URLs (the local file server and the tests use it; Bunny's edge
// does the verifying in production).
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
// Runtime-neutral (Bun and Deno): crypto.subtle only.
import { base64UrlEncode, timingSafeEqual } from "./random-tokens.ts";

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

export type BunnyUrlRefusal =
  | "missing-token"
  | "malformed"
  | "bad-signature"
  | "expired"
  | "outside-token-path"
  | "ip-mismatch"
  | "country-not-allowed";

export type BunnyUrlVerification =
  | { ok: true; /** The signed path (after the mount path). */ path: string; expires: number }
  | { ok: false; reason: BunnyUrlRefusal; message: string };

export interface VerifyBunnyUrlOptions {
  securityKey: string;
  /** URL path in front of the signed path, e.g. `/storage/v1/cdn` for the local server. */
  mountPath?: string;
  /** Defaults to the clock. */
  nowSeconds?: number;
  /** The caller's address; required to accept an IP-locked URL. */
  clientIp?: string;
  /** The caller's country when known; geo restrictions are enforced only then. */
  clientCountry?: string;
}

const TOKEN_PATTERN = /^HS256-(1-)?([A-Za-z0-9_-]{43})$/;
const EXPIRES_PATTERN = /^[0-9]{1,12}$/;
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
const RESERVED_PARAMETERS = new Set(["token", "expires"]);

/** The `HS256-...` token for one URL. */
export async function bunnyToken(input: BunnyTokenInput): Promise<string> {
  const digest = await hmacSha256(input.securityKey, tokenMessage(input));
  return "HS256-" + (input.userIp ? "1-" : "") + base64UrlEncode(digest);
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
  const token = await bunnyToken({
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

/** Checks a signed URL the way Bunny's edge does: signature, expiry, path scope, IP, country. */
export async function verifyBunnyUrl(url: string | URL, options: VerifyBunnyUrlOptions): Promise<BunnyUrlVerification> {
  const parsed = typeof url === "string" ? safeUrl(url) : url;
  if (!parsed) return refuse("malformed", "The URL cannot be parsed.");

  const mountPath = (options.mountPath ?? "").replace(/\/+$/, "");
  if (mountPath && !parsed.pathname.startsWith(mountPath + "/")) {
    return refuse("malformed", "The URL is not under the signed mount path.");
  }
  const path = parsed.pathname.slice(mountPath.length);

  const parameters: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, value] of parsed.searchParams) {
    // A repeated parameter has no single signed value; Bunny's signers refuse them too.
    if (seen.has(name)) return refuse("malformed", `The query parameter ${name} is repeated.`);
    seen.add(name);
    if (!RESERVED_PARAMETERS.has(name)) parameters[name] = value;
  }
  const token = parsed.searchParams.get("token");
  const expiresText = parsed.searchParams.get("expires");
  if (!token) return refuse("missing-token", "The URL is not signed.");
  if (!expiresText || !EXPIRES_PATTERN.test(expiresText)) return refuse("malformed", "The expiry is missing or invalid.");
  const tokenMatch = TOKEN_PATTERN.exec(token);
  if (!tokenMatch) return refuse("malformed", "The token is not an HS256 token.");

  const ipLocked = tokenMatch[1] !== undefined;
  let userIp: string | undefined;
  if (ipLocked) {
    if (!options.clientIp || !ipAddressBytes(options.clientIp)) {
      return refuse("ip-mismatch", "The URL is locked to another address.");
    }
    userIp = options.clientIp;
  }

  const tokenPath = parameters.token_path;
  const expected = await bunnyToken({
    securityKey: options.securityKey,
    signaturePath: tokenPath ?? path,
    expires: Number(expiresText),
    parameters,
    userIp,
  });
  const encoder = new TextEncoder();
  if (!timingSafeEqual(encoder.encode(expected), encoder.encode(token))) {
    // For an IP-locked URL a wrong address and a forged token look the same here.
    return ipLocked
      ? refuse("ip-mismatch", "The signature does not match this URL and address.")
      : refuse("bad-signature", "The signature does not match this URL.");
  }

  const expires = Number(expiresText);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (expires <= now) return refuse("expired", "The URL has expired.");

  if (tokenPath !== undefined && !isWithinTokenPath(path, tokenPath)) {
    return refuse("outside-token-path", "The path is outside the signed path prefix.");
  }

  if (options.clientCountry !== undefined) {
    const country = options.clientCountry.toUpperCase();
    const allowed = splitCountries(parameters.token_countries);
    const blocked = splitCountries(parameters.token_countries_blocked);
    if ((allowed.length > 0 && !allowed.includes(country)) || blocked.includes(country)) {
      return refuse("country-not-allowed", "Downloads are not allowed from this country.");
    }
  }

  return { ok: true, path, expires };
}

/** The IP as Bunny folds it into the signature: 4 bytes, or the /64 prefix of 16. */
export function ipAddressBytes(address: string): Uint8Array<ArrayBuffer> | undefined {
  const v4 = parseIpv4(address);
  if (v4) return v4;
  const v6 = parseIpv6(address);
  if (!v6) return undefined;
  v6.fill(0, 8);
  return v6;
}

function tokenMessage(input: BunnyTokenInput): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const head = encoder.encode(input.signaturePath + String(input.expires));
  let ip = new Uint8Array(0);
  if (input.userIp) {
    const bytes = ipAddressBytes(input.userIp);
    if (!bytes) throw new TypeError(`userIp ${JSON.stringify(input.userIp)} is not an IP address`);
    ip = bytes;
  }
  const signingData = encoder.encode(
    sortedEntries(input.parameters ?? {})
      .map(([name, value]) => `${name}=${value}`)
      .join("&"),
  );
  const message = new Uint8Array(head.length + ip.length + signingData.length);
  message.set(head, 0);
  message.set(ip, head.length);
  message.set(signingData, head.length + ip.length);
  return message;
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

function splitCountries(value: string | undefined): string[] {
  return value ? value.split(",").map((code) => code.trim().toUpperCase()).filter(Boolean) : [];
}

function isWithinTokenPath(path: string, tokenPath: string): boolean {
  if (path === tokenPath) return true;
  return path.startsWith(tokenPath.endsWith("/") ? tokenPath : tokenPath + "/");
}

/** What we sign must be byte for byte the path the CDN sees, so only canonical paths. */
function assertEncodedPath(path: string, name: string): void {
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

function refuse(reason: BunnyUrlRefusal, message: string): BunnyUrlVerification {
  return { ok: false, reason, message };
}

const keyCache = new Map<string, Promise<CryptoKey>>();

async function hmacSha256(secret: string, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    // A process signs with one or two keys; the bound only guards against misuse.
    if (keyCache.size >= 16) keyCache.clear();
    keyCache.set(secret, key);
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, message));
}

function parseIpv4(address: string): Uint8Array<ArrayBuffer> | undefined {
  const parts = address.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(part) || Number(part) > 255) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseIpv6(address: string): Uint8Array<ArrayBuffer> | undefined {
  let text = address;
  let embeddedV4: Uint8Array<ArrayBuffer> | undefined;
  const lastColon = text.lastIndexOf(":");
  if (lastColon === -1) return undefined;
  if (text.indexOf(".", lastColon) !== -1) {
    // ::ffff:1.2.3.4 style: the last 32 bits written as IPv4.
    embeddedV4 = parseIpv4(text.slice(lastColon + 1));
    if (!embeddedV4) return undefined;
    text = text.slice(0, lastColon) + ":0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const given = left.length + right.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = [...left, ...Array<string>(8 - given).fill("0"), ...right];
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = groups[i]!;
    if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (embeddedV4) bytes.set(embeddedV4, 12);
  return bytes;
}
