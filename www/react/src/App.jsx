import { useCallback, useEffect, useMemo, useState } from "react";
import { AuthClient } from "tokenfetch";
import { AuthClientProvider, useAuthClient, useAuthState } from "tokenfetch/react";
import {
  addEntry, countEntry, createTracker, dpopSearch, dpopView, emptyCounts, readSettings, replayElsewhere, replayEntry, server, tokenLife, tokenSource,
} from "../../shared/demo.js";
import { Counters, DpopCard, Timeline, TokenLife } from "./Timeline.jsx";

const settings = readSettings();
// Bearer: refreshUrl "/auth/refresh". DPoP: dpop: true and an onTokenExpired that calls the
// token endpoint with a proof (shared/demo.js).
const source = tokenSource(settings);
const pageStarted = Date.now();

/** Re-renders every `ms` milliseconds (the token's countdown). */
function useNow(ms) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * The timeline's state and the one AuthClient: tokenfetch/react's provider creates the client
 * once the WebAssembly module has loaded (no token yet: the login below installs one with
 * setToken()) and frees it on unmount; its events feed the timeline.
 */
export default function App() {
  const [entries, setEntries] = useState([]);
  const [counts, setCounts] = useState(emptyCounts);
  const [installedAt, setInstalledAt] = useState(null);
  const [revoked, setRevoked] = useState(false);

  const push = useCallback((entry) => {
    setEntries((list) => addEntry(list, entry));
    setCounts((c) => countEntry(c, entry));
  }, []);
  const tracker = useMemo(
    () =>
      createTracker({
        push,
        dpop: settings.dpop,
        onToken: () => {
          setInstalledAt(Date.now());
          setRevoked(false);
        },
      }),
    [push],
  );

  return (
    <AuthClientProvider
      options={source.options({ refreshAheadSeconds: settings.ahead, onEvent: tracker.onEvent })}
    >
      <Demo
        tracker={tracker}
        push={push}
        entries={entries}
        counts={counts}
        installedAt={installedAt}
        revoked={revoked}
        setRevoked={setRevoked}
      />
    </AuthClientProvider>
  );
}

