// What the /plain/ and /react/ demos share: settings from the URL, the demo server's login and
// control routes, the token source of each mode (Bearer, DPoP), and how the client's events, the
// demo's requests and the server's DPoP log read on the token timeline. Plain JavaScript with no
// DOM and no framework, so the plain page loads it as is and Vite bundles it into the React app.
// Each page renders the timeline its own way. The routes themselves are called through
// ./devserver.js, the one client of the devserver's API.

import * as devserver from "./devserver.js";

/**
 * Demo settings, each overridable in the page's query string (the end-to-end tests use that to
 * run with short tokens): `?ns=demo&ttl=20&ahead=5&every=2000&fail=15&auto=1&dpop=1`.
 */
export function readSettings(search = globalThis.location?.search ?? "") {
  const q = new URLSearchParams(search);
  const num = (name, fallback, min, max) => {
    const raw = q.get(name);
    const value = raw === null || raw === "" ? NaN : Number(raw);
    return Number.isFinite(value) && value >= min && value <= max ? value : fallback;
  };
  const ns = q.get("ns") ?? "";
  // DPoP (RFC 9449): the switch on the page reloads it with ?dpop=1, since a client's options are
  // fixed when it is made. The page puts its namespace in that mode on the server as it loads.
  const dpop = q.get("dpop") === "1";
  return {
    // Server-side namespace: the revoke and broken-refresh buttons act on it. The demo server
    // keeps one session cookie per origin, so every demo tab shares one namespace by default (one
    // per mode: a Bearer tab and a DPoP tab of one namespace would switch its mode back and forth).
    ns: /^[A-Za-z0-9_.-]{1,64}$/.test(ns) ? ns : dpop ? "demo-dpop" : "demo",
    dpop,
    // The endpoint that refreshes: the client's refreshUrl (Bearer), or the OAuth token endpoint
    // the DPoP token source calls with a proof.
    refreshPath: dpop ? "/oauth/token" : "/auth/refresh",
    // Token lifetime asked for at login, seconds; null leaves it to the server (20 s by default).
    ttl: num("ttl", null, 1, 3600),
    // The client's refreshAheadSeconds: 5 s suits 20 s tokens.
    ahead: num("ahead", 5, 0, 3600),
    // Milliseconds between two automatic GET /api/me.
    every: num("every", 2000, 200, 60000),
    // How long the "break refresh" button makes the refresh endpoint fail, seconds.
    failSeconds: num("fail", 15, 1, 600),
    // Start with automatic requests on (?auto=0 to start paused).
    auto: q.get("auto") !== "0",
  };
}

/** The page's query string with the DPoP switch `on` (the page then loads in that mode). */
export function dpopSearch(search, on) {
  const q = new URLSearchParams(search);
  if (on) q.set("dpop", "1");
  else q.delete("dpop");
  return `?${q}`;
}

/** What the DPoP switch means in the mode `settings` is in (shown under the switch). */
export function dpopNote({ dpop, refreshPath }) {
  return dpop
    ? `On: the namespace is in DPoP mode on the server (nonces required). The login sent dpop_jkt, so the tokens are bound to this page's key; every request carries Authorization: DPoP and a fresh proof, and refreshes go to ${refreshPath} with auth: "proof". A copy of the token is refused anywhere else: try the replay.`
    : "Off: the token is a bearer token, and whoever holds a copy of it can use it. Switch DPoP on (the page reloads) to bind it to a key that never leaves this browser.";
}

/**
 * Where the demo's tokens come from, in the mode `settings.dpop` picks. It is also the one place
 * that sees the access tokens the server answers, which the "replay" button needs: tokenfetch
 * never hands its token out (keeping a copy, as `source.token` does, is the demo's shortcut; an
 * app keeps none).
 *
 * - Bearer: `login` opens a cookie session (`POST /auth/login`: the refresh token goes into an
 *   HttpOnly cookie that page scripts cannot read); the client refreshes at
 *   `refreshUrl: "/auth/refresh"` by itself.
 * - DPoP, as the package README's provider walk-through has it: `login` is the authorization
 *   request, `/oauth/login?dpop_jkt=<await client.dpopThumbprint()>`, which binds the session and
 *   its tokens to the client's key; `onTokenExpired` redeems the refresh token at `/oauth/token`
 *   through `client.fetch(…, { auth: "proof" })`, so that each grant carries a proof of the key
 *   (a bound refresh token is useless elsewhere too).
 */
