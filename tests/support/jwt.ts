// Reading a JWT without verifying it: tests look at what their own tokens say.

/** The payload of a JWT, unverified. */
export function jwtClaims(token: string): Record<string, any> {
  return decodeSegment(token, 1);
}

/** The protected header of a JWT, unverified. */
export function jwtHeader(token: string): Record<string, unknown> {
  return decodeSegment(token, 0);
}

function decodeSegment(token: string, index: number): Record<string, any> {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"));
}
