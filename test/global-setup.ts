// Provisions every supported etcd version and the Toxiproxy server once, before any test file runs, with progress
// on stderr (a cold cache builds from Go modules: minutes), and shares the resolved paths with the test files.
import { spawnSync } from 'node:child_process';
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { provisionMixin } from '../harness/alerting/mixin.js';
import { resolveEtcd } from '../harness/binaries/resolve-etcd.js';
import { resolveKubeApiServer } from '../harness/binaries/resolve-kube-apiserver.js';
import { resolvePrometheus } from '../harness/binaries/resolve-prometheus.js';
import { resolveToxiproxy } from '../harness/binaries/resolve-toxiproxy.js';
import { etcdImageFor, toxiproxyImageFor } from '../harness/cluster/docker/images.js';
import { SUPPORTED_LINES } from '../harness/versions/catalog.js';
import { resolveVersion } from '../harness/versions/version.js';
import { DOCKER_TEST_LINES, ensureDockerEngine } from './helpers/docker-engine.js';
import { ensureDebianPackage } from './helpers/system-packages.js';

export interface ProvisionedBinaries {
  readonly etcd: Record<string, { version: string; etcd: string; etcdctl: string; etcdutl: string | null }>;
  readonly toxiproxy: string;
  readonly prometheus: string;
  readonly promtool: string;
  /** etcd's mixin rendered from its source (`rules`) and etcd's own promtool test file for it (`test`). */
  readonly mixin: { readonly rules: string; readonly test: string; readonly dashboardQueries: string };
  /** kube-apiserver of the default Kubernetes release (the newest 1.34 patch): the only one the tests use. */
  readonly kubeApiServer: { version: string; path: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    binaries: ProvisionedBinaries;
    /** Headless Chromium for the HTML report test, or why it is unavailable. */
    chromium: { path: string | null; reason: string | null };
    /** A Docker engine for the container tests (images ready), or why there is none. */
    docker: { available: boolean; reason: string | null };
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const started = Date.now();
  const namespacesBefore = harnessNamespaces();
  const say = (message: string) => process.stderr.write(`[test setup] ${message}\n`);
  // CLI tests run the compiled CLI: build it if sources changed (a no-op when `npm test` already did).
  const build = spawnSync(process.execPath, ['scripts/bootstrap.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/bootstrap.mjs failed');
  const etcd: ProvisionedBinaries['etcd'] = {};
  for (const line of SUPPORTED_LINES) {
    const binaries = await resolveEtcd(line, {
      onProgress: (event) => {
        if (event.kind === 'step') say(event.message);
      },
    });
    etcd[line] = {
      version: binaries.version.toString(),
      etcd: binaries.etcd,
      etcdctl: binaries.etcdctl,
      etcdutl: binaries.etcdutl ?? null,
    };
    say(`etcd ${binaries.version}: ${binaries.source}`);
  }
  const toxiproxy = await resolveToxiproxy({
    onProgress: (event) => {
      if (event.kind === 'step') say(event.message);
    },
  });
  say(
    `toxiproxy-server ${toxiproxy.version}: ${toxiproxy.source}; binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  // The alert tests: Prometheus and promtool (Debian's package, else a Go build), go-jsonnet and etcd's mixin.
  const prometheus = await resolvePrometheus({
    onProgress: (event) => {
      if (event.kind === 'step') say(event.message);
    },
  });
  const mixin = await provisionMixin({
    onProgress: (event) => {
      if (event.kind === 'step') say(event.message);
    },
  });
  say(
    `prometheus ${prometheus.version}: ${prometheus.source}; etcd mixin rendered with go-jsonnet v${mixin.jsonnetVersion}`,
  );
  // The Kubernetes tests: kube-apiserver, built from Go modules on a cold cache (measured: 4–5 min of CPU on 2 cores;
  // 21 min wall on a loaded machine).
  const kubeStarted = Date.now();
  const kubeApiServer = await resolveKubeApiServer('default', {
    onProgress: (event) => {
      if (event.kind === 'step') say(event.message);
    },
  });
  say(
    `kube-apiserver ${kubeApiServer.version}: ${kubeApiServer.source} in ${((Date.now() - kubeStarted) / 1000).toFixed(1)} s`,
  );
  project.provide('binaries', {
    etcd,
    toxiproxy: toxiproxy.path,
    prometheus: prometheus.prometheus,
    promtool: prometheus.promtool,
    mixin: { rules: mixin.rulesPath, test: mixin.testPath, dashboardQueries: mixin.dashboardQueriesPath },
    kubeApiServer: { version: kubeApiServer.version.toString(), path: kubeApiServer.path },
  });
  const chromium = ensureDebianPackage('chromium', '/usr/bin/chromium', say);
  if (!chromium.available) say(`browser test will be skipped: ${chromium.reason}`);
  project.provide('chromium', {
    path: chromium.available ? '/usr/bin/chromium' : null,
    reason: chromium.reason ?? null,
  });
  project.provide('docker', await prepareDocker(say));
  return () => {
    removeEmptyStateDir(project.config.env?.ETCD_CHAOS_STATE_DIR);
    // Nothing is left behind: a network namespace a test run left (an interrupted run once left one every time) fails
    // the run here, named, rather than piling up on the machine unnoticed.
    const leaked = harnessNamespaces().filter((name) => !namespacesBefore.includes(name));
    if (leaked.length > 0) {
      // vitest reports an error thrown here but still exits 0: the exit code is set as well.
      process.exitCode = 1;
      throw new Error(`the test run left ${leaked.length} network namespace(s) behind: ${leaked.join(', ')}`);
    }
  };
}

/** The harness's network namespaces on this machine (`ec<run>-<member>-<n>`); none without root or iproute2. */
function harnessNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (listed.status !== 0) return [];
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => /^ec[0-9a-f]+-/.test(name));
}

/**
 * The tests' run journals live in their own state dir (vitest.config.ts) so that a killed test run is reaped by the
 * next. When every run closed its journal the dir is empty: remove it, so a test run leaves nothing in /tmp.
 * `rmdir` removes only empty directories, so a journal of a run that is still live (or a dockerd log) keeps it.
 */
function removeEmptyStateDir(dir: string | undefined): void {
  if (!dir) return;
  for (const path of [join(dir, 'runs'), dir]) {
    try {
      rmdirSync(path);
    } catch {
      return; // not empty (or already gone): leave it
    }
  }
}

/** Starts an engine if needed and makes the images the container tests run (built offline when not present). */
async function prepareDocker(
  say: (message: string) => void,
): Promise<{ available: boolean; reason: string | null }> {
  const engine = await ensureDockerEngine(say);
  if (!engine.available) {
    say(`container tests will be skipped: ${engine.reason}`);
    return { available: false, reason: engine.reason ?? 'no Docker engine' };
  }
  const started = Date.now();
  const onProgress = (event: { kind: string; message?: string }) => {
    if (event.kind === 'step' && event.message) say(event.message);
  };
  const toxiproxy = await toxiproxyImageFor({ onProgress });
  const etcd = [];
  for (const line of DOCKER_TEST_LINES) etcd.push(await etcdImageFor(resolveVersion(line), { onProgress }));
  say(
    `docker images ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${[toxiproxy, ...etcd].map((image) => `${image.ref} (${image.how})`).join(', ')}`,
  );
  return { available: true, reason: null };
}