export function tokenSource({ ns, ttl, dpop }) {
  let client = null;
  let refreshToken = null;
  const accept = (body) => {
    const token = body.access_token;
    if (typeof token !== "string" || token === "") throw new Error("the server answered without a token");
    source.token = token;
    refreshToken = body.refresh_token ?? refreshToken;
    return { token, expiresIn: Number(body.expires_in) || null };
  };
  const source = {
    /** The last access token the server answered. */
    token: null,
    /** The client's options in this mode, with `extra` (refreshAheadSeconds, onEvent). */
    options: (extra) => ({ dpop, ...(dpop ? { onTokenExpired: () => source.refresh() } : { refreshUrl: "/auth/refresh" }), ...extra }),
    /** Puts the namespace in this mode, logs in for `c` and resolves to `{ token, expiresIn }`. */
    async login(c) {
      client = c;
      await (dpop ? devserver.enableDpop("", ns) : devserver.disableDpop("", ns));
      // The page is served by the demo server: origin "" keeps the calls same-origin.
      return accept(await (dpop ? devserver.oauthLoginBound("", ns, await c.dpopThumbprint(), { ttl }) : devserver.login("", ns, { ttl })));
    },
    /** DPoP's onTokenExpired: the refresh_token grant, proven with the client's key. */
    async refresh() {
      const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
      const res = await client.fetch("/oauth/token", { auth: "proof", method: "POST", body });
      const answer = await res.json().catch(() => ({}));
      if (answer.error === "invalid_grant") return false; // the session is over: signed out
      if (!res.ok) throw new Error(`/oauth/token answered ${res.status}${answer.error ? ` ${answer.error}` : ""}`);
      accept(answer);
      return { access_token: answer.access_token, token_type: answer.token_type, expires_in: answer.expires_in };
    },
  };
  return source;
}

/** The demo server's test controls for namespace `ns`. */
export const server = {
  /** Every token issued so far for `ns` is rejected from now on (the session stays valid). */
  revokeAll: (ns) => devserver.revoke("", ns),
  /** `/auth/refresh` and `/oauth/token` answer 503 for `seconds`. */
  breakRefresh: (ns, seconds) => devserver.breakRefresh("", ns, seconds),
  /** Forgets the namespace's faults and counters. */
  reset: (ns) => devserver.reset("", ns),
  /**
   * New nonces, twice: the server still accepts the previous nonce after one rotation, so after
   * two the client's nonce is stale and its next request meets a `use_dpop_nonce` challenge.
   */
  expireNonces: async (ns) => {
    await devserver.rotateNonce("", ns);
    await devserver.rotateNonce("", ns);
  },
  /** What the namespace's DPoP checks saw. */
  dpopLog: (ns) => devserver.dpopLog("", ns),
};

/**
 * "Replay the token from elsewhere": what someone who copied the page's current `token` (from
 * DevTools, a log, an extension) can do with it away from this client's key: send it as a Bearer
 * token, as a DPoP token with no proof, and with a proof of a key of their own (a second
 * `AuthClient`, on a channel of its own and so with a key of its own, deleted afterwards). Resolves
 * to one `{ how, status, reason }` per try, `reason` from the server's JSON answer.
 */
export async function replayElsewhere(AuthClient, token, path = "/api/me") {
  const tries = [];
  const note = async (how, res) => {
    const body = await res.json().catch(() => ({}));
    tries.push({ how, status: res.status, reason: body.reason ?? body.error ?? null });
  };
  await note("as a Bearer token", await fetch(path, { headers: { Authorization: `Bearer ${token}` } }));
  await note("as DPoP, no proof", await fetch(path, { headers: { Authorization: `DPoP ${token}` } }));
  const elsewhere = new AuthClient({ dpop: true, shareAcrossTabs: devserver.uniqueNs("elsewhere"), token });
  try {
    await note("with a proof of another key", await elsewhere.fetch(path));
  } finally {
    elsewhere.clear(); // deletes its key
    elsewhere.free();
  }
  return tries;
}

/** The timeline entry for what `replayElsewhere` got. */
export function replayEntry(tries) {
  const refused = tries.filter((t) => t.status === 401).length;
  const detail = tries.map((t) => `${t.how}: ${t.status}${t.reason ? ` ${t.reason}` : ""}`).join("; ");
  const title = refused === tries.length ? `Replayed the token from elsewhere: refused ${refused} of ${tries.length}` : "Replayed the token from elsewhere: ACCEPTED";
  return { what: "replay", kind: "replay", title, detail };
}

/**
 * The DPoP panel from the devserver's log: a summary line and the latest `max` checks, newest
 * first (`thumbprint`: this page's key, marked where it appears).
 */
