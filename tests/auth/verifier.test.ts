// The access-token verifier against a JWKS served over real HTTP: what it accepts, and
// the exact reason for everything it refuses.
import { beforeAll, describe, expect, test } from "bun:test";
import { base64url, CompactSign, exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import {
  bearerChallenge,
  createJwtVerifier,
  InvalidTokenError,
  JwksUnavailableError,
  readBearerToken,
  type InvalidTokenReason,
  type JwtVerifierOptions,
} from "../../src/auth/index.ts";
import { createProjectApiKeys, supabaseCliJwtSecret } from "../../src/local/auth/index.ts";
import { freePort } from "../../src/local/ports.ts";

const legacySecret = supabaseCliJwtSecret;
const issuer = "http://127.0.0.1:54321/auth/v1";
const userId = "8d0fd2b3-9ca7-4e8a-8c5f-2e4b5a1d7f10";

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(alg: "ES256" | "RS256", kid: string = crypto.randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig", key_ops: ["verify"] } };
}

/** A JWKS endpoint whose keys, availability and fetch count the cases control. */
const jwks = {
  keys: [] as JWK[],
  fetches: 0,
  mode: "up" as "up" | "down" | "hang",
  url: "",
};

let esKey: SigningKey;
let rsKey: SigningKey;
let demoKeys: { anonKey: string; serviceRoleKey: string };

beforeAll(async () => {
  esKey = await newKey("ES256");
  rsKey = await newKey("RS256");
  demoKeys = await createProjectApiKeys(legacySecret);
  const port = await freePort();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    fetch: async () => {
      jwks.fetches += 1;
      if (jwks.mode === "down") return new Response("upstream gone", { status: 503 });
      if (jwks.mode === "hang") return new Promise<Response>(() => {});
      return Response.json({ keys: jwks.keys });
    },
  });
  jwks.url = `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`;
  return () => server.stop(true);
});

/** A fresh verifier (empty cache) on a clock the case can move. */
function verifierWith(options: Partial<JwtVerifierOptions> = {}) {
  const clock = { offsetMs: 0 };
  jwks.keys = [esKey.publicJwk, rsKey.publicJwk];
  jwks.mode = "up";
  jwks.fetches = 0;
  const verifier = createJwtVerifier({ jwksUrl: jwks.url, legacyJwtSecret: legacySecret, issuer, now: () => Date.now() + clock.offsetMs, ...options });
  return { verifier, clock };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function userClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = nowSeconds();
  return {
    iss: issuer,
    sub: userId,
    aud: "authenticated",
    exp: now + 3600,
    iat: now,
    email: "ann@example.test",
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: now }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    ...overrides,
  };
}

function sign(claims: JWTPayload, key: SigningKey | Uint8Array, header: Record<string, unknown>): Promise<string> {
  const secret = key instanceof Uint8Array ? key : key.privateKey;
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(secret);
}

const es256 = (claims: JWTPayload = userClaims(), key = esKey) => sign(claims, key, { alg: "ES256", kid: key.kid, typ: "JWT" });
const hs256 = (claims: JWTPayload = userClaims(), secret = legacySecret) => sign(claims, new TextEncoder().encode(secret), { alg: "HS256", typ: "JWT" });

/** A compact JWS with this header and payload and any signature bytes (for what jose will not sign). */
function handMade(header: Record<string, unknown>, payload: unknown, signature = ""): string {
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value)));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

async function refusal(promise: Promise<unknown>): Promise<InvalidTokenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidTokenError) return error;
    throw error;
  }
  throw new Error("the token was accepted");
}

async function expectRefused(token: Promise<string> | string, reason: InvalidTokenReason, options: Partial<JwtVerifierOptions> = {}) {
  const { verifier } = verifierWith(options);
  const error = await refusal(verifier.verifyAccessToken(await token));
  expect(error.reason).toBe(reason);
  // Nothing secret in what a caller may see.
  expect(error.message).not.toContain(legacySecret);
  return error;
}

