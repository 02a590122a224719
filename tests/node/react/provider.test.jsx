// tokenfetch/react under React Testing Library (Vitest, environment jsdom), as an app's component
// tests use it: one client per provider, re-renders on the client's events, StrictMode's double
// mount, unmount. Constructions and frees are counted where wasm-bindgen records them: every
// AuthClient registers with a FinalizationRegistry when constructed and unregisters when freed.
import { Activity, StrictMode, useState } from "react";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import init, { AuthClient } from "tokenfetch";
import { AuthClientProvider, useAuthClient, useAuthState } from "tokenfetch/react";
import { tokenExpiringIn } from "../support/jwt.js";

const API = "https://api.example.com/";

let constructed;
let freed;
beforeAll(() => init()); // what an app's Vitest setup file does
beforeEach(() => {
  constructed = [];
  freed = [];
  const register = FinalizationRegistry.prototype.register;
  const unregister = FinalizationRegistry.prototype.unregister;
  vi.spyOn(FinalizationRegistry.prototype, "register").mockImplementation(function (target, ...rest) {
    if (target instanceof AuthClient) constructed.push(target);
    return register.call(this, target, ...rest);
  });
  vi.spyOn(FinalizationRegistry.prototype, "unregister").mockImplementation(function (token) {
    if (token instanceof AuthClient) freed.push(token);
    return unregister.call(this, token);
  });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const live = () => constructed.filter((c) => !freed.includes(c));

/** Shows what the hooks return; `seen` collects every client it was given. */
function Probe({ seen }) {
  const client = useAuthClient();
  const { hasToken, expiresAt, lastRefreshFailure, error } = useAuthState();
  if (client !== null) seen?.add(client);
  return (
    <dl>
      <dt>client</dt>
      <dd data-testid="client">{client === null ? "none" : "ready"}</dd>
      <dt>hasToken</dt>
      <dd data-testid="hasToken">{String(hasToken)}</dd>
      <dt>expiresAt</dt>
      <dd data-testid="expiresAt">{String(expiresAt)}</dd>
      <dt>failure</dt>
      <dd data-testid="failure">{lastRefreshFailure?.reason ?? "none"}</dd>
      <dt>error</dt>
      <dd data-testid="error">{error?.message ?? "none"}</dd>
    </dl>
  );
}

const text = (id) => screen.getByTestId(id).textContent;
/** Waits (in act) until the provider has its client. */
const ready = () => screen.findByText("ready");

describe("AuthClientProvider", () => {
  test("creates one client once the module is loaded and gives it to the hooks", async () => {
    const seen = new Set();
    render(
      <AuthClientProvider options={{ baseUrl: API }}>
        <Probe seen={seen} />
      </AuthClientProvider>,
    );
    expect(text("client")).toBe("none"); // first render: no client yet
    await ready();
    expect(constructed).toHaveLength(1);
    expect([...seen]).toEqual(constructed);
    expect(text("hasToken")).toBe("false");
    expect(text("expiresAt")).toBe("null");
  });

  test("re-renders on token-set, refresh-failed and cleared; the app's onEvent gets every event", async () => {
    const appEvents = [];
    let client;
    function Grab() {
      client = useAuthClient();
      return null;
    }
    render(
      <AuthClientProvider options={{ baseUrl: API, onTokenExpired: () => null, onEvent: (e) => appEvents.push(e.type) }}>
        <Probe />
        <Grab />
      </AuthClientProvider>,
    );
    await ready();

    const { token, expiresAt } = tokenExpiringIn(600);
    act(() => client.setToken(token));
    expect(text("hasToken")).toBe("true");
    expect(text("expiresAt")).toBe(String(expiresAt));
    expect(text("failure")).toBe("none");

    // onTokenExpired answers null: the refresh gives up, the token is kept.
    await act(async () => {
      expect(await client.refresh()).toBe(false);
    });
    expect(text("failure")).not.toBe("none");
    expect(text("hasToken")).toBe("true");

    act(() => client.clear());
    expect(text("hasToken")).toBe("false");
    expect(text("expiresAt")).toBe("null");

    expect(appEvents).toEqual(["token-set", "refresh-start", "refresh-failed", "cleared"]);
  });

  test("a token given in the options shows at once", async () => {
    const { token, expiresAt } = tokenExpiringIn(600);
    render(
      <AuthClientProvider options={{ baseUrl: API, token }}>
        <Probe />
      </AuthClientProvider>,
    );
    await ready();
    expect(text("hasToken")).toBe("true");
    expect(text("expiresAt")).toBe(String(expiresAt));
  });

  test("the latest onEvent is called after the provider re-renders with a new one", async () => {
    const calls = [];
    let client;
    function Grab() {
      client = useAuthClient();
      return null;
    }
    function App() {
      const [label, setLabel] = useState("first");
      return (
        <AuthClientProvider options={{ baseUrl: API, onEvent: (e) => calls.push(`${label}:${e.type}`) }}>
          <button onClick={() => setLabel("second")}>switch</button>
          <Grab />
          <Probe />
        </AuthClientProvider>
      );
    }
    render(<App />);
    await ready();
    act(() => client.setToken(tokenExpiringIn(600).token));
    act(() => screen.getByText("switch").click());
    act(() => client.clear());
    expect(calls).toEqual(["first:token-set", "second:cleared"]);
    expect(constructed).toHaveLength(1); // new options do not make a new client
  });

  test("options the client refuses show up as `error`, with no client", async () => {
    render(
      <AuthClientProvider options={{ baseUrl: API, refreshAheadSeconds: -1 }}>
        <Probe />
      </AuthClientProvider>,
    );
    await screen.findByText(/refreshAheadSeconds/);
    expect(text("client")).toBe("none");
    expect(live()).toHaveLength(0);
  });
});

describe("lifecycle", () => {
  // The client listens for wake-ups (visibilitychange, pageshow, online) when it has a refresh
  // source and autoRefresh is on: count what it adds and removes.
  function watchListeners() {
    const added = [];
    const removed = [];
    const add = EventTarget.prototype.addEventListener;
    const remove = EventTarget.prototype.removeEventListener;
    vi.spyOn(EventTarget.prototype, "addEventListener").mockImplementation(function (type, listener, ...rest) {
      if (["visibilitychange", "pageshow", "online"].includes(type)) added.push([this, type, listener]);
      return add.call(this, type, listener, ...rest);
    });
    vi.spyOn(EventTarget.prototype, "removeEventListener").mockImplementation(function (type, listener, ...rest) {
      if (["visibilitychange", "pageshow", "online"].includes(type)) removed.push([this, type, listener]);
      return remove.call(this, type, listener, ...rest);
    });
    const attached = () =>
      added.filter(([t, type, l]) => !removed.some(([t2, type2, l2]) => t2 === t && type2 === type && l2 === l)).length;
    return { added, attached };
  }

  // The timers the package (its index.js, which holds wasm-bindgen's glue) sets and has not yet
  // cleared or run.
  function watchPackageTimers() {
    const pending = new Set();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    const caller = () =>
      new Error().stack
        .split("\n")
        .slice(1)
        .find((frame) => !frame.includes("node_modules") && !frame.includes("provider.test.jsx"));
    vi.spyOn(globalThis, "setTimeout").mockImplementation(function (callback, ...rest) {
      const fromPackage = /[\\/](?:index|tokenfetch)\.js\b/.test(caller() ?? "");
      const id = realSet.call(this, (...args) => {
        pending.delete(id);
        return callback(...args);
      }, ...rest);
      if (fromPackage) pending.add(id);
      return id;
    });
    vi.spyOn(globalThis, "clearTimeout").mockImplementation(function (id) {
      pending.delete(id);
      return realClear.call(this, id);
    });
    return pending;
  }

  test("StrictMode's double mount leaves exactly one live client; unmount frees it, its timer and listeners", async () => {
    const listeners = watchListeners();
    const timers = watchPackageTimers();
    const seen = new Set();
    const { token } = tokenExpiringIn(600);
    const view = render(
      <StrictMode>
        <AuthClientProvider options={{ baseUrl: API, token, onTokenExpired: () => null }}>
          <Probe seen={seen} />
        </AuthClientProvider>
      </StrictMode>,
    );
    await ready();
    expect(live()).toHaveLength(1);
    expect(seen.size).toBe(1);
    const [client] = live();
    expect([...seen]).toEqual([client]);
    expect(client.hasToken).toBe(true); // the one in use is live, with its token
    expect(listeners.attached()).toBeGreaterThan(0);
    expect(timers.size).toBeGreaterThan(0); // its refresh timer

    view.unmount();
    expect(live()).toHaveLength(0);
    expect(freed).toContain(client);
    expect(listeners.attached()).toBe(0);
    expect(timers.size).toBe(0);
  });

  test("a client created and then dropped by a remount is freed before the next one exists", async () => {
    const seen = new Set();
    const { rerender } = render(
      <AuthClientProvider key="a" options={{ baseUrl: API, onTokenExpired: () => null }}>
        <Probe seen={seen} />
      </AuthClientProvider>,
    );
    await ready();
    const [first] = constructed;
    first.setToken(tokenExpiringIn(600).token);

    rerender(
      <AuthClientProvider key="b" options={{ baseUrl: API, onTokenExpired: () => null }}>
        <Probe seen={seen} />
      </AuthClientProvider>,
    );
    expect(freed).toEqual([first]); // freed on unmount, before the new provider has a client
    expect(() => first.hasToken).toThrow(); // a freed client is unusable
    await ready();
    expect(constructed).toHaveLength(2);
    expect(live()).toEqual([constructed[1]]);
    expect(text("hasToken")).toBe("false"); // the new client starts without the old token
  });

  test("hidden by <Activity>, the provider frees its client and shows none; shown again, it makes one", async () => {
    const seen = new Set();
    const tree = (mode) => (
      <Activity mode={mode}>
        <AuthClientProvider options={{ baseUrl: API }}>
          <Probe seen={seen} />
        </AuthClientProvider>
      </Activity>
    );
    const { rerender } = render(tree("visible"));
    await ready();
    const [first] = constructed;

    rerender(tree("hidden")); // effects are cleaned up, state is kept
    expect(freed).toEqual([first]);
    await waitFor(() => expect(text("client")).toBe("none")); // a hidden tree renders at low priority
    expect(live()).toHaveLength(0);

    rerender(tree("visible"));
    await ready();
    expect(live()).toHaveLength(1);
    expect(live()[0]).not.toBe(first);
  });
});
