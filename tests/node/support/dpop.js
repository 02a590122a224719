// A DPoP proof checked the way RFC 9449 §4.3 has a server check it, with `jose` (not with any
// code of tokenfetch's): the JWS against the key in its own header (`EmbeddedJWK`), `typ`
// dpop+jwt, `alg` ES256, a public P-256 key and nothing else, `htm`, `htu` (the URL without query
// and fragment), `iat` near the checker's clock, a `jti` of at least 128 bits, `ath` (the SHA-256
// of the token, or none for a proof without one) and the `nonce` expected. The interop test's
// resource server and the Node tests both use it.
import { createHash } from "node:crypto";
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from "jose";

/** base64url SHA-256 of `text`: a proof's `ath` for the token `text`. */
export const sha256 = (text) => createHash("sha256").update(text).digest("base64url");

/** The `htu` a server expects for `url`: the URL as the WHATWG parser writes it, no query or fragment. */
export function expectedHtu(url) {
  const u = new URL(url);
  u.search = "";
  u.hash = "";
  return u.href;
}

/**
 * Checks `proof` for a request `method url` (with `token`, or none); `nonce` undefined means
 * "any or none", null means "none". Resolves to `{ ok: true, header, payload, jkt }` or
 * `{ ok: false, reason, payload? }` where reason names the first check that failed.
 */
export async function checkProof(proof, { method, url, token = null, nonce, now = Date.now() / 1000, maxSkewSeconds = 60 }) {
  if (typeof proof !== "string" || proof.split(".").length !== 3) return { ok: false, reason: "no_proof" };
  let verified;
  try {
    verified = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: ["ES256"] });
  } catch (error) {
    return { ok: false, reason: `jws: ${error.code ?? error.message}` };
  }
  const { payload, protectedHeader: header } = verified;
  const fail = (reason) => ({ ok: false, reason, header, payload });
  const jwk = header.jwk;
  if (Object.keys(header).sort().join() !== "alg,jwk,typ") return fail("header_members");
  if (Object.keys(jwk).sort().join() !== "crv,kty,x,y" || jwk.kty !== "EC" || jwk.crv !== "P-256") return fail("jwk_members");
  if (payload.htm !== method) return fail("htm");
  if (payload.htu !== expectedHtu(url)) return fail("htu");
  if (!Number.isInteger(payload.iat) || Math.abs(payload.iat - now) > maxSkewSeconds) return fail("iat");
  if (typeof payload.jti !== "string" || !/^[\w-]{22,}$/.test(payload.jti)) return fail("jti"); // 22 base64url chars ≥ 128 bits
  if (token === null ? "ath" in payload : payload.ath !== sha256(token)) return fail("ath");
  if (nonce === null ? "nonce" in payload : nonce !== undefined && payload.nonce !== nonce) return fail("nonce");
  return { ok: true, header, payload, jkt: await calculateJwkThumbprint(jwk, "sha256") };
}

/** Like `checkProof`, but throws an Error naming the failed check: for `expect(...).resolves`. */
export async function verifyProof(proof, expected) {
  const result = await checkProof(proof, expected);
  if (!result.ok) throw new Error(`DPoP proof refused: ${result.reason} (${JSON.stringify(result.payload ?? null)})`);
  return result;
}