describe("accepted", () => {
  test("an ES256 user token, key from the JWKS by kid", async () => {
    const { verifier } = verifierWith({ issuer });
    const claims = await verifier.verifyAccessToken(await es256());
    expect(claims).toMatchObject({ sub: userId, role: "authenticated", aud: "authenticated", email: "ann@example.test" });
    expect(jwks.fetches).toBe(1);
  });

  test("an RS256 user token from an RSA key in the JWKS", async () => {
    const { verifier } = verifierWith();
    expect((await verifier.verifyAccessToken(await sign(userClaims(), rsKey, { alg: "RS256", kid: rsKey.kid, typ: "JWT" }))).sub).toBe(userId);
  });

  test("a legacy HS256 user token signed with the project secret", async () => {
    const { verifier } = verifierWith();
    expect((await verifier.verifyAccessToken(await hs256())).sub).toBe(userId);
    expect(jwks.fetches).toBe(0);
  });

  test("an audience list that includes authenticated; an expiry within the clock tolerance", async () => {
    const { verifier } = verifierWith();
    await verifier.verifyAccessToken(await es256(userClaims({ aud: ["other", "authenticated"] })));
    await verifier.verifyAccessToken(await es256(userClaims({ exp: nowSeconds() - 10 })));
  });

  test("the cached JWKS serves later tokens without fetching again", async () => {
    const { verifier } = verifierWith();
    for (let i = 0; i < 5; i += 1) await verifier.verifyAccessToken(await es256());
    expect(jwks.fetches).toBe(1);
  });
});

