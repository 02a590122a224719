import type { ReactElement, ReactNode } from "react";
import type { AuthClient, AuthClientOptions, AuthEvent } from "./index.js";

/** The `refresh-failed` event, as `onEvent` receives it. */
export type RefreshFailedEvent = Extract<AuthEvent, { type: "refresh-failed" }>;

/** What `useAuthState()` returns; a new object whenever something in it changes. */
export interface AuthState {
  /** Whether the client holds a token (false until the client exists). */
  readonly hasToken: boolean;
  /** Expiry of the token in ms since the epoch, or `null` when unknown or without a token. */
  readonly expiresAt: number | null;
  /** The last `refresh-failed` event since a token was last installed, or `null`. */
  readonly lastRefreshFailure: RefreshFailedEvent | null;
  /** Why there is no client: `init()` failed or the options were refused; otherwise `null`. */
  readonly error: Error | null;
}

export interface AuthClientProviderProps {
  /**
   * Options of the provider's `AuthClient`. Read once, when the client is created: `onEvent` may
   * change between renders (the latest one is called); give the provider a new `key` to start
   * over with other options.
   */
  options?: AuthClientOptions | undefined;
  children?: ReactNode | undefined;
}

/**
 * Creates one `AuthClient` once the WebAssembly module is loaded (it calls `init()`), gives it to
 * the components below and frees it on unmount. Safe under StrictMode (never two live clients)
 * and on the server (renders its children without a client).
 */
export function AuthClientProvider(props: AuthClientProviderProps): ReactElement;

/** The provider's client, or `null` until the module has loaded (and always on the server). */
export function useAuthClient(): AuthClient | null;

/**
 * The provider's token state; the component re-renders on the client's `token-set`, `refreshed`,
 * `refresh-failed` and `cleared` events.
 */
export function useAuthState(): AuthState;
