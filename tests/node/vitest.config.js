import { defineConfig } from "vitest/config";

// Four projects, one per way a Node app meets the package:
//   node   the package in a plain Node test (env node): init(), the before-init error, a real
//          401 → refresh → retry against the devserver, DPoP's memory key and proofs (jose);
//   interop  DPoP against a provider nobody here wrote: oidc-provider and a jose-checked
//          resource server, in the test process on free ports (env node);
//   ssr    tokenfetch/react rendered to a string on the server (env node, no DOM, no init());
//   react  the provider and hooks under React Testing Library (env jsdom).
// `tokenfetch` is a link to ../../pkg (a `file:` dependency), so React must be resolved from here,
// not from beside pkg/: `dedupe` does that, as an app linking a local package needs it too.
const shared = {
  resolve: { dedupe: ["react", "react-dom"] },
};

export default defineConfig({
  ...shared,
  test: {
    // Reporters: Vitest's default; npm test adds its JUnit report (--reporter=junit), which it counts.
    projects: [
      { ...shared, test: { name: "node", environment: "node", include: ["node/**/*.test.{js,jsx}"] } },
      { ...shared, test: { name: "interop", environment: "node", include: ["interop/**/*.test.js"], testTimeout: 20_000 } },
      { ...shared, test: { name: "ssr", environment: "node", include: ["ssr/**/*.test.{js,jsx}"] } },
      { ...shared, test: { name: "react", environment: "jsdom", include: ["react/**/*.test.{js,jsx}"] } },
    ],
  },
});
