import { describe, expect, test } from "bun:test";
import { bunnyToken, ipAddressBytes, signBunnyUrl } from "../../src/core/bunny-token.ts";
import { timingSafeEqual, verifyBunnyUrl } from "../../src/local/storage/bunny-url-verifier.ts";

// Bunny's official samples: key, expiry and host shared by every vector.
const securityKey = "SecurityKey";
const expires = 1598024587;
const host = "https://token-tester.b-cdn.net";
const beforeExpiry = expires - 60;

describe("Bunny's official vectors (ARCHITECTURE.md)", () => {
  test("/300kb.jpg with nothing else", async () => {
    const url = await signBunnyUrl(host, "/300kb.jpg", { securityKey, expires });
    expect(url).toBe(`${host}/300kb.jpg?token=HS256-o10JRWlsAItyAsdKS6jJKjabHN4FrFsplDHPV1idcX4&expires=1598024587`);
  });

  test("/abc/300kb.jpg with token_path=/abc", async () => {
    const url = await signBunnyUrl(host, "/abc/300kb.jpg", { securityKey, expires, tokenPath: "/abc" });
    expect(url).toBe(
      `${host}/abc/300kb.jpg?token=HS256-uVZvT3SbEoVKYJyDJgbcsDmSFf73cv-uNUVaJiKWpbQ&token_path=%2Fabc&expires=1598024587`,
    );
  });

  test("/300kb.jpg with token_countries=CA,US", async () => {
    const url = await signBunnyUrl(host, "/300kb.jpg", { securityKey, expires, countriesAllowed: ["CA", "US"] });
    expect(url).toBe(
      `${host}/300kb.jpg?token=HS256-i5s3Uv7mnrFfN5nznwU2BxhILpnipYeE18TapV0WNFM&token_countries=CA%2CUS&expires=1598024587`,
    );
  });

  test("the low-level token function gives the same tokens", async () => {
    expect(await bunnyToken({ securityKey, signaturePath: "/300kb.jpg", expires })).toBe(
      "HS256-o10JRWlsAItyAsdKS6jJKjabHN4FrFsplDHPV1idcX4",
    );
    expect(
      await bunnyToken({ securityKey, signaturePath: "/abc", expires, parameters: { token_path: "/abc" } }),
    ).toBe("HS256-uVZvT3SbEoVKYJyDJgbcsDmSFf73cv-uNUVaJiKWpbQ");
  });
});

// BunnyCDN.TokenAuthentication e2e/vectors.json (2.1.0): the options ARCHITECTURE.md
// does not list a vector for, including the IP lock in its current binary form.
describe("more vectors from Bunny's e2e suite", () => {
  const cases: [string, string, Parameters<typeof signBunnyUrl>[2], string][] = [
    ["limit", "/300kb.jpg", { securityKey, expires, speedLimitKbps: 1000 }, "HS256-DAVapqNNED3Z7JkjRTYX0UOIHNtbHEuuhRNEc4A7mMQ&limit=1000"],
    ["blocked countries", "/300kb.jpg", { securityKey, expires, countriesBlocked: ["RU", "CN"] }, "HS256-JS8dSuBSjSH-W2-xhdkCPC36-2rlxfDCQJjlNMPqKZQ&token_countries_blocked=RU%2CCN"],
    ["IPv4 lock", "/300kb.jpg", { securityKey, expires, userIp: "1.2.3.4" }, "HS256-1-L2rISTLcujMY9UFf2tbZ41d5i-Bme1g1oTK_Z2QMLJk"],
    ["IPv6 lock", "/300kb.jpg", { securityKey, expires, userIp: "2001:0db8:85a3:0000:0000:8a2e:0370:7334" }, "HS256-1-Z1BaGdhTZdU4iANcyKpurFR2VgCNdqC6hlBv5x_TyaI"],
    ["IPv4 lock + token_path", "/abc/300kb.jpg", { securityKey, expires, userIp: "1.2.3.4", tokenPath: "/abc" }, "HS256-1-wag9tC0r1QWfg-2eMj5QcdzgPLCIdQb-D0WVU1Mhg2w&token_path=%2Fabc"],
    ["IPv4 lock + blocked countries", "/300kb.jpg", { securityKey, expires, userIp: "1.2.3.4", countriesBlocked: ["RU", "CN"] }, "HS256-1-myF6Rnz7Z9VAfAjjkyUHJQ_6gr-AJ7VyPsG5rQdQKm8&token_countries_blocked=RU%2CCN"],
  ];
  for (const [name, path, options, tokenAndParameters] of cases) {
    test(name, async () => {
      expect(await signBunnyUrl(host, path, options)).toBe(`${host}${path}?token=${tokenAndParameters}&expires=${expires}`);
    });
  }

  test("IPv6 addresses are matched on their /64", () => {
    expect(Array.from(ipAddressBytes("2001:db8:85a3::8a2e:370:7334")!)).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(ipAddressBytes("10.0.0.255")!)).toEqual([10, 0, 0, 255]);
    expect(ipAddressBytes("256.1.1.1")).toBeUndefined();
    expect(ipAddressBytes("1:2:3")).toBeUndefined();
    expect(ipAddressBytes("example.com")).toBeUndefined();
  });
});