export function dpopView(log, thumbprint, max = 6) {
  const key = (jkt) => (jkt ? `${jkt.slice(0, 8)}…${jkt === thumbprint ? " (this page's)" : ""}` : "none");
  const c = log.counts;
  const summary = `${c.proofs} proofs checked: ${c.accepted} accepted, ${c.refused} refused (${c.nonceChallenges} nonce challenges); ${c.boundTokensIssued} bound tokens issued; keys seen: ${log.keys.map(key).join(", ") || "none"}`;
  const rows = log.entries.slice(-max).reverse().map((e) => {
    const checks = e.proof
      ? `key ${key(e.jkt)}, nonce ${e.nonceCheck ?? "not checked"}${e.athMatched === null ? "" : `, ath ${e.athMatched ? "matches" : "wrong"}`}, iat ${e.iat == null ? "?" : `${e.iat - e.serverTime >= 0 ? "+" : ""}${e.iat - e.serverTime} s`}`
      : "no proof";
    const where = e.endpoint === "token" ? "token endpoint" : `API${e.scheme ? `, ${e.scheme}` : ""}`;
    return { seq: e.seq, accepted: e.accepted, text: `#${e.seq} ${e.method} ${e.route} (${where}): ${e.accepted ? "accepted" : `refused, ${e.reason}`}; ${checks}` };
  });
  return { summary, rows };
}

/** Timeline entry kinds, in the order of the legend, with what each colour means. */
export const KINDS = [
  ["token", "token installed (login)"],
  ["ok", "authenticated request answered 2xx"],
  ["proactive", "refreshed ahead of expiry (timer or before a request)"],
  ["recovered", "401 recovered: refreshed and retried once"],
  ["manual", "refresh() called by the app"],
  ["failed", "refresh failed, or a request the library could not save"],
  ["control", "what you did on the server"],
  ["dpop", "DPoP: the key, a nonce challenge answered"],
  ["replay", "the token replayed from elsewhere"],
];

const TRIGGERS = {
  timer: ["proactive", "Proactive refresh (timer)", "the token was about to expire, no request was waiting"],
  expiry: ["proactive", "Refreshed before sending", "a request found the token inside the refresh window"],
  status: ["recovered", "Refreshed after a 401", "the server rejected the token"],
  manual: ["manual", "Manual refresh", "client.refresh()"],
};

const secondsLeft = (expiresAt, now = Date.now()) =>
  expiresAt == null ? "unknown lifetime" : `valid ${Math.max(0, (expiresAt - now) / 1000).toFixed(1)} s`;

/**
 * Turns the client's events and the demo's requests into timeline entries.
 *
 * `push(entry)` receives `{ kind, title, detail }` objects (see KINDS); `onToken(expiresAt)`
 * hears of every installed token, to restart the life bar. Requests go through `request()`,
 * one at a time, so a `retry` event for a new token belongs to the request in flight. A nonce
 * challenge (`retry` with `cause: "dpop-nonce"`) gets an entry of its own: it may also come from
 * the token endpoint during a refresh. `dpop`: the client sends DPoP proofs.
 */
export function createTracker({ push, onToken = () => {}, dpop = false }) {
  let trigger = null; // what started the refresh in progress
  let retryStatus = null; // status that made the request in flight retry
  let queue = Promise.resolve();

  function onEvent(event) {
    switch (event.type) {
      case "token-set":
        onToken(event.expiresAt);
        push({ what: "token", kind: "token", title: "Token installed", detail: secondsLeft(event.expiresAt) });
        break;
      case "refresh-start":
        trigger = event.trigger;
        break;
      case "refreshed": {
        onToken(event.expiresAt);
        const [kind, title, why] = TRIGGERS[trigger] ?? ["proactive", "Refreshed", "another tab refreshed"];
        push({ what: "refresh", kind, title, detail: `${why}; new token ${secondsLeft(event.expiresAt)}` });
        trigger = null;
        break;
      }
      case "refresh-failed": {
        const why = event.status ? `${event.reason} (HTTP ${event.status})` : event.error ? `${event.reason}: ${event.error.message ?? event.error}` : event.reason;
        const during = trigger ? `, trigger: ${trigger}` : "";
        push({ what: "refresh", kind: "failed", title: `Refresh failed: ${why}`, detail: `the current token is kept${during}` });
        trigger = null;
        break;
      }
      case "retry":
        if (event.cause === "dpop-nonce") {
          const who = event.status === 400 ? "the token endpoint" : "the API";
          push({ what: "dpop", kind: "dpop", title: `Nonce challenge: ${event.status} use_dpop_nonce`, detail: `${who} asked for its fresh nonce; the client sent the request once more with a new proof holding it (no refresh)` });
        } else {
          retryStatus = event.status;
        }
        break;
      case "dpop-key":
        push({
          what: "dpop",
          kind: "dpop",
          title: `DPoP key ready${event.stored ? "" : " (memory only)"}`,
          detail: event.stored
            ? "a non-extractable P-256 key, kept in IndexedDB for this origin: a reload signs with the same key"
            : "this browser would not store a CryptoKey: the key lives in memory, a reload makes a new one",
        });
        break;
      case "cleared":
        onToken(null);
        push({ what: "control", kind: "control", title: "Token cleared", detail: "client.clear()" });
        break;
      default:
        break;
    }
  }

  async function send(client, path) {
    retryStatus = null;
    const started = performance.now();
    let res;
    try {
      res = await client.fetch(path, { headers: { Accept: "application/json" } });
    } catch (err) {
      push({ what: "request", kind: "failed", title: `GET ${path}: network error`, detail: String(err?.message ?? err) });
      return false;
    }
    const ms = Math.round(performance.now() - started);
    const retried = retryStatus;
    retryStatus = null;
    if (res.ok && retried !== null) {
      push({ what: "request", kind: "recovered", title: `GET ${path}: ${retried} → retried → ${res.status}`, detail: `recovered in ${ms} ms; the caller never saw the ${retried}` });
    } else if (res.ok) {
      push({ what: "request", kind: "ok", title: `GET ${path}: ${res.status}`, detail: `${ms} ms${dpop ? ", DPoP proof accepted" : ""}`, count: 1 });
    } else {
      const body = await res.text().catch(() => "");
      push({ what: "request", kind: "failed", title: `GET ${path}: ${res.status}`, detail: `${retried !== null ? "retried once; " : ""}${body.slice(0, 120)}` });
    }
    return res.ok;
  }

  return {
    onEvent,
    /** GET `path` with the client, after any request already queued. Resolves to `res.ok`. */
    request(client, path) {
      const result = queue.then(() => send(client, path));
      queue = result.catch(() => {});
      return result;
    },
  };
}

