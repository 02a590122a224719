// Starting tokenfetch-devserver from Node: the browser-driven tests, the bench and tests/node
// all use this one function. No dependencies beyond Node, so Vitest can import it too.
import { spawn } from "node:child_process";

/**
 * Starts `bin` on `port` (its second origin on `port + 1`) with `args` and waits until
 * /health answers. `stop()` kills it and resolves once it has exited.
 */
export async function spawnDevserver(bin, port, args = [], { timeoutMs = 60_000 } = {}) {
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["--port", String(port), "--other-port", String(port + 1), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = signal ?? code));
  child.on("error", (err) => (exited = err.message));
  const stop = () =>
    new Promise((resolve) => {
      if (exited !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`devserver exited (${exited}) before answering (port ${port} taken?):\n${log}`);
    try {
      if ((await fetch(`${origin}/health`)).ok) return { origin, child, log: () => log, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`devserver did not answer ${origin}/health within ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
