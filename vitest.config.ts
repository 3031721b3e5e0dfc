import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration tests start real clusters: one file at a time, in forked processes (etcd children, signals).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'reports/test-results.junit.xml' },
    env: {
      // Tests keep their own run journals, so they never reap (or are reaped by) a user's runs, nor another
      // checkout's test runs on the same machine (one state dir per checkout).
      ETCD_CHAOS_STATE_DIR: join(
        tmpdir(),
        `etcd-chaos-test-state-${createHash('sha256')
          .update(import.meta.dirname)
          .digest('hex')
          .slice(0, 8)}`,
      ),
    },
  },
});