/** Running totals shown above the timeline. */
export const emptyCounts = () => ({ requestsOk: 0, recovered: 0, requestsFailed: 0, refreshes: 0, refreshesFailed: 0 });

/** `counts` with `entry` counted (entries fold, so totals are kept apart from the list). */
export function countEntry(counts, { what, kind }) {
  const c = { ...counts };
  if (what === "request") {
    if (kind === "failed") c.requestsFailed++;
    else c.requestsOk++;
    if (kind === "recovered") c.recovered++;
  } else if (what === "refresh") {
    if (kind === "failed") c.refreshesFailed++;
    else c.refreshes++;
  }
  return c;
}

/** The counters row: [key, label, kind]. */
export const COUNTERS = [
  ["requestsOk", "requests OK", "ok"],
  ["recovered", "401s recovered", "recovered"],
  ["requestsFailed", "requests failed", "failed"],
  ["refreshes", "refreshes", "proactive"],
  ["refreshesFailed", "refreshes failed", "failed"],
];

/** `entries` (newest first) with `entry` added: consecutive 2xx requests fold into one row. */
export function addEntry(entries, entry, max = 80) {
  const now = Date.now();
  const [last] = entries;
  if (entry.kind === "ok" && last?.kind === "ok") {
    const count = last.count + 1;
    return [{ ...last, at: now, count, title: entry.title, detail: `${count} in a row, last ${entry.detail}` }, ...entries.slice(1)];
  }
  const id = (last?.id ?? 0) + 1;
  return [{ id, at: now, count: 1, ...entry }, ...entries].slice(0, max);
}

/**
 * What the token life bar shows at `now`: `{ phase, left, total, fraction, label }`, phase one
 * of `none`, `fresh`, `window` (inside refreshAheadSeconds), `expired`, `revoked`.
 */
export function tokenLife({ hasToken, expiresAt, installedAt, ahead, revoked, now = Date.now() }) {
  if (!hasToken) return { phase: "none", left: 0, total: 0, fraction: 0, label: "no token" };
  if (expiresAt == null) return { phase: "fresh", left: 0, total: 0, fraction: 1, label: "token without expiry" };
  const left = Math.max(0, (expiresAt - now) / 1000);
  const total = Math.max(left, (expiresAt - (installedAt ?? now)) / 1000);
  const fraction = total > 0 ? left / total : 0;
  let phase = left <= 0 ? "expired" : left <= ahead ? "window" : "fresh";
  let label = left <= 0 ? "expired" : `${left.toFixed(1)} s left`;
  if (revoked) {
    phase = "revoked";
    label += " (revoked on the server: the next request gets a 401)";
  } else if (phase === "window") {
    label += " (inside the refresh window)";
  }
  return { phase, left, total, fraction, label };
}

/** "+12.3 s" since `since`. */
export const elapsed = (at, since) => `+${((at - since) / 1000).toFixed(1)} s`;
