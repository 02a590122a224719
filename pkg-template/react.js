// tokenfetch/react: one AuthClient per <AuthClientProvider>, created in an effect once init() has
// settled and freed when the provider unmounts, and hooks that read it.
//
// Why an effect: React may render a component and throw the result away, and StrictMode mounts,
// unmounts and remounts every component in development. A client created while rendering would
// outlive such a discarded render with its timer running; one created in an effect is freed by
// that effect's cleanup. So there is never more than one live client per provider.
//
// The provider's store (a plain object, no timer, no listener outside React) exists from the
// first render, so the hooks are subscribed to it before the client arrives: the client and every
// state change reach the components through useSyncExternalStore, with no window in which an
// event could be missed.
//
// On the server effects do not run: the provider renders its children with no client
// (useAuthClient() is null) and never loads the WebAssembly module.
import { createContext, createElement, useContext, useEffect, useRef, useState, useSyncExternalStore } from "react";
// "#tokenfetch" is the package's own entry (package.json "imports"): node.js under Node, index.js
// elsewhere, so this file shares init() and the AuthClient class with `import … from "tokenfetch"`.
import init, { AuthClient } from "#tokenfetch";

const EMPTY = Object.freeze({ hasToken: false, expiresAt: null, lastRefreshFailure: null, error: null });

const asError = (error) => (error instanceof Error ? error : new Error(String(error)));

/** The provider's client and its state, as useSyncExternalStore reads them. */
function createStore() {
  let client = null;
  let state = EMPTY;
  let generation = 0; // which client's events count: a freed client's late events do not
  const listeners = new Set();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  const update = (changes) => {
    state = Object.freeze({ ...state, ...changes });
    notify();
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    client: () => client,
    state: () => state,
    /** A new client is about to be created: returns the `onEvent` that feeds its state here. */
    listen(onEvent) {
      const mine = ++generation;
      return (event) => {
        if (mine === generation) {
          switch (event.type) {
            case "token-set":
            case "refreshed":
              update({ hasToken: true, expiresAt: event.expiresAt ?? null, lastRefreshFailure: null });
              break;
            case "refresh-failed":
              update({ lastRefreshFailure: event });
              break;
            case "cleared":
              update({ hasToken: false, expiresAt: null });
              break;
            default:
          }
        }
        onEvent(event);
      };
    },
    attach(next) {
      client = next;
      // Read back rather than trust the events seen so far (the constructor's token-set came
      // before `client` existed).
      update({ hasToken: next.hasToken, expiresAt: next.expiresAt, error: null });
    },
    detach(error = null) {
      generation++;
      client = null;
      state = error === null ? EMPTY : Object.freeze({ ...EMPTY, error });
      notify();
    },
  };
}

const Context = createContext(null);

function useStore(hook) {
  const store = useContext(Context);
  if (store === null) throw new Error(`tokenfetch/react: ${hook} must be called inside <AuthClientProvider>`);
  return store;
}

/**
 * Creates one AuthClient from `options` once the WebAssembly module is loaded, gives it to the
 * components below, and frees it on unmount. `onEvent` may change between renders (the latest one
 * is called); the other options are read once: give the provider a new `key` to start over.
 */
export function AuthClientProvider({ options, children }) {
  const [store] = useState(createStore);
  const latest = useRef(options);

  // Declared before the effect below, so it runs first: the client sees this render's options.
  useEffect(() => {
    latest.current = options;
  });

  useEffect(() => {
    let active = true;
    let client = null;
    init().then(
      () => {
        if (!active) return;
        const onEvent = store.listen((event) => latest.current?.onEvent?.(event));
        try {
          client = new AuthClient({ ...latest.current, onEvent });
        } catch (error) {
          store.detach(asError(error)); // options the client refuses
          return;
        }
        store.attach(client);
      },
      (error) => {
        if (active) store.detach(asError(error)); // the module did not load
      },
    );
    return () => {
      active = false;
      if (client !== null) {
        store.detach();
        client.free(); // forgets the token, stops the refresh timer and removes the client's listeners
        client = null;
      }
    };
  }, [store]);

  return createElement(Context.Provider, { value: store }, children);
}

const noClient = () => null;
const emptyState = () => EMPTY;

/** The provider's AuthClient, or null until the module has loaded (and always on the server). */
export function useAuthClient() {
  const store = useStore("useAuthClient()");
  return useSyncExternalStore(store.subscribe, store.client, noClient);
}

/**
 * `{ hasToken, expiresAt, lastRefreshFailure, error }` of the provider's client; re-renders on
 * its `token-set`, `refreshed`, `refresh-failed` and `cleared` events.
 */
export function useAuthState() {
  const store = useStore("useAuthState()");
  return useSyncExternalStore(store.subscribe, store.state, emptyState);
}
