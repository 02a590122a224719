// WebdriverIO's test runner: the demo pages end to end and the package smoke test (e2e/), and
// shareAcrossTabs in real windows (tests/tabs/), each in Chromium (Debian's, through ChromeDriver,
// headless), Firefox (Debian's firefox-esr through geckodriver, headless) and WebKit (WebKitGTK's
// MiniBrowser through WebKitWebDriver, in Xvfb).
//
//   npx wdio [--suite smoke|demo|tabs]     after npm run build (and the React demo's vite build)
//
// It assembles the site (www/, the React build, pkg/, tests/tabs/) and serves it from one
// devserver with 6 s tokens (the demos watch them expire). Reports: the spec reporter, and JUnit
// XML in test-output/wdio/ (TF_REPORT_DIR: npm test counts them). Screenshots: test-output/e2e/.
// Env: TF_E2E_PORT (default 8900, and the next port), TF_WEBKITDRIVER_PORT (default 4445),
// TF_DEVSERVER (default target/debug/tokenfetch-devserver), TF_WDIO_ENGINES ("chromium firefox webkit"), FIREFOX (default /usr/bin/firefox-esr).
import { join } from "node:path";
import { assembleSite, chromium, devserverBin, geckodriver, root, spawnDevserver, spawnGroup, targetDir, waitForHttp, webkit, withDisplay } from "./scripts/lib/setup.mjs";

const port = Number(process.env.TF_E2E_PORT ?? 8900);
const driverPort = Number(process.env.TF_WEBKITDRIVER_PORT ?? 4445);
process.env.TF_E2E_ORIGIN = `http://127.0.0.1:${port}`; // read by the specs (e2e/support.mjs)
const engines = (process.env.TF_WDIO_ENGINES ?? "chromium firefox webkit").split(/\s+/);
const running = [];

const capabilities = {
  chromium: {
    browserName: "chrome",
    "goog:chromeOptions": { binary: chromium.binary, args: ["--headless", ...chromium.args] },
    "wdio:chromedriverOptions": { binary: chromium.driver },
  },
  firefox: {
    browserName: "firefox",
    "moz:firefoxOptions": { binary: process.env.FIREFOX ?? "/usr/bin/firefox-esr", args: ["-headless"] },
    "wdio:geckodriverOptions": { binary: geckodriver },
  },
  webkit: {
    browserName: "MiniBrowser",
    hostname: "127.0.0.1",
    port: driverPort,
    "wdio:maxInstances": 1, // one WebKitWebDriver holds one session at a time
    "wdio:enforceWebDriverClassic": true, // it refuses BiDi's webSocketUrl
    "webkitgtk:browserOptions": { binary: webkit.miniBrowser, args: ["--automation"] },
  },
};

export const config = {
  runner: "local",
  specs: ["./e2e/*.spec.mjs", "./tests/tabs/*.spec.mjs"],
  suites: { smoke: ["./e2e/smoke.spec.mjs"], demo: ["./e2e/demo.spec.mjs"], tabs: ["./tests/tabs/tabs.spec.mjs"] },
  maxInstances: 2,
  capabilities: engines.map((e) => capabilities[e]),
  logLevel: "error",
  outputDir: join(root, "test-output", "wdio", "logs"),
  framework: "mocha",
  mochaOpts: { timeout: 120_000 },
  waitforTimeout: 10_000,
  reporters: ["spec", ["junit", { outputDir: process.env.TF_REPORT_DIR ?? join(root, "test-output", "wdio"), outputFileFormat: (o) => `${o.cid}.xml` }]],

  async onPrepare() {
    const site = assembleSite(join(targetDir, "e2e-site"), [["tests/tabs", "tabs"]]);
    running.push(await spawnDevserver(devserverBin(), port, ["--static", site, "--ttl", "6"]));
    if (engines.includes("webkit")) {
      if (!webkit.driver || !webkit.miniBrowser) throw new Error("WebKitWebDriver or MiniBrowser missing: run scripts/install-tools.sh");
      const driver = spawnGroup(...withDisplay(webkit.driver, [`--port=${driverPort}`]));
      running.push(driver);
      await waitForHttp(`http://127.0.0.1:${driverPort}/status`, driver, 15_000);
    }
  },
  async onComplete() {
    for (const p of running) await p.stop();
  },
};
