/** What `onTokenExpired` (or the `refreshUrl` JSON body) may produce. */
export type TokenResult =
  | string
  | {
      accessToken?: string | undefined;
      access_token?: string | undefined;
      token?: string | undefined;
      authToken?: string | undefined;
      /** Seconds from now. */
      expiresIn?: number | undefined;
      /** Seconds from now. */
      expires_in?: number | undefined;
      /** Seconds since the epoch. */
      expires_on?: number | undefined;
      /** Seconds since the epoch. */
      expiresAt?: number | undefined;
      /** With `dpop`: `"Bearer"` (any case) means the server did not bind the token; anything else, or nothing, means DPoP. */
      token_type?: string | undefined;
      /** Same as `token_type`. */
      tokenType?: string | undefined;
    }
  | null
  | undefined;

/**
 * Options of `new AuthClient(options)`. An option set to `undefined` counts as absent (so the
 * types also suit `exactOptionalPropertyTypes`).
 */
export interface AuthClientOptions {
  /** Initial token, held in wasm memory only. */
  token?: string | null | undefined;
  /**
   * Called (once per refresh, single-flight) when a new token is needed. `null`/`undefined`/`""`
   * or a throw gives up this time; `false` means "signed out": the token is cleared and nothing
   * asks again until `setToken()` or `refresh()`.
   */
  onTokenExpired?: (() => TokenResult | false | Promise<TokenResult | false>) | undefined;
  /** Built-in refresh when no callback: POST with `credentials: "include"`, token read from the JSON body. */
  refreshUrl?: string | undefined;
  /** Relative request paths resolve against it (default: the page URL). */
  baseUrl?: string | undefined;
  /** Origins that get the token (default: the origin of `baseUrl`, else the page's). */
  allowedOrigins?: string[] | undefined;
  /** Refresh when `exp - now` is at most this (default 60), or half the token's lifetime when that is shorter. */
  refreshAheadSeconds?: number | undefined;
  /** Statuses that trigger one refresh and one retry (default `[401]`). */
  refreshOn?: number[] | undefined;
  /** A refresh slower than this counts as failed (default 10000). */
  refreshTimeoutMs?: number | undefined;
  /** A timer refreshes ahead of expiry with no request pending (default true). */
  autoRefresh?: boolean | undefined;
  /** Scheme of the `Authorization` header (default `"Bearer"`). */
  authScheme?: string | undefined;
  /** `true` or a channel name: one refresh across the tabs of this origin (default false). */
  shareAcrossTabs?: boolean | string | undefined;
  /** Observability; never receives the token. */
  onEvent?: ((event: AuthEvent) => void) | undefined;
  /**
   * DPoP-bound tokens (RFC 9449), default false: requests that get the token carry
   * `Authorization: DPoP <token>` and a proof signed with the client's non-extractable key.
   * Needs WebCrypto's `crypto.subtle` (secure contexts only).
   */
  dpop?: boolean | undefined;
}

/**
 * `fetch`'s `RequestInit`, plus `auth: false` to skip the token and all refresh logic (as does an
 * `Authorization` header of the caller's own), or, with `dpop`, `auth: "proof"` for a DPoP proof
 * and no token (a token endpoint, to any origin).
 */
export type AuthRequestInit = RequestInit & { auth?: boolean | "proof" | undefined };

/** What started a refresh. */
export type RefreshTrigger = "expiry" | "status" | "timer" | "manual";

/** Why a refresh installed no token. */
export type RefreshFailureReason =
  | "no-token"
  | "invalid-type"
  | "invalid-token"
  | "invalid-expiry"
  | "callback-error"
  | "timeout"
  | "refresh-url-status"
  | "network-error"
  | "invalid-json"
  | "no-refresh-source"
  | "superseded"
  | "signed-out";

/** Why a request was sent again. */
export type RetryCause = "token" | "dpop-nonce";

/** Events passed to `onEvent`. None carries the token. */
export type AuthEvent =
  | { type: "token-set"; expiresAt: number | null }
  | { type: "refresh-start"; trigger: RefreshTrigger }
  | { type: "refreshed"; expiresAt: number | null; fromTab?: boolean }
  | { type: "refresh-failed"; reason: RefreshFailureReason; status?: number; error?: unknown }
  | { type: "retry"; status: number; cause: RetryCause }
  | { type: "cleared" }
  | { type: "dpop-key"; stored: boolean };
