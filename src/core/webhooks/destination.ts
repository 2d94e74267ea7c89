// Where a webhook may be sent: the SSRF rules, checked when an endpoint is registered
// or re-pointed (the facade) and again right before every delivery (the worker), since
// what a name resolves to can change between the two.
//
//   * https only, at most 2,000 characters, no credentials in the URL;
//   * every address the host resolves to must be a public unicast address: loopback,
//     private (RFC 1918), link-local (169.254.0.0/16, so the cloud metadata service
//     169.254.169.254 too), carrier-grade NAT (100.64.0.0/10), unique-local (fc00::/7,
//     so AWS's fd00:ec2::254 too), multicast, unspecified, broadcast and the reserved,
//     documentation and transition ranges are refused, and an IPv4-mapped IPv6 address
//     is judged as the IPv4 address it carries;
//   * hosts named in WEBHOOK_ALLOWED_HOSTS (exact host names or IP literals, for local
//     development and tests) skip both rules: plain http and local addresses are fine.
//
// A checked destination carries the address it was checked at, so the sender can
// connect to that very address (a name that resolves elsewhere a moment later changes
// nothing). The messages never include the addresses a name resolved to.
//
// Runtime-neutral: DNS comes in as a function (node:dns/promises in Bun and Deno).
import ipaddr from "ipaddr.js";

export const MAX_WEBHOOK_URL_LENGTH = 2000;

/** Resolves a host name to its addresses (IPv4 and IPv6), as the operating system would. */
export type Resolve = (hostname: string) => Promise<string[]>;

export interface DestinationPolicy {
  /** Host names and IP literals exempt from the https and address rules (lower case). */
  allowedHosts: readonly string[];
  resolve: Resolve;
  /** Why an address is refused, or undefined (default refusedAddressKind; a stricter rule can be given). */
  addressRule?: (address: string) => string | undefined;
}

export type Destination =
  | {
      ok: true;
      url: URL;
      /** The address to connect to; undefined for an allow-listed host (connect by name). */
      address?: string;
    }
  | { ok: false; reason: string };

/** The shape rules alone (no DNS): what the facade checks first, and the database's constraint restates. */
export function parseWebhookUrl(input: string, allowedHosts: readonly string[]): { ok: true; url: URL } | { ok: false; reason: string } {
  if (input.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `Must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  if (/\s/.test(input)) return { ok: false, reason: "Must not contain spaces or control characters" };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "Must be an absolute URL, e.g. https://example.com/webhooks" };
  }
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `Must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  if (url.username || url.password) return { ok: false, reason: "Must not contain a user name or password" };
  if (!url.hostname) return { ok: false, reason: "Must name a host" };
  const allowListed = isAllowListed(url, allowedHosts);
  if (url.protocol !== "https:" && !(allowListed && url.protocol === "http:")) return { ok: false, reason: "Must be an https:// URL" };
  return { ok: true, url };
}

/** The URL's rules, then its host's addresses: the destination to connect to, or why not. */
export async function checkDestination(input: string, policy: DestinationPolicy): Promise<Destination> {
  const parsed = parseWebhookUrl(input, policy.allowedHosts);
  if (!parsed.ok) return parsed;
  const { url } = parsed;
  if (isAllowListed(url, policy.allowedHosts)) return { ok: true, url };

  const host = bareHost(url);
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await policy.resolve(host);
    } catch {
      return { ok: false, reason: "Its host name does not resolve" };
    }
    if (addresses.length === 0) return { ok: false, reason: "Its host name does not resolve" };
  }
  const rule = policy.addressRule ?? refusedAddressKind;
  for (const address of addresses) {
    const refused = rule(address);
    if (refused) return { ok: false, reason: `Must not point at ${refused} (the host resolves to one)` };
  }
  // IPv4 first when there is one: a server without IPv6 routes still gets through.
  return { ok: true, url, address: addresses.find((address) => !address.includes(":")) ?? addresses[0] };
}

/**
 * What kind of address this is when it may not be a webhook destination ("a loopback
 * address", "the cloud metadata service"...), or undefined for a public unicast address.
 */
export function refusedAddressKind(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return "an address that does not parse";
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const text = parsed.toNormalizedString();
  if (text === "169.254.169.254" || text === ipaddr.parse("fd00:ec2::254").toNormalizedString()) return "the cloud metadata service";
  const range = parsed.range();
  if (range === "unicast") return undefined;
  return rangeNames[range] ?? `a reserved address (${range})`;
}

const rangeNames: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT address",
  uniqueLocal: "a unique-local address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
};

/** The URL's host without IPv6 brackets, lower case. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
}

function isAllowListed(url: URL, allowedHosts: readonly string[]): boolean {
  const host = bareHost(url);
  return allowedHosts.some((allowed) => allowed.toLowerCase().replace(/^\[(.*)\]$/, "$1") === host);
}
