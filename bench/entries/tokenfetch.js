// tokenfetch's JS bundled the same way as the others (the .wasm is fetched beside it).
export { default, AuthClient } from "../dist/pkg/index.js"; // the run's snapshot of pkg/
