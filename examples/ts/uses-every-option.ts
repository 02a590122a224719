// Uses every option, every member and every exported type of tokenfetch; must pass
// `tsc --noEmit --strict` (see check.mjs). Type-checked only, never run.
import init, { AuthClient, initSync } from "tokenfetch";
import type {
  AuthClientOptions,
  AuthEvent,
  AuthRequestInit,
  InitOutput,
  RefreshFailureReason,
  RefreshTrigger,
  RetryCause,
  TokenResult,
} from "tokenfetch";

// init() is idempotent and returns the same promise each time.
const loading: Promise<InitOutput> = init();
await loading;
await init({ module_or_path: new URL("/assets/tokenfetch_bg.wasm", location.href) });
declare const wasmBytes: ArrayBuffer;
const sync: InitOutput = initSync({ module: wasmBytes });
void sync.memory;

// Every shape a refresh may produce.
const asString: TokenResult = "eyJhbGciOiJIUzI1NiJ9.e30.sig";
const camel: TokenResult = { accessToken: "t", expiresIn: 3600 };
const snake: TokenResult = { access_token: "t", expires_in: 3600 };
const plain: TokenResult = { token: "t", expiresAt: 1_900_000_000 };
const azure: TokenResult = { authToken: "t", expires_on: 1_900_000_000 };
// With `dpop`, a provider that did not bind the token says so in `token_type`.
const bound: TokenResult = { access_token: "t", token_type: "DPoP", expires_in: 300 };
const unbound: TokenResult = { accessToken: "t", tokenType: "Bearer", expiresIn: 300 };
const giveUp: TokenResult = null;
const alsoGiveUp: TokenResult = undefined;
const results: TokenResult[] = [asString, camel, snake, plain, azure, bound, unbound, giveUp, alsoGiveUp];

async function refreshFromServer(): Promise<TokenResult> {
  const response = await fetch("/auth/refresh", { method: "POST", credentials: "include" });
  return response.ok ? ((await response.json()) as TokenResult) : null;
}

function describeTrigger(trigger: RefreshTrigger): string {
  switch (trigger) {
    case "expiry":
      return "a request found the token about to expire";
    case "status":
      return "the server answered a refreshOn status";
    case "timer":
      return "the timer refreshed ahead of expiry";
    case "manual":
      return "refresh() was called";
  }
}

function describeCause(cause: RetryCause): string {
  return cause === "token" ? "with a new token" : "with the server's new DPoP nonce";
}

function describeFailure(reason: RefreshFailureReason, status?: number): string {
  return reason === "refresh-url-status" ? `refresh URL answered ${status ?? "?"}` : reason;
}

// A switch over every event type; `never` proves it is exhaustive.
function onEvent(event: AuthEvent): void {
  switch (event.type) {
    case "token-set": {
      const at: number | null = event.expiresAt;
      console.log("token set, expires at", at);
      break;
    }
    case "refresh-start":
      console.log(describeTrigger(event.trigger));
      break;
    case "refreshed": {
      const at: number | null = event.expiresAt;
      const fromTab: boolean | undefined = event.fromTab;
      console.log("refreshed", at, fromTab);
      break;
    }
    case "refresh-failed": {
      const error: unknown = event.error;
      console.warn(describeFailure(event.reason, event.status), error);
      break;
    }
    case "retry": {
      const status: number = event.status;
      console.log("retrying after", status, describeCause(event.cause));
      break;
    }
    case "dpop-key": {
      const stored: boolean = event.stored;
      console.log(stored ? "DPoP key kept in IndexedDB" : "DPoP key in memory only");
      break;
    }
    case "cleared":
      console.log("token cleared");
      break;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

const options: AuthClientOptions = {
  token: null,
  onTokenExpired: refreshFromServer,
  refreshUrl: "/auth/refresh",
  baseUrl: "https://api.example.com/v1/",
  allowedOrigins: ["https://api.example.com"],
  refreshAheadSeconds: 30,
  refreshOn: [401, 419],
  refreshTimeoutMs: 5_000,
  autoRefresh: true,
  authScheme: "Bearer",
  shareAcrossTabs: "my-app",
  dpop: false,
  onEvent,
};

// Sync callbacks and the other option spellings are accepted too.
const syncCallback: AuthClientOptions = {
  token: "initial",
  onTokenExpired: () => results[0],
  shareAcrossTabs: true,
};
// Values that may be undefined (read from config, a login response…) count as absent; the
// tsconfig's exactOptionalPropertyTypes makes this a check that the types say so.
declare const maybeToken: string | undefined;
declare const maybeSeconds: number | undefined;
const fromConfig: AuthClientOptions = {
  token: maybeToken,
  refreshAheadSeconds: maybeSeconds,
  onTokenExpired: undefined,
  onEvent: undefined,
};
const partial: TokenResult = { access_token: maybeToken, expires_in: maybeSeconds };
const noAuth: AuthRequestInit = { auth: undefined };
const configured = new AuthClient(fromConfig);
configured.free();
console.log(partial, noAuth);

// DPoP: proofs on every request, and `auth: "proof"` for a token endpoint (proof, no token).
const dpopClient = new AuthClient({ dpop: true, onTokenExpired: refreshFromServer });
const thumbprint: string = await dpopClient.dpopThumbprint();
const proof: string = await dpopClient.dpopProof("POST", "https://auth.example.com/token");
const proofInit: AuthRequestInit = { auth: "proof", method: "POST", body: new URLSearchParams({ grant_type: "refresh_token" }) };
const tokenResponse: Response = await dpopClient.fetch("https://auth.example.com/token", proofInit);
console.log(thumbprint.length, proof.split(".").length, tokenResponse.ok);
dpopClient.free();

const noOptions = new AuthClient();
const nullOptions = new AuthClient(null);

const client = new AuthClient(options);
const other = new AuthClient(syncCallback);

// fetch: the global fetch's signature, plus `auth: false`.
const withAuth: Response = await client.fetch("/orders");
const byUrl: Response = await client.fetch(new URL("https://api.example.com/v1/orders"));
const byRequest: Response = await client.fetch(new Request("https://api.example.com/v1/orders"), {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ item: 1 }),
  signal: AbortSignal.timeout(5_000),
});
const publicInit: AuthRequestInit = { auth: false, cache: "no-store" };
const withoutAuth: Response = await client.fetch("https://cdn.example.com/config.json", publicInit);
const nullInit: Response = await client.fetch("/orders", null);
console.log(withAuth.status, byUrl.ok, byRequest.headers.get("content-type"), withoutAuth.statusText, nullInit.url);

// The other members.
client.setToken("next-token");
client.setToken(null);
const installed: boolean = await client.refresh();
const hasToken: boolean = client.hasToken;
const expiresAt: number | null = client.expiresAt;
const snapshot: { hasToken: boolean; expiresAt: number | null } = client.toJSON();
console.log(installed, hasToken, expiresAt === null ? "unknown" : new Date(expiresAt), snapshot);
client.clear();
client.free();
other.free();
noOptions.free();
nullOptions.free();

// `using` would call [Symbol.dispose]; the member exists on the class.
const dispose: () => void = other[Symbol.dispose];
void dispose;
