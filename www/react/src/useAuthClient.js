import { useEffect, useRef, useState } from "react";
import init, { AuthClient } from "tokenfetch";

/**
 * One `AuthClient` for the lifetime of the calling component: loads the WebAssembly module
 * (`init()` is idempotent, so any number of components may call this), creates the client with
 * `options` once, and frees it on unmount (which forgets the token and stops its timer).
 *
 * `onEvent` may change between renders (the latest one is called); the other options are read
 * once: give the component a new `key` to start over with new ones.
 *
 * Returns `{ client, error }`: `client` is null until the module has loaded.
 */
export function useAuthClient(options) {
  const [state, setState] = useState({ client: null, error: null });
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    let client = null;
    let active = true;
    init()
      .then(() => {
        if (!active) return;
        client = new AuthClient({ ...latest.current, onEvent: (event) => latest.current.onEvent?.(event) });
        setState({ client, error: null });
      })
      .catch((error) => active && setState({ client: null, error }));
    return () => {
      active = false;
      client?.free();
    };
  }, []);

  return state;
}
