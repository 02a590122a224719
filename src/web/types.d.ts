/** What `onTokenExpired` (or the `refreshUrl` JSON body) may produce. */
export type TokenResult =
  | string
  | {
      accessToken?: string;
      access_token?: string;
      token?: string;
      authToken?: string;
      /** Seconds from now. */
      expiresIn?: number;
      /** Seconds from now. */
      expires_in?: number;
      /** Seconds since the epoch. */
      expires_on?: number;
      /** Seconds since the epoch. */
      expiresAt?: number;
    }
  | null
  | undefined;

/** Options of `new AuthClient(options)`. */
export interface AuthClientOptions {
  /** Initial token, held in wasm memory only. */
  token?: string | null;
  /** Called (once per refresh, single-flight) when a new token is needed. */
  onTokenExpired?: () => TokenResult | Promise<TokenResult>;
  /** Built-in refresh when no callback: POST with `credentials: "include"`, token read from the JSON body. */
  refreshUrl?: string;
  /** Relative request paths resolve against it (default: the page URL). */
  baseUrl?: string;
  /** Origins that get the token (default: the origin of `baseUrl`, else the page's). */
  allowedOrigins?: string[];
  /** Refresh when `exp - now <= refreshAheadSeconds` (default 60). */
  refreshAheadSeconds?: number;
  /** Statuses that trigger one refresh and one retry (default `[401]`). */
  refreshOn?: number[];
  /** A refresh slower than this counts as failed (default 10000). */
  refreshTimeoutMs?: number;
  /** A timer refreshes ahead of expiry with no request pending (default true). */
  autoRefresh?: boolean;
  /** Scheme of the `Authorization` header (default `"Bearer"`). */
  authScheme?: string;
  /** `true` or a channel name: one refresh across the tabs of this origin (default false). */
  shareAcrossTabs?: boolean | string;
  /** Observability; never receives the token. */
  onEvent?: (event: AuthEvent) => void;
}

/** `fetch`'s `RequestInit`, plus `auth: false` to skip the token and all refresh logic. */
export type AuthRequestInit = RequestInit & { auth?: boolean };

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
  | "superseded";

/** Events passed to `onEvent`. None carries the token. */
export type AuthEvent =
  | { type: "token-set"; expiresAt: number | null }
  | { type: "refresh-start"; trigger: RefreshTrigger }
  | { type: "refreshed"; expiresAt: number | null; fromTab?: boolean }
  | { type: "refresh-failed"; reason: RefreshFailureReason; status?: number; error?: unknown }
  | { type: "retry"; status: number }
  | { type: "cleared" };
