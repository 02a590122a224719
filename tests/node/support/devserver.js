// Starts tokenfetch-devserver for one test file: the binary from TF_DEVSERVER (default: the
// workspace's target/debug build), on TF_NODE_PORT (default 9200) and the next port. Test files
// run in parallel, so each file that starts one takes its own pair: `portOffset` 0 (package.test.js),
// 2 (dpop.test.js).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnDevserver } from "../../../scripts/lib/devserver.mjs";

const defaultBin = fileURLToPath(new URL("../../../target/debug/tokenfetch-devserver", import.meta.url));

export function startDevserver({ portOffset = 0 } = {}) {
  const bin = process.env.TF_DEVSERVER || defaultBin;
  if (!existsSync(bin)) {
    throw new Error(`no devserver at ${bin}: run \`cargo build -p tokenfetch-devserver\` or set TF_DEVSERVER`);
  }
  return spawnDevserver(bin, Number(process.env.TF_NODE_PORT || 9200) + portOffset, [], { timeoutMs: 30_000 });
}
