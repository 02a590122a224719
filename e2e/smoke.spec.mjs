// Smoke test of the built npm package in a real browser: /plain/ (www/ with pkg/ at /pkg/) reports
// success, having loaded index.js alone from pkg/ (the .wasm comes inside it).
import { check, newProfile, origin, Page } from "./support.mjs";

describe("package smoke test", () => {
  it("/plain/ works with index.js alone from pkg/", async () => {
    await newProfile();
    const problems = [];
    const res = await fetch(`${origin}/plain/`);
    if (!res.ok) problems.push(`GET /plain/ answered ${res.status}`);
    const page = await Page.open(`${origin}/plain/`);
    const status = await page
      .waitFor(() => document.body?.dataset.status, null, { timeout: 30_000, what: "the page's status" })
      .catch(() => "no status after 30 s");
    if (status !== "ok") problems.push(`status: ${status}`);
    const fromPkg = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .map((entry) => new URL(entry.name).pathname)
        .filter((path) => path.startsWith("/pkg/")),
    );
    if (fromPkg.join() !== "/pkg/index.js") problems.push(`requests to pkg/: ${fromPkg.join(", ")} (expected index.js alone)`);
    for (const p of await page.takeProblems()) {
      if (p.kind === "pageerror") problems.push(`page error: ${p.text}`);
      else console.log(`  ${p.kind} on /plain/: ${p.text}`);
    }
    // Each timeline entry as its pieces (time, title, count, detail) joined by " · ".
    const events = await page.evaluate(() =>
      [...document.querySelectorAll("#events li")].map((li) =>
        [...li.querySelectorAll("*")]
          .filter((el) => el.childElementCount === 0)
          .map((el) => el.textContent.trim())
          .filter(Boolean)
          .join(" · "),
      ),
    );
    for (const e of events) console.log(`  event: ${e}`);
    check(problems.length === 0, problems.join("\n  "));
  });
});
