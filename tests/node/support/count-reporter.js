// Closing lines for npm test: `<project>: N passed, M failed` for each Vitest project (node, ssr,
// react), which scripts/test.sh counts. A test file that fails before its tests run (an import or
// beforeAll error) counts as one failure, and so does each unhandled error, so that a broken run
// never reads as "0 failed".
export default class CountReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const counts = new Map();
    const count = (name) => {
      if (!counts.has(name)) counts.set(name, { passed: 0, failed: 0 });
      return counts.get(name);
    };
    for (const module of testModules) {
      const c = count(module.project.name || "node");
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") c.passed++;
        else if (state === "failed") {
          c.failed++;
          failedTests++;
        }
      }
      if (failedTests === 0 && (module.state() === "failed" || module.errors().length > 0)) c.failed++;
    }
    if (unhandledErrors.length > 0) count("node").failed += unhandledErrors.length;
    for (const [name, { passed, failed }] of counts) console.log(`${name}: ${passed} passed, ${failed} failed`);
  }
}
