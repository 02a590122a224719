// A small resource server (node:http) in front of the provider's tokens, checking with `jose`
// what RFC 9449 §7 has a resource server check: `Authorization: DPoP <token>` and one `DPoP`
// proof (support/dpop.js: signature by the embedded key, typ, ES256, htm, htu, iat, jti, ath),
// no jti twice, its own nonce (401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` with
// `DPoP-Nonce` until a proof carries it), and the access token: a JWT (typ at+jwt) signed by the
// provider's key from its jwks_uri, for this audience, unexpired, whose `cnf.jkt` is the
// thumbprint of the proof's key. `revoke(jti)` makes it refuse one token from then on, as a
// resource server told of a revocation would; `rotateNonce()` makes its next accepted answer
// announce a new nonce (`DPoP-Nonce`) and demand that one from then on. `log` holds one entry
// per request, `nonce` the nonce it demands, `challenges` how many times it demanded it.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { checkProof } from "../support/dpop.js";
import { listen } from "./provider.js";

export async function startResourceServer() {
  const server = createServer();
  const origin = await listen(server);
  const state = {
    origin,
    resource: `${origin}/`,
    nonce: randomBytes(16).toString("base64url"),
    log: [],
    challenges: 0,
    revoked: new Set(),
    jtis: new Set(),
    trust: null, // { issuer, jwksUri }, set once the provider runs
    revoke: (jti) => state.revoked.add(jti),
    rotateNonce: () => (state.nextNonce = randomBytes(16).toString("base64url")),
    nextNonce: null,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
  let jwks = null;

  server.on("request", async (req, res) => {
    const url = new URL(req.url, origin);
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const entry = { method: req.method, path: url.pathname, scheme: null, proofNonce: null, ath: null, tokenJti: null, jkt: null, accepted: false, reason: null };
    state.log.push(entry);
    const answer = (status, body, headers = {}) => {
      res.writeHead(status, { "Content-Type": "application/json", "DPoP-Nonce": state.nonce, ...headers });
      res.end(JSON.stringify(body));
    };
    const refuse = (reason, error = "invalid_token") => {
      entry.reason = reason;
      const challenge = `DPoP error="${error}", error_description="${reason}", algs="ES256"`;
      answer(401, { error, reason }, { "WWW-Authenticate": challenge });
    };

    const [scheme, token, ...rest] = (req.headers.authorization ?? "").split(" ");
    entry.scheme = scheme || null;
    if (scheme !== "DPoP" || !token || rest.length) return refuse("dpop_scheme_required", "invalid_request");
    const proofs = (req.headers.dpop ?? "").split(",").filter(Boolean); // Node joins repeated headers with ", "
    if (proofs.length !== 1) return refuse(proofs.length ? "multiple_proofs" : "missing_proof", "invalid_dpop_proof");
    const proof = await checkProof(proofs[0].trim(), { method: req.method, url: url.href, token });
    entry.proofNonce = proof.payload?.nonce ?? null;
    entry.ath = proof.payload?.ath ?? null;
    if (!proof.ok) return refuse(proof.reason, "invalid_dpop_proof");
    if (state.jtis.has(proof.payload.jti)) return refuse("jti_reused", "invalid_dpop_proof");
    state.jtis.add(proof.payload.jti);
    if (proof.payload.nonce !== state.nonce) {
      state.challenges++;
      return refuse("use_dpop_nonce", "use_dpop_nonce");
    }

    let claims;
    try {
      jwks ??= createRemoteJWKSet(new URL(state.trust.jwksUri));
      ({ payload: claims } = await jwtVerify(token, jwks, {
        issuer: state.trust.issuer,
        audience: state.resource,
        typ: "at+jwt",
        algorithms: ["ES256"],
      }));
    } catch (error) {
      return refuse(`token: ${error.code ?? error.message}`);
    }
    entry.tokenJti = claims.jti;
    entry.jkt = claims.cnf?.jkt ?? null;
    if (claims.cnf?.jkt !== proof.jkt) return refuse("jkt_mismatch");
    if (state.revoked.has(claims.jti)) return refuse("token_revoked");
    entry.accepted = true;
    if (state.nextNonce) [state.nonce, state.nextNonce] = [state.nextNonce, null];
    answer(200, {
      sub: claims.sub,
      client_id: claims.client_id,
      scope: claims.scope,
      jkt: claims.cnf.jkt,
      method: req.method,
      path: url.pathname,
      body: Buffer.concat(chunks).toString(),
    });
  });
  return state;
}