describe("refused: algorithms", () => {
  test("alg none", () => expectRefused(handMade({ alg: "none", typ: "JWT" }, userClaims()), "algorithm_not_allowed"));

  test("alg none with a kid and a fake signature", () =>
    expectRefused(handMade({ alg: "none", kid: esKey.kid }, userClaims(), "c2lnbmF0dXJl"), "algorithm_not_allowed"));

  test("HS256 'signed' with the ES256 public key (algorithm confusion)", async () => {
    const { kty, crv, x, y } = esKey.publicJwk;
    const spki = await exportSPKI((await crypto.subtle.importKey("jwk", { kty, crv, x, y }, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"])) as CryptoKey);
    for (const publicKeyAsSecret of [JSON.stringify(esKey.publicJwk), spki]) {
      const forged = await sign(userClaims(), new TextEncoder().encode(publicKeyAsSecret), { alg: "HS256", kid: esKey.kid, typ: "JWT" });
      await expectRefused(forged, "bad_signature");
      // Without a legacy secret HS256 is not even considered.
      await expectRefused(forged, "algorithm_not_allowed", { legacyJwtSecret: undefined });
    }
  });

  test("HS256 with the wrong secret", () => expectRefused(hs256(userClaims(), "another-secret-that-is-at-least-32-characters"), "bad_signature"));

  test("algorithms other than ES256, RS256 and HS256", async () => {
    const hs512 = await sign(userClaims(), new TextEncoder().encode(legacySecret), { alg: "HS512" });
    await expectRefused(hs512, "algorithm_not_allowed");
    const es384 = await generateKeyPair("ES384");
    await expectRefused(new SignJWT(userClaims()).setProtectedHeader({ alg: "ES384", kid: esKey.kid }).sign(es384.privateKey), "algorithm_not_allowed");
    await expectRefused(handMade({ alg: "PS256", kid: rsKey.kid }, userClaims(), "AAAA"), "algorithm_not_allowed");
  });

  test("a kid of an RSA key presented as ES256, and the reverse", async () => {
    await expectRefused(handMade({ alg: "ES256", kid: rsKey.kid }, userClaims(), "AAAA"), "algorithm_not_allowed");
    await expectRefused(handMade({ alg: "RS256", kid: esKey.kid }, userClaims(), "AAAA"), "algorithm_not_allowed");
  });

  test("a symmetric key slipped into the JWKS is never used", async () => {
    const sneaky = "shared-secret-in-a-public-document!!";
    const { verifier } = verifierWith();
    jwks.keys = [...jwks.keys, { kty: "oct", kid: "sneaky", k: base64url.encode(new TextEncoder().encode(sneaky)), alg: "HS256" }];
    const hsWithKid = await sign(userClaims(), new TextEncoder().encode(sneaky), { alg: "HS256", kid: "sneaky" });
    expect((await refusal(verifier.verifyAccessToken(hsWithKid))).reason).toBe("bad_signature");
    const esWithKid = handMade({ alg: "ES256", kid: "sneaky" }, userClaims(), "AAAA");
    expect((await refusal(verifier.verifyAccessToken(esWithKid))).reason).toBe("unknown_key");
  });

  test("an ES256 token without a kid", () => expectRefused(sign(userClaims(), esKey, { alg: "ES256" }), "unknown_key"));
});

describe("refused: signature and shape", () => {
  test("a tampered payload (role and sub changed, signature kept)", async () => {
    const [header, , signature] = (await es256()).split(".");
    const payload = base64url.encode(new TextEncoder().encode(JSON.stringify(userClaims({ sub: crypto.randomUUID(), role: "service_role" }))));
    await expectRefused(`${header}.${payload}.${signature}`, "bad_signature");
  });

  test("a flipped signature, and a signature by another key under the same kid", async () => {
    const token = await es256();
    const signature = base64url.decode(token.split(".")[2]!);
    signature[0]! ^= 0xff;
    await expectRefused(`${token.split(".").slice(0, 2).join(".")}.${base64url.encode(signature)}`, "bad_signature");
    const impostor = await newKey("ES256", esKey.kid);
    await expectRefused(es256(userClaims(), impostor), "bad_signature");
  });

  test("malformed strings", async () => {
    const tooLong = `${handMade({ alg: "ES256", kid: esKey.kid }, { pad: "x".repeat(20_000) })}AAAA`;
    for (const token of ["", "abc", "a.b", "a.b.c.d", "not base64!.x.y", `${base64url.encode("hello")}.e30.AAAA`, "Bearer x.y.z", tooLong]) {
      await expectRefused(token, "malformed");
    }
  });

  test("a validly signed payload that is not a JSON object", async () => {
    for (const payload of ["hello", "[1,2]", "42"]) {
      const token = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(legacySecret));
      await expectRefused(token, "malformed");
    }
  });

  test("critical header extensions and unencoded payloads", async () => {
    await expectRefused(handMade({ alg: "ES256", kid: esKey.kid, crit: ["x"], x: 1 }, userClaims(), "AAAA"), "malformed");
    await expectRefused(handMade({ alg: "ES256", kid: esKey.kid, b64: false, crit: ["b64"] }, userClaims(), "AAAA"), "malformed");
  });
});

describe("refused: claims", () => {
  test("expired beyond the tolerance", () => expectRefused(es256(userClaims({ exp: nowSeconds() - 31 })), "expired"));
  test("no expiry at all", () => expectRefused(es256(userClaims({ exp: undefined })), "invalid_claims"));
  test("not valid before a future nbf", () => expectRefused(es256(userClaims({ nbf: nowSeconds() + 120 })), "not_yet_valid"));
  test("issued in the future (iat)", () => expectRefused(es256(userClaims({ iat: nowSeconds() + 120 })), "not_yet_valid"));
  test("a time claim that is not a number", () => expectRefused(hs256({ ...userClaims(), nbf: "soon" as never }), "invalid_claims"));
  test("the wrong audience", () => expectRefused(es256(userClaims({ aud: "anon" })), "wrong_audience"));
  test("no audience", () => expectRefused(es256(userClaims({ aud: undefined })), "wrong_audience"));
  test("the wrong issuer", () => expectRefused(es256(userClaims({ iss: "https://evil.example/auth/v1" })), "wrong_issuer"));
  test("no issuer", () => expectRefused(es256(userClaims({ iss: undefined })), "wrong_issuer"));
  test("an issuer that is not a string", () => expectRefused(hs256({ ...userClaims(), iss: [issuer] as never }), "wrong_issuer"));
  test("a list of issuers accepts each of them and nothing else", async () => {
    const customDomain = "https://auth.example.test/auth/v1";
    const { verifier } = verifierWith({ issuer: [issuer, customDomain] });
    for (const iss of [issuer, customDomain]) expect((await verifier.verifyAccessToken(await es256(userClaims({ iss })))).iss).toBe(iss);
    expect((await refusal(verifier.verifyAccessToken(await es256(userClaims({ iss: "https://other.example.test/auth/v1" }))))).reason).toBe("wrong_issuer");
  });
  test("a verifier cannot be made without an issuer", () => {
    for (const missing of [undefined, "", []]) {
      expect(() => createJwtVerifier({ jwksUrl: jwks.url, issuer: missing as never })).toThrow(/issuer/);
    }
  });
  test("the anon key is not a user token", () => expectRefused(demoKeys.anonKey, "role_not_allowed"));
  test("the service_role key is not a user token", () => expectRefused(demoKeys.serviceRoleKey, "role_not_allowed"));
  test("a signed token of role service_role with a user's shape", () => expectRefused(es256(userClaims({ role: "service_role" })), "role_not_allowed"));
  test("a missing sub", () => expectRefused(es256(userClaims({ sub: undefined })), "invalid_subject"));
  test("a sub that is not a uuid", () => expectRefused(es256(userClaims({ sub: "admin" })), "invalid_subject"));
  test("allowedRoles widens what is accepted", async () => {
    const { verifier } = verifierWith({ allowedRoles: ["authenticated", "anon"], audience: "authenticated" });
    // The anon key has no aud: still refused, for that reason now.
    expect((await refusal(verifier.verifyAccessToken(demoKeys.anonKey))).reason).toBe("wrong_audience");
  });
});

describe("the JWKS cache", () => {
  test("an unknown kid refetches the JWKS once, then is refused; more unknown kids wait for the cooldown", async () => {
    const { verifier, clock } = verifierWith({ jwksRefetchCooldownMs: 30_000 });
    await verifier.verifyAccessToken(await es256());
    expect(jwks.fetches).toBe(1);

    clock.offsetMs = 31_000;
    const stranger = await newKey("ES256");
    expect((await refusal(verifier.verifyAccessToken(await es256(userClaims(), stranger)))).reason).toBe("unknown_key");
    expect(jwks.fetches).toBe(2);

    // An attacker's burst of random kids inside the cooldown costs no fetch at all.
    const burst = await Promise.all(
      Array.from({ length: 20 }, async () => refusal(verifier.verifyAccessToken(handMade({ alg: "ES256", kid: crypto.randomUUID() }, userClaims(), "AAAA")))),
    );
    expect(new Set(burst.map((error) => error.reason))).toEqual(new Set(["unknown_key"]));
    expect(jwks.fetches).toBe(2);

    clock.offsetMs = 62_000;
    await refusal(verifier.verifyAccessToken(handMade({ alg: "ES256", kid: crypto.randomUUID() }, userClaims(), "AAAA")));
    expect(jwks.fetches).toBe(3);
  });

  test("a rotated-in key is picked up by the refetch its first token triggers", async () => {
    const { verifier, clock } = verifierWith();
    await verifier.verifyAccessToken(await es256());
    const next = await newKey("ES256");
    jwks.keys = [...jwks.keys, next.publicJwk];
    clock.offsetMs = 31_000;
    expect((await verifier.verifyAccessToken(await es256(userClaims(), next))).sub).toBe(userId);
    expect(jwks.fetches).toBe(2);
  });

  test("concurrent first verifications share one fetch", async () => {
    const { verifier } = verifierWith();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => es256()));
    await Promise.all(tokens.map((token) => verifier.verifyAccessToken(token)));
    expect(jwks.fetches).toBe(1);
  });

  test("a JWKS older than its max age is fetched again", async () => {
    const { verifier, clock } = verifierWith({ jwksMaxAgeMs: 600_000 });
    await verifier.verifyAccessToken(await es256());
    clock.offsetMs = 600_001;
    await verifier.verifyAccessToken(await es256(userClaims({ exp: nowSeconds() + 7200 })));
    expect(jwks.fetches).toBe(2);
  });

  test("an unreachable or hanging JWKS is JwksUnavailableError (503), not a refusal, and is not hammered", async () => {
    const down = verifierWith();
    jwks.mode = "down";
    await expect(down.verifier.verifyAccessToken(await es256())).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(down.verifier.verifyAccessToken(await es256())).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(jwks.fetches).toBe(1);

    const hanging = verifierWith({ jwksTimeoutMs: 200 });
    jwks.mode = "hang";
    const started = performance.now();
    await expect(hanging.verifier.verifyAccessToken(await es256())).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(performance.now() - started).toBeLessThan(2_000);
    jwks.mode = "up";
    hanging.clock.offsetMs = 31_000;
    expect((await hanging.verifier.verifyAccessToken(await es256(userClaims({ exp: nowSeconds() + 7200 })))).sub).toBe(userId);
  });
});

describe("bearer helpers", () => {
  test("readBearerToken takes exactly 'Bearer <token>', any case", () => {
    expect(readBearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(readBearerToken("bearer abc")).toBe("abc");
    for (const header of [null, undefined, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "Bearerabc"]) expect(readBearerToken(header)).toBeUndefined();
  });

  test("bearerChallenge names the reason without quotes breaking out", () => {
    expect(bearerChallenge()).toBe("Bearer");
    const challenge = bearerChallenge(new InvalidTokenError("algorithm_not_allowed", 'Algorithm "x\\"y" is not accepted'));
    expect(challenge).toBe('Bearer error="invalid_token", error_description="Algorithm xy is not accepted"');
  });
});
