// IP addresses as clients and proxies write them (IPv4 dotted quads, IPv6 in any of its
// forms, an IPv4 tail included), parsed exactly: one reading for every place that takes
// an address (X-Forwarded-For, the access log, Bunny's IP-locked tokens).
//
// Runtime-neutral: no platform address parser.

/** True when `value` is an IPv4 or IPv6 address (no zone id, no port). */
export function isIpAddress(value: string): boolean {
  return parseIpAddress(value) !== undefined;
}

/** The address's bytes: 4 for IPv4, 16 for IPv6; undefined when `value` is no IP address. */
export function parseIpAddress(value: string): Uint8Array<ArrayBuffer> | undefined {
  return parseIpv4(value) ?? parseIpv6(value);
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
