// A client for tokenfetch-devserver's API: mint tokens, open login sessions (cookie or OAuth
// style), redeem refresh tokens, and drive the test controls (revoke, break refresh, delays,
// chaos, stats). One ES module with no imports and no DOM: a browser page loads it as is (the
// demos, the cross-tab page, the wasm-bindgen browser tests through their harness) and Node ≥ 20
// runs it with its global `fetch` (the end-to-end, tabs and bench scripts, tests/node); the
// package.json beside it tells Node this folder's .js files are ES modules.
//
// Every function takes the server's `origin` first: "http://127.0.0.1:8787", or "" in a page
// served by the devserver itself (paths then resolve against the page). Namespaces (`ns`) keep
// the counters and faults of one test apart: pick a fresh one per test (see `uniqueNs`).
//
//   import { mintToken, stats, tokenCallback } from "/shared/devserver.js";
//   const token = await mintToken(origin, ns, 300);
//   const client = new AuthClient({ token, onTokenExpired: tokenCallback(origin, ns, { ttl: 300 }) });
//   await client.fetch(`${origin}/api/me`);
//   (await stats(origin, ns)).tokensIssued; // 2 once a refresh ran

/**
 * Server counters of one namespace (`GET /control/stats`), as the devserver names them.
 * @typedef {object} Stats
 * @property {number} tokensIssued access tokens minted (mint, login, refresh grants)
 * @property {number} tokenCalls calls of `POST /auth/token`, whatever the answer
 * @property {number} refreshCalls calls of `/auth/refresh` and refresh grants at `/oauth/token`
 * @property {number} requests protected requests (`/api/me`, `/api/echo`)
 * @property {number} authorized protected requests whose token was accepted
 * @property {number} unauthorized protected requests answered 401 for their token
 * @property {number} scopeRequests requests to `/api/scope`
 * @property {number} openRequests requests to `/open/echo`
 * @property {number} openWithAuthorization `/open/echo` requests that carried `Authorization`
 * @property {number} generation revocation generation (`/control/revoke` adds one)
 * @property {number} maxSendsPerRequestId most sends seen for one `X-Request-Id`
 * @property {number} distinctRequestIds how many `X-Request-Id` values were seen
 * @property {number} chaos401 chaos: 401s for valid tokens
 * @property {number} chaos500 chaos: 500s
 * @property {number} chaosDropped chaos: cut connections
 * @property {boolean} chaosActive chaos mode is on
 * @property {number} sessionsOpened logins (`/auth/login`, `/oauth/login`)
 * @property {number} rotations refresh grants that spent a refresh token and handed out its successor
 * @property {number} reuseTolerated spent refresh tokens accepted again within the reuse interval
 * @property {number} reuseDetected spent refresh tokens presented again (outside the interval)
 * @property {number} sessionsRevoked sessions revoked because of a reuse
 * @property {number} invalidGrants refresh grants refused with `invalid_grant`
 * @property {string|null} lastAuthScheme `Authorization` scheme of the last protected request
 * @property {Record<string, number>} authSchemes protected requests per `Authorization` scheme
 */

/**
 * What the devserver answers for a token: `access_token` (an HS256 JWT with `iat`, `exp`, `ns`),
 * `token_type` ("Bearer"), `expires_in` (seconds), and `refresh_token` from `/oauth/*` only.
 * A refused OAuth grant answers `{ error, error_description }` instead (`invalid_grant`,
 * `invalid_request`, `unsupported_grant_type`).
 * @typedef {{ access_token?: string, token_type?: string, expires_in?: number,
 *   refresh_token?: string, error?: string, error_description?: string }} TokenBody
 */

/** `path` plus a query string of the defined, non-null entries of `params`. */
function url(origin, path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) query.set(name, String(value));
  }
  const text = query.toString();
  return `${origin}${path}${text ? `?${text}` : ""}`;
}

/** Reads a JSON answer; throws an `Error` naming the route and status unless it is 2xx. */
async function json(response, what) {
  if (!response.ok) {
    const detail = await response.text().catch(() => "");
    throw new Error(`${what} answered ${response.status}${detail ? `: ${detail.slice(0, 200)}` : ""}`);
  }
  return response.json();
}