/** The page: reads the provider's client with useAuthClient() and its token with useAuthState(). */
function Demo({ tracker, push, entries, counts, installedAt, revoked, setRevoked }) {
  const client = useAuthClient(); // null until the module has loaded
  const { hasToken, expiresAt, error } = useAuthState();
  const [brokenUntil, setBrokenUntil] = useState(0);
  const [auto, setAuto] = useState(settings.auto);
  const [status, setStatus] = useState("loading…");
  const [lifetime, setLifetime] = useState(null);
  const [thumbprint, setThumbprint] = useState(null);
  const [dpopLog, setDpopLog] = useState(null);
  const now = useNow(100);

  // Log in once the client exists (Bearer: same origin, the HttpOnly session cookie is what
  // /auth/refresh reads; DPoP: bound to the client's key by dpop_jkt), then make the first request.
  useEffect(() => {
    if (!client) return undefined;
    let active = true;
    (async () => {
      try {
        const { token, expiresIn } = await source.login(client);
        client.setToken(token);
        setLifetime(expiresIn);
        if (settings.dpop) setThumbprint(await client.dpopThumbprint());
        const ok = await tracker.request(client, "/api/me");
        if (active) setStatus(ok ? "ok" : "error: the first GET /api/me failed");
      } catch (err) {
        if (active) setStatus(`error: ${err?.message ?? err}`);
      }
    })();
    return () => {
      active = false;
    };
  }, [client, tracker]);

  useEffect(() => {
    if (error) setStatus(`error: ${error?.message ?? error}`);
  }, [error]);

  useEffect(() => {
    document.body.dataset.status = status;
  }, [status]);

  // GET /api/me every `settings.every` ms while "auto" is on, one at a time.
  const ready = client !== null && status === "ok";
  useEffect(() => {
    if (!ready || !auto) return undefined;
    let active = true;
    let timer;
    const tick = async () => {
      await tracker.request(client, "/api/me");
      if (active) timer = setTimeout(tick, settings.every);
    };
    timer = setTimeout(tick, settings.every);
    return () => {
      active = false;
      clearTimeout(timer);
    };
  }, [ready, auto, client, tracker]);

  // DPoP: what the server's checks saw, every 2 s.
  useEffect(() => {
    if (!ready || !thumbprint) return undefined;
    let timer;
    const poll = () =>
      server.dpopLog(settings.ns).then((log) => setDpopLog(dpopView(log, thumbprint)), () => {}).finally(() => (timer = setTimeout(poll, 2000)));
    poll();
    return () => clearTimeout(timer);
  }, [ready, thumbprint]);

  const replay = async () => {
    push(replayEntry(await replayElsewhere(AuthClient, source.token)));
    setDpopLog(dpopView(await server.dpopLog(settings.ns), thumbprint));
  };
  const expireNonces = async () => {
    await server.expireNonces(settings.ns);
    push({ what: "control", kind: "control", title: "Expired the server's nonces", detail: "the nonce the client holds is no longer accepted: its next request meets a use_dpop_nonce challenge" });
  };

  const revokeAll = async () => {
    await server.revokeAll(settings.ns);
    setRevoked(true);
    push({ what: "control", kind: "control", title: "Revoked every token on the server", detail: "the client does not know yet: its next request gets a 401" });
  };
  const breakRefresh = async () => {
    await server.breakRefresh(settings.ns, settings.failSeconds);
    setBrokenUntil(Date.now() + settings.failSeconds * 1000);
    push({ what: "control", kind: "control", title: `${settings.refreshPath} answers 503 for ${settings.failSeconds} s`, detail: "refreshes fail until then; the client keeps its token and backs off" });
  };

  const life = tokenLife({
    hasToken,
    expiresAt,
    installedAt,
    ahead: settings.ahead,
    revoked,
    now,
  });
  const brokenFor = Math.ceil((brokenUntil - now) / 1000);

  return (
    <main>
      <p>
        <a href="/">← demos</a>
      </p>
      <h1>React + Vite</h1>
      <p className="lead">
        A production <code>vite build</code> of a React app that depends on <code>tokenfetch</code> like any npm
        package. One <code>AuthClient</code> from <code>tokenfetch/react</code>&apos;s{" "}
        <code>&lt;AuthClientProvider&gt;</code>, read with <code>useAuthClient()</code> and{" "}
        <code>useAuthState()</code>. Tokens live{" "}
        {lifetime ? `${lifetime} s` : "…"}; the client refreshes them {settings.ahead} s
        ahead of expiry. {settings.dpop && "DPoP is on: every request carries a proof. "}Status:{" "}
        <strong id="status" className={status.startsWith("error") ? "status-error" : ""}>
          {status}
        </strong>
      </p>

      <TokenLife life={life} ahead={settings.ahead} brokenFor={brokenFor} ns={settings.ns} refreshPath={settings.refreshPath} thumbprint={thumbprint} />

      <section className="card">
        <div className="controls">
          <button id="btn-request" disabled={!ready} onClick={() => tracker.request(client, "/api/me")}>
            GET /api/me now
          </button>
          <button id="btn-refresh" disabled={!ready} onClick={() => client.refresh()}>
            <code>client.refresh()</code>
          </button>
          <button id="btn-revoke" className="danger" disabled={!ready} onClick={revokeAll}>
            Revoke all tokens on the server
          </button>
          <button id="btn-break" className="danger" disabled={!ready} onClick={breakRefresh}>
            Break {settings.refreshPath} for {settings.failSeconds} s
          </button>
          <label className="toggle">
            <input type="checkbox" id="auto" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> GET /api/me
            every {settings.every / 1000} s
          </label>
        </div>
      </section>

      <DpopCard
        settings={settings}
        ready={ready}
        view={dpopLog}
        onReplay={replay}
        onNonce={expireNonces}
        onSwitch={(on) => (location.search = dpopSearch(location.search, on))}
      />

      <Counters counts={counts} />
      <Timeline entries={entries} since={pageStarted} />
    </main>
  );
}
