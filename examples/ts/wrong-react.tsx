// Mistakes with tokenfetch/react the types must catch; check.mjs requires `tsc` to fail on
// exactly the lines marked `// error TSxxxx`. Type-checked only, never run.
import type { ReactElement } from "react";
import { AuthClientProvider, useAuthClient, useAuthState } from "tokenfetch/react";

function Profile(): ReactElement {
  const client = useAuthClient();
  void client.fetch("/api/me"); // error TS18047
  const state = useAuthState();
  state.hasToken = true; // error TS2540
  console.log(state.lastRefreshFailure.reason); // error TS18047
  const at: number = state.expiresAt; // error TS2322
  console.log(state.token, at); // error TS2339
  return <p />;
}

export const wrongOptions = <AuthClientProvider options={{ refreshAheadSeconds: "60" }} />; // error TS2322
export const unknownProp = <AuthClientProvider client={null} />; // error TS2322
export const fine = (
  <AuthClientProvider options={{ refreshUrl: "/auth/refresh" }}>
    <Profile />
  </AuthClientProvider>
);
