// Checks signed pull-zone URLs the way Bunny's edge does (signature, expiry, path scope,
// IP lock, country), for the local stack's file server, which stands in for a Bunny pull
// zone in front of the `local` storage, and for the tests. Production never verifies:
// Bunny's edge does. A development tool: nothing that ships imports src/local.
//
// The signing side, and the scheme itself, is src/core/bunny-token.ts.
import { bunnyToken, ipAddressBytes, isWithinTokenPath } from "../../core/bunny-token.ts";

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
const RESERVED_PARAMETERS = new Set(["token", "expires"]);

/** Checks a signed URL the way Bunny's edge does: signature, expiry, path scope, IP, country. */
export async function verifyBunnyUrl(url: string | URL, options: VerifyBunnyUrlOptions): Promise<BunnyUrlVerification> {
  const parsed = typeof url === "string" ? URL.parse(url) : url;
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

function splitCountries(value: string | undefined): string[] {
  return value ? value.split(",").map((code) => code.trim().toUpperCase()).filter(Boolean) : [];
}

function refuse(reason: BunnyUrlRefusal, message: string): BunnyUrlVerification {
  return { ok: false, reason, message };
}

/**
 * Equality whose running time depends only on the lengths, not on where the inputs
 * differ, so a remote caller cannot find a secret byte by byte from response times.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  }
  return difference === 0;
}
