import { defineConfig } from "vitest/config";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends every run with a plain `N passed, N failed` line: the one line CI reads. A test file that
 * fails to load, and an unhandled error, each count as a failure so they cannot pass unseen.
 */
class PassedFailedLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    for (const module of modules) {
      let tests = 0;
      for (const test of module.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
      }
      if (tests === 0 || (module.state() === "failed" && ![...module.children.allTests("failed")].length)) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  }
}

export default defineConfig({
  test: {
    include: ["{spec-lang,compiler,generators}/**/*.test.ts"],
    reporters: ["default", new PassedFailedLine()],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
