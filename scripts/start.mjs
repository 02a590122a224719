// npm start: builds the package, the React demo (www/react, vite build) and the devserver, and
// serves the demo site until Ctrl-C: / (landing page), /plain/, /react/.
//
// Env: PORT (default 8080; the devserver's second origin is the next port), TOKEN_TTL (token
// lifetime in seconds, the devserver's default when unset).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { assembleSite, devserverBin, root, spawnDevserver, targetDir } from "./lib/setup.mjs";

const sh = (command, args, cwd = root, env = {}) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, ...env } });
const port = Number(process.env.PORT ?? 8080);
try {
  sh("bash", ["scripts/install-tools.sh", "--no-browsers"]);
  sh("bash", ["scripts/build.sh"], root, { TF_SKIP_INSTALL: "1" });
  sh("node_modules/.bin/vite", ["build", "--logLevel", "warn"], join(root, "www/react"));
  sh("cargo", ["build", "--release", "-p", "tokenfetch-devserver"]);
  const site = assembleSite(join(targetDir, "site"));
  const ttl = process.env.TOKEN_TTL ? ["--ttl", process.env.TOKEN_TTL] : [];
  const server = await spawnDevserver(devserverBin("release"), port, ["--static", site, ...ttl]);
  server.child.stdout.pipe(process.stdout);
  server.child.stderr.pipe(process.stderr);
  const o = server.origin;
  console.log(`\ntokenfetch demo: ${o}/\n  plain page:    ${o}/plain/\n  React + Vite:  ${o}/react/`);
  console.log(`  second origin: http://127.0.0.1:${port + 1}/ (the same server, for cross-origin requests)\n(Ctrl-C to stop)\n`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.stop().then(() => process.exit(130)));
  server.child.on("exit", (code) => process.exit(code ?? 1));
} catch (err) {
  console.error(`start: error: ${err.message}`);
  process.exit(1);
}
