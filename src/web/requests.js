import { proof } from "./dpop.js";

// The host work of one request, a call from wasm each. Done from Rust, every property read is a
// call out of wasm and every name a string decoded from wasm memory (about 70 calls and 20
// strings per request, measured as most of the client's overhead over raw fetch); here the names
// are JS literals. What to do stays in Rust: these only read and send.

/** `new Request(input, init)`, as `fetch` builds it: what the arguments hold is read now. */
export function request(input, init) {
  return new Request(input, init);
}

/**
 * What a new request tells the engine: its URL; `null` when it carries an `Authorization` of its
 * own; `false` when its signal is already aborted.
 */
export function target(request) {
  if (request.signal.aborted) return false;
  return request.headers.has("Authorization") ? null : request.url;
}

/**
 * Sends `pristine` (the client's own `Request`, never the caller's) through the global `fetch` as
 * it is at this moment, with `Authorization: authorization` (none when that is `undefined`), and
 * hands the response to `onResponse`. A request with a body is sent as a copy, so that a retry
 * still has the body; one without (most requests) is sent itself, since `fetch` takes a copy of
 * it anyway and a retry only sets the header again.
 */
export function send(pristine, authorization, onResponse) {
  const request = pristine.body === null ? pristine : pristine.clone();
  if (authorization === undefined) request.headers.delete("Authorization");
  else request.headers.set("Authorization", authorization);
  return fetch(request).then(onResponse);
}

/**
 * A response's status, its `Date` (ms since the epoch) and whether it has an `Age`, as one number:
 * `date * 2048 + status * 2 + age`, exact below 2^53; `date` is 0 without a readable `Date` (or
 * one past 2096).
 */
export function head(response) {
  const { headers, status } = response;
  const date = Date.parse(headers.get("Date"));
  return date > 0 && date < 4e12 ? date * 2048 + status * 2 + (headers.has("Age") ? 1 : 0) : status * 2;
}

/**
 * `send` with DPoP: the request (to `to` when a redirect resend moved it) gets `Authorization:
 * authorization` when there is one (a proof-only request keeps the caller's headers as they are)
 * and a `DPoP` header with a proof of `htm`, `htu`, `iat` and `nonce` made with `ring`'s key,
 * whose `ath` hashes the token of `authorization` when `ath` is set.
 */
export function sendWithProof(pristine, authorization, to, ring, htm, htu, iat, nonce, ath, onResponse) {
  const request = to !== undefined ? new Request(to, pristine) : pristine.body === null ? pristine : pristine.clone();
  if (authorization !== undefined) request.headers.set("Authorization", authorization);
  const token = ath ? authorization.slice(authorization.indexOf(" ") + 1) : undefined;
  return proof(ring, htm, htu, iat, nonce, token)
    .then((value) => {
      request.headers.set("DPoP", value);
      return fetch(request);
    })
    .then(onResponse);
}

/** A response's `DPoP-Nonce`, if any. */
export function nonce(response) {
  return response.headers.get("DPoP-Nonce") ?? undefined;
}

/** The URL that answered, when a redirect led there. */
export function redirectedTo(response) {
  return response.redirected ? response.url : undefined;
}

/** The `error` member of a response's JSON body, read from a copy (the caller may get it still). */
export function errorCode(response) {
  return response
    .clone()
    .json()
    .then((body) => (typeof body?.error === "string" ? body.error : undefined), () => undefined);
}
