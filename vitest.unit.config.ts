import { defineConfig } from 'vitest/config';

// The fast loop (`npm run test:unit`): pure logic only. No global setup, so nothing is provisioned (no etcd build, no
// Docker, no Chromium); files run in parallel.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 10_000,
  },
});
