// Server-side rendering (Vitest, environment "node": no DOM): tokenfetch/react imported and the
// provider rendered to a string without init(). Nothing crashes, the children render with no
// client, the package reads no browser global, and the WebAssembly module stays unloaded.
import { expect, test } from "vitest";
import { watchBrowserGlobals } from "../support/globals.js";

test("renderToString of the provider and a component using the hooks, without init()", async () => {
  const watch = watchBrowserGlobals();
  let html;
  let AuthClient;
  try {
    const { renderToString } = await import("react-dom/server");
    const { AuthClientProvider, useAuthClient, useAuthState } = await import("tokenfetch/react");
    ({ AuthClient } = await import("tokenfetch"));

    function Status() {
      const client = useAuthClient();
      const { hasToken, expiresAt, lastRefreshFailure, error } = useAuthState();
      const client_ = client === null ? "none" : "some";
      return <p>{`client=${client_} hasToken=${hasToken} expiresAt=${expiresAt} failure=${lastRefreshFailure} error=${error}`}</p>;
    }
    html = renderToString(
      <AuthClientProvider options={{ baseUrl: "https://api.example.com/", refreshUrl: "https://api.example.com/auth/refresh" }}>
        <main>
          <Status />
        </main>
      </AuthClientProvider>,
    );
  } finally {
    watch.restore();
  }
  expect(html).toBe("<main><p>client=none hasToken=false expiresAt=null failure=null error=null</p></main>");
  expect(watch.reads).toEqual([]);
  // Rendering on the server did not start loading the module: a while later a client still
  // cannot be created (loading it takes a few tens of milliseconds).
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(() => new AuthClient()).toThrow(/init\(\)/);
});

test("the hooks outside a provider throw an error that names the provider", async () => {
  const { renderToString } = await import("react-dom/server");
  const { useAuthClient, useAuthState } = await import("tokenfetch/react");
  const UsesClient = () => (useAuthClient(), null);
  const UsesState = () => (useAuthState(), null);
  expect(() => renderToString(<UsesClient />)).toThrow(/useAuthClient\(\).*<AuthClientProvider>/);
  expect(() => renderToString(<UsesState />)).toThrow(/useAuthState\(\).*<AuthClientProvider>/);
});
