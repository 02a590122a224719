// Starts tokenfetch-devserver for one test file: the binary from TF_DEVSERVER (default: the
// workspace's target/debug build), on TF_NODE_PORT (default 9200) and the next port.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const defaultBin = fileURLToPath(new URL("../../../target/debug/tokenfetch-devserver", import.meta.url));

export async function startDevserver() {
  const bin = process.env.TF_DEVSERVER || defaultBin;
  if (!existsSync(bin)) {
    throw new Error(`no devserver at ${bin}: run \`cargo build -p tokenfetch-devserver\` or set TF_DEVSERVER`);
  }
  const port = Number(process.env.TF_NODE_PORT || 9200);
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["--port", String(port), "--other-port", String(port + 1)], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = signal ?? code));
  child.on("error", (err) => (exited = err.message));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`devserver exited (${exited}) before answering (port ${port} taken? set TF_NODE_PORT):\n${log}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`devserver did not answer ${origin}/health within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    /** Stops the server and waits for it to exit. */
    stop: () =>
      new Promise((resolve) => {
        if (exited !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