/**
 * A namespace name no other run uses: `name` plus a random suffix.
 * @param {string} name
 * @returns {string}
 */
export function uniqueNs(name) {
  return `${name}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Mints an access token without a session (`POST /auth/token`).
 * @param {string} origin
 * @param {string} ns
 * @param {number} ttl lifetime in seconds; 0 or negative gives an already expired token
 * @param {{ delayMs?: number, signal?: AbortSignal }} [options] the server waits `delayMs` first
 * @returns {Promise<TokenBody>} `{ access_token, token_type, expires_in }`
 */
export async function issueToken(origin, ns, ttl, { delayMs, signal } = {}) {
  const response = await fetch(url(origin, "/auth/token", { ns, ttl, delay: delayMs }), { method: "POST", signal });
  return json(response, "POST /auth/token");
}

/**
 * Mints an access token without a session and resolves to the token itself.
 * @param {string} origin
 * @param {string} ns
 * @param {number} ttl lifetime in seconds; 0 or negative gives an already expired token
 * @returns {Promise<string>}
 */
export async function mintToken(origin, ns, ttl) {
  return (await issueToken(origin, ns, ttl)).access_token;
}

/**
 * POSTs to any devserver route (with cookies) and resolves to its JSON answer; throws unless 2xx.
 * For the control routes: `/control/revoke?ns`, `/control/refresh-fail?ns&seconds`,
 * `/control/delay?ns&ms`, `/control/chaos?ns&seconds&p401&p500&pDrop&maxDelayMs&refresh&seed`,
 * `/control/reset?ns`, and `/auth/login?ns&ttl&reuseInterval`.
 * @param {string} origin
 * @param {string} path the path with its query string, e.g. `/control/revoke?ns=a`
 * @returns {Promise<any>}
 */
export async function control(origin, path) {
  const response = await fetch(origin + path, { method: "POST", credentials: "include" });
  return json(response, `POST ${path.split("?")[0]}`);
}

/**
 * Every token of `ns` issued so far is rejected from now on (sessions stay valid).
 * @param {string} origin
 * @param {string} ns
 * @returns {Promise<{ ns: string, generation: number }>}
 */
export function revoke(origin, ns) {
  return control(origin, url("", "/control/revoke", { ns }));
}

/**
 * The refresh endpoints (`/auth/refresh`, `/oauth/token`) of `ns` answer 503 for `seconds`
 * (0 ends it).
 * @param {string} origin
 * @param {string} ns
 * @param {number} seconds
 */
export function breakRefresh(origin, ns, seconds) {
  return control(origin, url("", "/control/refresh-fail", { ns, seconds }));
}

/**
 * Counters, faults and revocations of `ns` back to zero (login sessions stay).
 * @param {string} origin
 * @param {string} ns
 */
export function reset(origin, ns) {
  return control(origin, url("", "/control/reset", { ns }));
}

/**
 * The server's counters for `ns`.
 * @param {string} origin
 * @param {string} ns
 * @returns {Promise<Stats>}
 */
export async function stats(origin, ns) {
  return json(await fetch(url(origin, "/control/stats", { ns })), "GET /control/stats");
}

/**
 * Opens a cookie session (`POST /auth/login`): the HttpOnly `tf_session` cookie gets the refresh
 * token, which `refreshUrl: origin + "/auth/refresh"` then redeems.
 * @param {string} origin
 * @param {string} ns
 * @param {{ ttl?: number, reuseInterval?: number }} [options] access-token lifetime (s); how long
 *   (s) a spent refresh token may come back without revoking the session (default 0)
 * @returns {Promise<TokenBody>} `{ access_token, token_type, expires_in }`
 */
export function login(origin, ns, { ttl, reuseInterval } = {}) {
  return control(origin, url("", "/auth/login", { ns, ttl, reuseInterval }));
}

/**
 * Opens an OAuth-style session (`POST /oauth/login`): no cookie, the refresh token is in the
 * answer and rotates on every use.
 * @param {string} origin
 * @param {string} ns
 * @param {{ ttl?: number, reuseInterval?: number }} [options] access-token lifetime (s) of every
 *   grant of the session; reuse interval (s, default 0: any reuse revokes the session)
 * @returns {Promise<TokenBody>} `{ access_token, token_type, expires_in, refresh_token }`
 */
export async function oauthLogin(origin, ns, { ttl, reuseInterval } = {}) {
  const response = await fetch(url(origin, "/oauth/login", { ns, ttl, reuseInterval }), { method: "POST" });
  return json(response, "POST /oauth/login");
}

/**
 * Redeems a refresh token (`POST /oauth/token`, `grant_type=refresh_token`, form body as RFC 6749
 * has it). Resolves to the answer whatever its status: a grant carries the successor
 * `refresh_token` (the presented one is spent), a refusal carries `error` (`invalid_grant` for a
 * reused token, which revokes the session, or one of a revoked session). `status` is added.
 * @param {string} origin
 * @param {string} refreshToken
 * @param {{ ttl?: number, delayMs?: number, signal?: AbortSignal }} [options] lifetime (s) of this
 *   access token instead of the session's; the server waits `delayMs` before answering
 * @returns {Promise<TokenBody & { status: number }>}
 */
export async function oauthToken(origin, refreshToken, { ttl, delayMs, signal } = {}) {
  const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
  const response = await fetch(url(origin, "/oauth/token", { ttl, delay: delayMs }), { method: "POST", body, signal });
  const answer = await response.json().catch(() => ({ error: "not_json" }));
  return { ...answer, status: response.status };
}

/**
 * An `onTokenExpired` for tokenfetch that mints a token of `ns` at `POST /auth/token`, giving up
 * (like a careful app) on an answer slower than `timeoutMs`. `fn.calls` counts its calls.
 * @param {string} origin
 * @param {string} ns
 * @param {{ ttl?: number, delayMs?: number, shape?: "string" | "object", timeoutMs?: number }} [options]
 *   lifetime (s, default 300); server delay (ms); answer the token (`"string"`, default) or the whole
 *   body with `expires_in` (`"object"`); client-side timeout (ms, default 3000)
 * @returns {(() => Promise<string | TokenBody>) & { calls: number }}
 */
export function tokenCallback(origin, ns, { ttl = 300, delayMs = 0, shape = "string", timeoutMs = 3000 } = {}) {
  const fn = async () => {
    fn.calls++;
    const body = await issueToken(origin, ns, ttl, { delayMs, signal: AbortSignal.timeout(timeoutMs) });
    return shape === "object" ? body : body.access_token;
  };
  fn.calls = 0;
  return fn;
}

/**
 * An `onTokenExpired` for tokenfetch that does what an OAuth SPA SDK does with refresh-token
 * rotation: redeems the session's current refresh token at `/oauth/token`, keeps the successor
 * for next time, and answers `{ access_token, expires_in }`. A refused grant (`invalid_grant`:
 * reuse detected, session revoked) answers `false`, "signed out"; anything else throws.
 * `fn.calls` counts calls, `fn.refused` refusals.
 * @param {string} origin
 * @param {TokenBody} session what `oauthLogin` answered (its `refresh_token` is used first)
 * @param {{ ttl?: number, delayMs?: number }} [options] lifetime (s) of the new access tokens
 *   (default: the session's); server delay (ms) of each grant
 * @returns {(() => Promise<TokenBody | false>) & { calls: number, refused: number }}
 */
export function oauthCallback(origin, session, { ttl, delayMs } = {}) {
  let refreshToken = session.refresh_token;
  const fn = async () => {
    fn.calls++;
    const answer = await oauthToken(origin, refreshToken, { ttl, delayMs });
    if (answer.error === "invalid_grant") {
      fn.refused++;
      return false;
    }
    if (answer.status !== 200 || typeof answer.refresh_token !== "string") {
      throw new Error(`POST /oauth/token answered ${answer.status} ${answer.error ?? ""}`);
    }
    refreshToken = answer.refresh_token;
    return { access_token: answer.access_token, expires_in: answer.expires_in };
  };
  fn.calls = 0;
  fn.refused = 0;
  return fn;
}

// DPoP (RFC 9449) test controls. A namespace in DPoP mode binds the tokens its token endpoints
// issue to the key of the request's proof (`cnf.jkt`, `token_type: "DPoP"`), or to `dpop_jkt`;
// its protected routes then demand `Authorization: DPoP <token>` with a proof of that key, and
// refuse the token sent as Bearer. Nonces are kept per origin (the devserver's two ports are two
// origins) and every answer to that origin carries the current one in `DPoP-Nonce`.

/**
 * One request the namespace's DPoP checks judged (`GET /control/dpop-log`). Proof fields are
 * what the proof said, as far as it could be read; never a token or a proof itself.
 * @typedef {object} DpopLogEntry
 * @property {number} seq order of arrival, from 1
 * @property {"token" | "resource"} endpoint a token endpoint, or a protected route
 * @property {string} route the path
 * @property {string} origin the origin the request was sent to, e.g. "http://127.0.0.1:8788"
 * @property {string} method
 * @property {string} expectedHtu the `htu` the server expected
 * @property {string | null} scheme the `Authorization` scheme as sent (protected routes)
 * @property {boolean} proof a `DPoP` header came
 * @property {string | null} htm
 * @property {string | null} htu
 * @property {number | null} iat the proof's `iat`
 * @property {string | null} jti
 * @property {string | null} jkt thumbprint of the proof's key
 * @property {string | null} nonce the nonce the proof carried
 * @property {number} serverTime the server's clock (the namespace's) at the check, seconds
 * @property {"current" | "previous" | "missing" | "stale" | null} nonceCheck null: not checked
 * @property {boolean | null} athMatched null: no token to hash (token endpoints) or not reached
 * @property {string | null} boundJkt the key the token or session is bound to
 * @property {number | null} checkMicros µs the server took to check the proof (null: no single proof)
 * @property {boolean} accepted
 * @property {string | null} reason why it was refused: `use_dpop_nonce`, `missing_proof`,
 *   `multiple_proofs`, `malformed_proof`, `bad_typ`, `bad_alg`, `bad_jwk`, `private_jwk`,
 *   `bad_signature`, `bad_claims`, `htm_mismatch`, `htu_mismatch`, `iat_out_of_window`,
 *   `jti_reused`, `ath_missing`, `ath_mismatch`, `jkt_mismatch`, `bearer_for_bound_token`,
 *   `unbound_token`, or `token_expired` / `token_revoked` / `token_malformed` / … for a good
 *   proof with a bad token
 */

/**
 * What a namespace's DPoP checks saw (`GET /control/dpop-log`).
 * @typedef {object} DpopLog
 * @property {string} ns
 * @property {boolean} enabled
 * @property {"required" | "off" | null} nonce
 * @property {number | null} rotate accepted uses after which a nonce rotates (0: never by itself)
 * @property {number} serverTime
 * @property {DpopLogEntry[]} entries in order (the last 10,000)
 * @property {number} dropped entries pushed out by that bound
 * @property {Record<string, { current: string, previous: string | null, issued: string[] }>} nonces
 *   per origin
 * @property {string[]} keys thumbprints of the keys whose proofs' signatures verified, first seen first
 * @property {{ enabled: boolean, proofs: number, accepted: number, refused: number,
 *   nonceChallenges: number, boundTokensIssued: number }} counts also `stats(...).dpop`
 */

/**
 * Switches DPoP mode on for `ns` (`POST /control/dpop`); again to change its settings.
 * @param {string} origin
 * @param {string} ns
 * @param {{ nonce?: "required" | "off", rotate?: number }} [options] nonces required (default)
 *   or not; rotate a nonce after that many accepted uses (default 0: only `rotateNonce` does)
 * @returns {Promise<{ ns: string, enabled: boolean, nonce: string, rotate: number }>}
 */
export function enableDpop(origin, ns, { nonce, rotate } = {}) {
  return control(origin, url("", "/control/dpop", { ns, nonce, rotate }));
}

/**
 * Switches DPoP mode off for `ns` (tokens already bound stay bound; the log stays).
 * @param {string} origin
 * @param {string} ns
 */
export function disableDpop(origin, ns) {
  return control(origin, url("", "/control/dpop", { ns, mode: "off" }));
}

/**
 * Gives `ns` new nonces (`POST /control/dpop-rotate`): for `nonceOrigin` only (e.g. the second
 * origin, "http://127.0.0.1:8788"), else for every origin that has one. The previous nonce stays
 * accepted until the next rotation.
 * @param {string} origin
 * @param {string} ns
 * @param {{ nonceOrigin?: string }} [options]
 * @returns {Promise<{ ns: string, nonces: Record<string, string> }>} the current nonce per origin
 */
export function rotateNonce(origin, ns, { nonceOrigin } = {}) {
  return control(origin, url("", "/control/dpop-rotate", { ns, origin: nonceOrigin }));
}

/**
 * Everything the DPoP checks of `ns` saw.
 * @param {string} origin
 * @param {string} ns
 * @returns {Promise<DpopLog>}
 */
export async function dpopLog(origin, ns) {
  return json(await fetch(url(origin, "/control/dpop-log", { ns })), "GET /control/dpop-log");
}

/**
 * Moves the server's clock for `ns` (`POST /control/clock`): `offsetSeconds` ahead (behind if
 * negative; 0 puts it back). Token `iat`/`exp`, expiry, the proof `iat` window (60 s either way)
 * and the `Date` header of that namespace's answers follow; other namespaces keep the real clock.
 * @param {string} origin
 * @param {string} ns
 * @param {number} offsetSeconds
 * @returns {Promise<{ ns: string, offsetSeconds: number, serverTime: number }>}
 */
export function shiftServerClock(origin, ns, offsetSeconds) {
  return control(origin, url("", "/control/clock", { ns, offsetSeconds }));
}

/**
 * Mints an access token bound to the DPoP key whose thumbprint is `dpopJkt`
 * (`POST /auth/token?dpop_jkt`, no proof needed; `ns` must be in DPoP mode), as a provider does
 * after an authorization request with `dpop_jkt`. With `bearer: true` instead, a plain Bearer
 * token in DPoP mode (the client's Bearer fallback).
 * @param {string} origin
 * @param {string} ns
 * @param {number} ttl lifetime in seconds
 * @param {{ dpopJkt?: string, bearer?: boolean }} options
 * @returns {Promise<TokenBody>} `{ access_token, token_type: "DPoP" | "Bearer", expires_in }`
 */
export async function issueDpopToken(origin, ns, ttl, { dpopJkt, bearer } = {}) {
  const params = { ns, ttl, dpop_jkt: dpopJkt, bearer: bearer ? 1 : undefined };
  const response = await fetch(url(origin, "/auth/token", params), { method: "POST" });
  return json(response, "POST /auth/token");
}

/**
 * Opens an OAuth-style session bound to the DPoP key whose thumbprint is `dpopJkt`
 * (`POST /oauth/login?dpop_jkt`): the access token is bound to it, and every refresh grant of the
 * session must carry a proof of that key (`auth: "proof"`), else `400 invalid_dpop_proof`.
 * @param {string} origin
 * @param {string} ns a namespace in DPoP mode
 * @param {string} dpopJkt the client's `dpopThumbprint()`
 * @param {{ ttl?: number, reuseInterval?: number }} [options] as for `oauthLogin`
 * @returns {Promise<TokenBody>} `{ access_token, token_type: "DPoP", expires_in, refresh_token }`
 */
export async function oauthLoginBound(origin, ns, dpopJkt, { ttl, reuseInterval } = {}) {
  const response = await fetch(url(origin, "/oauth/login", { ns, ttl, reuseInterval, dpop_jkt: dpopJkt }), {
    method: "POST",
  });
  return json(response, "POST /oauth/login");
}
