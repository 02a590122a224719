// tests/node/support/devserver.js imports the devserver start from here; it lives in setup.mjs.
export { spawnDevserver } from "./setup.mjs";
