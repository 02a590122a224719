// Uses every export of tokenfetch/react the way a strict React + TypeScript app does; must pass
// `tsc --noEmit --strict` (see check.mjs). Type-checked only, never run.
import { useEffect, useState, type ReactElement, type ReactNode } from "react";
import init, { AuthClient, type AuthClientOptions } from "tokenfetch";
import {
  AuthClientProvider,
  useAuthClient,
  useAuthState,
  type AuthClientProviderProps,
  type AuthState,
  type RefreshFailedEvent,
} from "tokenfetch/react";

const options: AuthClientOptions = {
  baseUrl: "https://api.example.com/v1/",
  refreshUrl: "https://api.example.com/auth/refresh",
  dpop: true,
  onEvent: (event) => console.debug(event.type),
};

function describeFailure(failure: RefreshFailedEvent | null): string {
  if (failure === null) return "no failed refresh";
  return failure.status === undefined ? failure.reason : `${failure.reason} (HTTP ${failure.status})`;
}

/** Reads the client (null until loaded) and its token state. */
function Orders({ accessToken }: { accessToken: string }): ReactElement {
  const client: AuthClient | null = useAuthClient();
  const state: AuthState = useAuthState();
  const { hasToken, expiresAt, lastRefreshFailure, error } = state;
  const [orders, setOrders] = useState<string[]>([]);

  useEffect(() => {
    if (client === null) return;
    client.setToken(accessToken);
    void client.dpopThumbprint().then((jkt: string) => console.debug("bound to", jkt));
    void client
      .fetch("orders")
      .then((response) => response.json() as Promise<string[]>)
      .then(setOrders);
  }, [client, accessToken]);

  if (error !== null) return <p role="alert">tokenfetch did not load: {error.message}</p>;
  const expires: string = expiresAt === null ? "unknown" : new Date(expiresAt).toISOString();
  const loaded: boolean = hasToken;
  return (
    <section>
      <p>
        {loaded ? `token until ${expires}` : "signed out"}; {describeFailure(lastRefreshFailure)}
      </p>
      <ul>
        {orders.map((order) => (
          <li key={order}>{order}</li>
        ))}
      </ul>
    </section>
  );
}

/** Props spelled out, children of any kind. */
function Shell({ children }: { children: ReactNode }): ReactElement {
  const props: AuthClientProviderProps = { options, children };
  return <AuthClientProvider {...props} />;
}

export function App(): ReactElement {
  return (
    <>
      <AuthClientProvider options={options}>
        <Orders accessToken="eyJhbGciOiJIUzI1NiJ9.e30.sig" />
      </AuthClientProvider>
      <AuthClientProvider key="no-options">
        <Orders accessToken="other" />
      </AuthClientProvider>
      <Shell>
        <Orders accessToken="third" />
      </Shell>
    </>
  );
}

// Outside React: init() settles before anything constructs a client.
await init();
