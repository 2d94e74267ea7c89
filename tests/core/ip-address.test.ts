// One reading of IP addresses (src/core/ip-address.ts) for X-Forwarded-For, the access
// log's inet column and Bunny's IP-locked tokens: what it accepts is what Postgres' inet
// accepts (checked by hand against PostgreSQL 18), nothing else.
import { describe, expect, test } from "bun:test";
import { forwardedClientIp } from "../../src/core/http.ts";
import { isIpAddress, parseIpAddress } from "../../src/core/ip-address.ts";

describe("IP addresses", () => {
  test("IPv4 and IPv6 in their written forms, an IPv4 tail included", () => {
    for (const address of ["1.2.3.4", "203.0.113.7", "01.2.3.4", "::", "1::", "::1", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4", "::1.2.3.4"]) {
      expect([address, isIpAddress(address)]).toEqual([address, true]);
    }
    expect(Array.from(parseIpAddress("10.0.0.255")!)).toEqual([10, 0, 0, 255]);
    expect(parseIpAddress("::ffff:1.2.3.4")!.length).toBe(16);
  });

  test("nothing that is not one: what the old pattern let through to inet is refused here", () => {
    for (const value of ["::::", ":", "1:2:3", "1::2::3", "256.1.1.1", "1.2.3", "1.2.3.4.5", "fe80::1%eth0", "[::1]", "1.2.3.4:80", "example.com", "", " 1.2.3.4", "12345::"]) {
      expect([value, isIpAddress(value)]).toEqual([value, false]);
    }
  });

  test("X-Forwarded-For: the address our outermost proxy appended, counted from the right, when it is one", () => {
    // One proxy of ours (TRUST_PROXY=true): the last entry; what the client sent before it is ignored.
    expect(forwardedClientIp("203.0.113.7, 10.0.0.1")).toBe("10.0.0.1");
    expect(forwardedClientIp("1.2.3.4, 5.6.7.8, 198.51.100.9")).toBe("198.51.100.9");
    expect(forwardedClientIp(" 2001:db8::1 ")).toBe("2001:db8::1");
    // Two (a CDN in front of a balancer): the entry the CDN appended, second from the right.
    expect(forwardedClientIp("1.2.3.4, 203.0.113.7, 10.0.0.1", 2)).toBe("203.0.113.7");
    // Fewer entries than proxies: the request did not come through them; nothing is believed.
    expect(forwardedClientIp("203.0.113.7", 2)).toBeUndefined();
    expect(forwardedClientIp("203.0.113.7, ::::")).toBeUndefined();
    expect(forwardedClientIp("203.0.113.7", 0)).toBeUndefined();
    expect(forwardedClientIp(null)).toBeUndefined();
  });
});
