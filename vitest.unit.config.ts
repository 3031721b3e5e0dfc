import { defineConfig } from 'vitest/config';

// The fast loop (`npm run test:unit`): pure logic only. No global setup, so nothing is provisioned (no etcd build, no
// Docker, no Chromium); files run in parallel.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'forks',
    // Files share a worker's module cache: importing the harness again for each of 55 files was two thirds of the
    // loop (34 s on main, 36-39 s with the scale merge at load 3.4; 10.5-12 s shared, the same 591 tests passing).
    // The unit tests mock no modules; one that does, or leaves global state behind, needs an `afterEach` that
    // restores it (report-render.test.ts does so for GITHUB_STEP_SUMMARY).
    isolate: false,
    testTimeout: 10_000,
  },
});