describe("verifying signed URLs", () => {
  const key = "local-security-key";
  const now = 1_800_000_000;

  async function signed(path = "/pdfs/u/file.pdf", extra: Partial<Parameters<typeof signBunnyUrl>[2]> = {}) {
    return signBunnyUrl("https://cdn.example.test", path, { securityKey: key, expires: now + 3600, ...extra });
  }

  test("a URL it signed verifies, and says which path it covers", async () => {
    const result = await verifyBunnyUrl(await signed(), { securityKey: key, nowSeconds: now });
    expect(result).toEqual({ ok: true, path: "/pdfs/u/file.pdf", expires: now + 3600 });
  });

  test("Bunny's own vector URLs verify with Bunny's key", async () => {
    const vector = `${host}/300kb.jpg?token=HS256-i5s3Uv7mnrFfN5nznwU2BxhILpnipYeE18TapV0WNFM&token_countries=CA%2CUS&expires=1598024587`;
    expect((await verifyBunnyUrl(vector, { securityKey, nowSeconds: beforeExpiry })).ok).toBe(true);
  });

  test("a URL under a mount path is signed and verified on the path after it", async () => {
    const url = await signBunnyUrl("http://127.0.0.1:54321/storage/v1/cdn/", "/pdfs/a.pdf", {
      securityKey: key,
      expires: now + 60,
    });
    expect(url.startsWith("http://127.0.0.1:54321/storage/v1/cdn/pdfs/a.pdf?token=HS256-")).toBe(true);
    expect(await bunnyToken({ securityKey: key, signaturePath: "/pdfs/a.pdf", expires: now + 60 })).toBe(
      new URL(url).searchParams.get("token")!,
    );
    const result = await verifyBunnyUrl(url, { securityKey: key, mountPath: "/storage/v1/cdn", nowSeconds: now });
    expect(result).toEqual({ ok: true, path: "/pdfs/a.pdf", expires: now + 60 });
    const unmounted = await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now });
    expect(unmounted).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("the wrong key is refused", async () => {
    expect(await verifyBunnyUrl(await signed(), { securityKey: "another-key", nowSeconds: now })).toMatchObject({
      ok: false,
      reason: "bad-signature",
    });
  });

  test("a tampered token is refused", async () => {
    const url = new URL(await signed());
    const token = url.searchParams.get("token")!;
    const last = token.at(-1) === "A" ? "B" : "A";
    url.searchParams.set("token", token.slice(0, -1) + last);
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("a tampered path is refused", async () => {
    const url = new URL(await signed("/pdfs/u/file.pdf"));
    url.pathname = "/pdfs/u/other.pdf";
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("a later expiry written into the URL is refused", async () => {
    const url = new URL(await signed());
    url.searchParams.set("expires", String(now + 999_999));
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  test("an expired URL is refused, from the second it expires", async () => {
    const url = await signed();
    expect((await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now + 3599 })).ok).toBe(true);
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now + 3600 })).toMatchObject({ ok: false, reason: "expired" });
    expect(await verifyBunnyUrl(url, { securityKey: key })).toMatchObject({ ok: true }); // the real clock is before 2027
  });

  test("an added, removed or changed parameter is refused", async () => {
    const url = new URL(await signed("/pdfs/u/file.pdf", { countriesAllowed: ["CA", "US"] }));
    const added = new URL(url);
    added.searchParams.set("limit", "1");
    const removed = new URL(url);
    removed.searchParams.delete("token_countries");
    const changed = new URL(url);
    changed.searchParams.set("token_countries", "CA,US,RU");
    for (const tampered of [added, removed, changed]) {
      expect(await verifyBunnyUrl(tampered, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: false, reason: "bad-signature" });
    }
  });

  test("missing, malformed or repeated parts are refused", async () => {
    const url = await signed();
    const withoutToken = new URL(url);
    withoutToken.searchParams.delete("token");
    expect(await verifyBunnyUrl(withoutToken, { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "missing-token" });
    const withoutExpiry = new URL(url);
    withoutExpiry.searchParams.delete("expires");
    expect(await verifyBunnyUrl(withoutExpiry, { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "malformed" });
    const md5Style = new URL(url);
    md5Style.searchParams.set("token", "0123456789abcdef0123456789abcdef");
    expect(await verifyBunnyUrl(md5Style, { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "malformed" });
    expect(await verifyBunnyUrl(`${url}&token=again`, { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "malformed" });
    expect(await verifyBunnyUrl("not a url", { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "malformed" });
  });

  test("a token_path URL covers the files under the prefix and nothing else", async () => {
    const url = new URL(await signed("/pdfs/u/file.pdf", { tokenPath: "/pdfs/u" }));
    const sibling = new URL(url);
    sibling.pathname = "/pdfs/u/second.pdf";
    expect(await verifyBunnyUrl(sibling, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: true, path: "/pdfs/u/second.pdf" });
    for (const outside of ["/pdfs/other/file.pdf", "/pdfs/u-not/file.pdf", "/pdfs/file.pdf"]) {
      const moved = new URL(url);
      moved.pathname = outside;
      expect(await verifyBunnyUrl(moved, { securityKey: key, nowSeconds: now })).toMatchObject({ ok: false, reason: "outside-token-path" });
    }
  });

  test("an IP-locked URL works only from that address (IPv6: its /64)", async () => {
    const v4 = await signed("/pdfs/u/file.pdf", { userIp: "203.0.113.7" });
    expect(new URL(v4).searchParams.get("token")!.startsWith("HS256-1-")).toBe(true);
    expect((await verifyBunnyUrl(v4, { securityKey: key, nowSeconds: now, clientIp: "203.0.113.7" })).ok).toBe(true);
    expect(await verifyBunnyUrl(v4, { securityKey: key, nowSeconds: now, clientIp: "203.0.113.8" })).toMatchObject({ reason: "ip-mismatch" });
    expect(await verifyBunnyUrl(v4, { securityKey: key, nowSeconds: now })).toMatchObject({ reason: "ip-mismatch" });

    const v6 = await signed("/pdfs/u/file.pdf", { userIp: "2001:db8:1:2::1" });
    expect((await verifyBunnyUrl(v6, { securityKey: key, nowSeconds: now, clientIp: "2001:db8:1:2:ffff::9" })).ok).toBe(true);
    expect(await verifyBunnyUrl(v6, { securityKey: key, nowSeconds: now, clientIp: "2001:db8:1:3::1" })).toMatchObject({ reason: "ip-mismatch" });
  });

  test("country restrictions are enforced when the country is known", async () => {
    const url = await signed("/pdfs/u/file.pdf", { countriesAllowed: ["CA", "US"], countriesBlocked: ["RU"] });
    expect((await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now, clientCountry: "ca" })).ok).toBe(true);
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now, clientCountry: "DE" })).toMatchObject({ reason: "country-not-allowed" });
    expect(await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now, clientCountry: "RU" })).toMatchObject({ reason: "country-not-allowed" });
    expect((await verifyBunnyUrl(url, { securityKey: key, nowSeconds: now })).ok).toBe(true);
  });

  test("the signer refuses what it cannot sign faithfully", async () => {
    const options = { securityKey: key, expires: now };
    await expect(signBunnyUrl(host, "pdfs/a.pdf", options)).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/pdfs/../a.pdf", options)).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/pdfs/a b.pdf", options)).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "//evil.example/a.pdf", options)).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf?x=1", options)).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf", { ...options, securityKey: "" })).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf", { ...options, expires: 1.5 })).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/b/a.pdf", { ...options, tokenPath: "/c" })).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf", { ...options, countriesAllowed: ["usa"] })).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf", { ...options, userIp: "localhost" })).rejects.toThrow(TypeError);
    await expect(signBunnyUrl(host, "/a.pdf", { ...options, speedLimitKbps: 0 })).rejects.toThrow(TypeError);
  });
});

// The constant-time comparison the verifier checks signatures with.
describe("timingSafeEqual", () => {
  test("is equality of bytes", () => {
    const a = new Uint8Array([1, 2, 3, 4]);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3, 4]))).toBe(true);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3, 5]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([0, 2, 3, 4]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3]))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array([1, 2, 3, 4, 0]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
    expect(timingSafeEqual(new Uint8Array([0]), new Uint8Array())).toBe(false);
  });
});
