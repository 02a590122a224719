// An unsigned JWT with the given claims: the client reads `exp`/`iat` and never checks signatures.
const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function jwt(claims) {
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A token expiring `seconds` from now; returns it with its `exp` in ms. */
export function tokenExpiringIn(seconds) {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + seconds;
  return { token: jwt({ sub: "test", iat: now, exp }), expiresAt: exp * 1000 };
}
