// What the /plain/ and /react/ demos share: settings from the URL, the demo server's login and
// control routes, and how the client's events and requests read on the token timeline. Plain
// JavaScript with no DOM and no framework, so the plain page loads it as is and Vite bundles it
// into the React app. Each page renders the timeline its own way. The routes themselves are
// called through ./devserver.js, the one client of the devserver's API.

import * as devserver from "./devserver.js";

/**
 * Demo settings, each overridable in the page's query string (the end-to-end tests use that to
 * run with short tokens): `?ns=demo&ttl=20&ahead=5&every=2000&fail=15&auto=1`.
 */
export function readSettings(search = globalThis.location?.search ?? "") {
  const q = new URLSearchParams(search);
  const num = (name, fallback, min, max) => {
    const raw = q.get(name);
    const value = raw === null || raw === "" ? NaN : Number(raw);
    return Number.isFinite(value) && value >= min && value <= max ? value : fallback;
  };
  const ns = q.get("ns") ?? "";
  return {
    // Server-side namespace: the revoke and broken-refresh buttons act on it. The demo server
    // keeps one session cookie per origin, so every demo tab shares one namespace by default.
    ns: /^[A-Za-z0-9_.-]{1,64}$/.test(ns) ? ns : "demo",
    // Token lifetime asked for at login, seconds; null leaves it to the server (20 s by default).
    ttl: num("ttl", null, 1, 3600),
    // The client's refreshAheadSeconds: 5 s suits 20 s tokens.
    ahead: num("ahead", 5, 0, 3600),
    // Milliseconds between two automatic GET /api/me.
    every: num("every", 2000, 200, 60000),
    // How long the "break refresh" button makes /auth/refresh fail, seconds.
    failSeconds: num("fail", 15, 1, 600),
    // Start with automatic requests on (?auto=0 to start paused).
    auto: q.get("auto") !== "0",
  };
}

/**
 * Logs in: the server sets the HttpOnly refresh cookie (which page scripts cannot read) and
 * answers with a short-lived access token, which goes straight into the client. Resolves to
 * `{ token, expiresIn }` (seconds).
 */
export async function login({ ns, ttl }) {
  // The page is served by the demo server: origin "" keeps the calls same-origin.
  const body = await devserver.login("", ns, { ttl });
  const token = body.access_token ?? body.accessToken;
  if (typeof token !== "string" || token === "") throw new Error("login answered without a token");
  return { token, expiresIn: Number(body.expires_in ?? body.expiresIn) || null };
}

/** The demo server's test controls for namespace `ns`. */
export const server = {
  /** Every token issued so far for `ns` is rejected from now on (the session cookie stays valid). */
  revokeAll: (ns) => devserver.revoke("", ns),
  /** `/auth/refresh` answers 503 for `seconds`. */
  breakRefresh: (ns, seconds) => devserver.breakRefresh("", ns, seconds),
  /** Forgets the namespace's faults and counters. */
  reset: (ns) => devserver.reset("", ns),
};

/** Timeline entry kinds, in the order of the legend, with what each colour means. */
export const KINDS = [
  ["token", "token installed (login)"],
  ["ok", "authenticated request answered 2xx"],
  ["proactive", "refreshed ahead of expiry (timer or before a request)"],
  ["recovered", "401 recovered: refreshed and retried once"],
  ["manual", "refresh() called by the app"],
  ["failed", "refresh failed, or a request the library could not save"],
  ["control", "what you did on the server"],
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
 * one at a time, so a `retry` event belongs to the request in flight.
 */
export function createTracker({ push, onToken = () => {} }) {
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
        const why = event.status ? `${event.reason} (HTTP ${event.status})` : event.reason;
        const during = trigger ? `, trigger: ${trigger}` : "";
        push({ what: "refresh", kind: "failed", title: `Refresh failed: ${why}`, detail: `the current token is kept${during}` });
        trigger = null;
        break;
      }
      case "retry":
        retryStatus = event.status;
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
      push({ what: "request", kind: "ok", title: `GET ${path}: ${res.status}`, detail: `${ms} ms`, count: 1 });
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
