// The SSRF rules of webhook URLs, without the network: every refused range, IPv4-mapped
// IPv6, the allow-list, and a name that resolves elsewhere at delivery than it did at
// registration (DNS rebinding) — the check is redone, and the checked address is the
// one the sender connects to.
import { describe, expect, test } from "bun:test";
import { checkDestination, parseWebhookUrl, refusedAddressKind, type Resolve } from "../../src/core/webhooks/destination.ts";

describe("refusedAddressKind", () => {
  const refused: [string, string][] = [
    ["127.0.0.1", "a loopback address"],
    ["127.255.0.9", "a loopback address"],
    ["::1", "a loopback address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["10.0.0.1", "a private address"],
    ["172.16.5.4", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.1.1", "a private address"],
    ["::ffff:10.0.0.1", "a private address"],
    ["169.254.169.254", "the cloud metadata service"],
    ["fd00:ec2::254", "the cloud metadata service"],
    ["169.254.1.1", "a link-local address"],
    ["fe80::1", "a link-local address"],
    ["100.64.0.1", "a carrier-grade NAT address"],
    ["100.127.255.254", "a carrier-grade NAT address"],
    ["fc00::1", "a unique-local address"],
    ["fd12:3456::1", "a unique-local address"],
    ["224.0.0.251", "a multicast address"],
    ["ff02::1", "a multicast address"],
    ["0.0.0.0", "an unspecified address"],
    ["::", "an unspecified address"],
    ["255.255.255.255", "a broadcast address"],
    ["192.0.2.10", "a reserved address (reserved)"],
    ["198.18.0.1", "a reserved address (reserved)"],
    ["64:ff9b::a00:1", "a reserved address (rfc6052)"],
    ["2002:a00:1::1", "a reserved address (6to4)"],
    ["not an address", "an address that does not parse"],
  ];
  for (const [address, kind] of refused) test(`${address}: ${kind}`, () => expect(refusedAddressKind(address)).toBe(kind));

  for (const address of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"]) {
    test(`${address}: a public address, allowed`, () => expect(refusedAddressKind(address)).toBeUndefined());
  }
});

describe("parseWebhookUrl", () => {
  test("https only, plain http for allow-listed hosts, which match exactly (IPv6 without brackets too)", () => {
    expect(parseWebhookUrl("https://example.com/x", []).ok).toBe(true);
    expect(parseWebhookUrl("http://example.com/x", [])).toEqual({ ok: false, reason: "Must be an https:// URL" });
    expect(parseWebhookUrl("http://127.0.0.1:8080/x", ["127.0.0.1"]).ok).toBe(true);
    expect(parseWebhookUrl("http://[::1]:8080/x", ["::1"]).ok).toBe(true);
    expect(parseWebhookUrl("http://127.0.0.1.nip.io/x", ["127.0.0.1"]).ok).toBe(false);
    expect(parseWebhookUrl("http://LOCALHOST/x", ["localhost"]).ok).toBe(true);
  });
});

describe("checkDestination", () => {
  const resolver = (answers: Record<string, string[] | Error>): Resolve => async (host) => {
    const answer = answers[host];
    if (answer instanceof Error || answer === undefined) throw answer ?? new Error("ENOTFOUND");
    return answer;
  };

  test("a name resolving to public addresses passes, and carries the first one to connect to", async () => {
    const checked = await checkDestination("https://hooks.example.com/in", { allowedHosts: [], resolve: resolver({ "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"] }) });
    expect(checked).toMatchObject({ ok: true, address: "93.184.216.34" });
  });

  test("IPv4 is preferred to connect to when the name has both", async () => {
    const checked = await checkDestination("https://dual.example.com/", { allowedHosts: [], resolve: resolver({ "dual.example.com": ["2606:2800:220:1::1", "93.184.216.34"] }) });
    expect(checked).toMatchObject({ ok: true, address: "93.184.216.34" });
  });

  test("any refused address among a name's answers refuses it (no picking the good one)", async () => {
    const checked = await checkDestination("https://mixed.example.com/", { allowedHosts: [], resolve: resolver({ "mixed.example.com": ["93.184.216.34", "10.0.0.5"] }) });
    expect(checked).toEqual({ ok: false, reason: "Must not point at a private address (the host resolves to one)" });
  });

  test("a name that does not resolve is refused", async () => {
    expect(await checkDestination("https://nowhere.example/", { allowedHosts: [], resolve: resolver({}) })).toEqual({ ok: false, reason: "Its host name does not resolve" });
  });

  test("DNS rebinding: public at registration, loopback at delivery: the second check refuses it", async () => {
    let calls = 0;
    const rebinding: Resolve = async () => (calls++ === 0 ? ["93.184.216.34"] : ["127.0.0.1"]);
    const policy = { allowedHosts: [], resolve: rebinding };
    expect((await checkDestination("https://rebind.example.com/", policy)).ok).toBe(true);
    expect(await checkDestination("https://rebind.example.com/", policy)).toEqual({ ok: false, reason: "Must not point at a loopback address (the host resolves to one)" });
  });

  test("an allow-listed host is not resolved at all, and is connected to by name", async () => {
    const checked = await checkDestination("http://localhost:9000/in", { allowedHosts: ["localhost"], resolve: () => Promise.reject(new Error("must not resolve")) });
    expect(checked).toMatchObject({ ok: true });
    expect((checked as { address?: string }).address).toBeUndefined();
  });
});
