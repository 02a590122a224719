// Mistakes the types must catch. check.mjs requires `tsc` to fail on exactly the lines marked
// `// error TSxxxx`, each with that code, and on no other line: so this file fails the check
// for the right reasons only. Type-checked only, never run.
import init, { AuthClient } from "tokenfetch";
import type { AuthEvent, TokenResult } from "tokenfetch";

await init();

const client = new AuthClient({
  refreshAheadSeconds: "60", // error TS2322
  onTokenExpired: 42, // error TS2322
  refreshOn: 401, // error TS2322
  allowedOrigins: "https://api.example.com", // error TS2322
  autoRefresh: "yes", // error TS2322
  shareAcrossTabs: 1, // error TS2322
  token: 12345, // error TS2322
  dpop: "on", // error TS2322
});
new AuthClient({ refreshTimeout: 5000 }); // error TS2561
new AuthClient({ retryOn: [401] }); // error TS2353

// A callback must produce a TokenResult, not a number or a misspelled object.
new AuthClient({ onTokenExpired: () => 42 }); // error TS2322
const misspelled: TokenResult = { acessToken: "t" }; // error TS2561
const wrongLifetime: TokenResult = { accessToken: "t", expiresIn: "soon" }; // error TS2322

// Events must be narrowed by `type` before their fields are read.
function onEvent(event: AuthEvent) {
  console.log(event.reason); // error TS2339
  if (event.type === "refresh-failed") console.log(event.reason, event.status);
  if (event.type === "retry") console.log(event.reason); // error TS2339
  if (event.type === "token-expired") return; // error TS2367
}
new AuthClient({ onEvent });

// Members: read-only getters, typed arguments and results.
client.expiresAt = Date.now(); // error TS2540
client.hasToken = true; // error TS2540
client.setToken(undefined); // error TS2345
client.setToken(); // error TS2554
await client.fetch("/api", { auth: "no" }); // error TS2322
const body: string = await client.fetch("/api"); // error TS2322
const installed: string = await client.refresh(); // error TS2322
client.logout(); // error TS2339
console.log(misspelled, wrongLifetime, body, installed);
