// The check runner every Node-driven test script shares: named async checks, run in order, and
// the closing "<label>: N passed, M failed" line that npm test counts.

/** Runs named async checks in order and prints `<label>: N passed, M failed` (counted by npm test). */
export async function runChecks(label, checks) {
  let passed = 0;
  let failed = 0;
  for (const [name, check] of checks) {
    const started = Date.now();
    try {
      await check();
      passed++;
      console.log(`${label}: ok ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(`${label}: FAILED ${name}\n  ${err?.stack ?? err}`);
    }
  }
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return failed === 0;
}

/** Throws `message` unless `condition`. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}
