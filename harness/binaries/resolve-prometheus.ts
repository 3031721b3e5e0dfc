// Resolves Prometheus and promtool (one release, both binaries): explicit dir, cache, Debian's `prometheus` package
// (bookworm: 2.42.0, which brings promtool), or a Go build of the same release, verified with `--version`.
import { join } from 'node:path';
import { BinaryError, describeError, type SourceAttempt, VersionUnavailableError } from '../errors.js';
import { logger } from '../log.js';
import { runCommand } from '../util/exec.js';
import { BinaryCache } from './cache.js';
import { fetchDebianPackage, upstreamOf } from './sources/debian-package.js';
import { goBuild } from './sources/go-build.js';
import { type BinarySource, type ProgressListener, silentProgress } from './types.js';

const log = logger('binaries');

/** The Prometheus release the harness runs: Debian bookworm's, and the Go module tag of the same release. */
export const PROMETHEUS_VERSION = '2.42.0';
/** Prometheus 2.x tags its Go module v0.MINOR.PATCH (v2.42.0 → v0.42.0). */
const PROMETHEUS_MODULE_VERSION = 'v0.42.0';
const TOOL = 'prometheus';
const FILES = ['prometheus', 'promtool'] as const;

export interface PrometheusBinaries {
  readonly version: string;
  readonly prometheus: string;
  readonly promtool: string;
  readonly source: BinarySource;
}

export interface ResolvePrometheusOptions {
  /** A directory holding `prometheus` and `promtool`. Env: ETCD_CHAOS_PROMETHEUS_DIR. */
  dir?: string;
  cache?: BinaryCache;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

const memo = new Map<string, Promise<PrometheusBinaries>>();

export function resolvePrometheus(options: ResolvePrometheusOptions = {}): Promise<PrometheusBinaries> {
  const explicit = options.dir ?? process.env.ETCD_CHAOS_PROMETHEUS_DIR;
  const cache = options.cache ?? new BinaryCache();
  const key = `${explicit ?? ''}|${cache.root}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = resolveUncached(explicit, cache, options);
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

/** Runs `binary --version` and returns the upstream release it reports (`2.42.0` for Debian's `2.42.0+ds`). */
export async function prometheusVersionOf(binary: string): Promise<string> {
  const { stdout, stderr } = await runCommand(binary, ['--version'], { timeoutMs: 15_000 });
  const match = /version\s+v?(\S+)/.exec(`${stdout}\n${stderr}`);
  if (!match?.[1]) throw new BinaryError(`${binary} --version printed no version.`);
  return upstreamOf(match[1]);
}

async function verify(dir: string, expected: string | undefined): Promise<string> {
  const versions = await Promise.all(FILES.map((file) => prometheusVersionOf(join(dir, file))));
  const [prometheus, promtool] = versions;
  if (prometheus !== promtool)
    throw new BinaryError(`${dir}: prometheus reports ${prometheus} but promtool ${promtool}.`);
  if (expected && prometheus !== expected)
    throw new BinaryError(`${dir}: prometheus reports ${prometheus}, expected ${expected}.`);
  return prometheus ?? '';
}

function binariesIn(dir: string, version: string, source: BinarySource): PrometheusBinaries {
  return { version, prometheus: join(dir, 'prometheus'), promtool: join(dir, 'promtool'), source };
}

async function resolveUncached(
  explicit: string | undefined,
  cache: BinaryCache,
  options: ResolvePrometheusOptions,
): Promise<PrometheusBinaries> {
  if (explicit) {
    try {
      return binariesIn(explicit, await verify(explicit, undefined), 'explicit');
    } catch (error) {
      throw new BinaryError(`ETCD_CHAOS_PROMETHEUS_DIR=${explicit} is not usable: ${describeError(error)}`, {
        cause: error,
      });
    }
  }
  const cached = await tryCache(cache);
  if (cached) return cached;
  return cache.withLock(TOOL, PROMETHEUS_VERSION, async () => {
    const raced = await tryCache(cache);
    if (raced) return raced;
    return provision(cache, options);
  });
}

async function tryCache(cache: BinaryCache): Promise<PrometheusBinaries | undefined> {
  if (!(await cache.readManifest(TOOL, PROMETHEUS_VERSION))) return undefined;
  const dir = cache.entryDir(TOOL, PROMETHEUS_VERSION);
  try {
    await verify(dir, PROMETHEUS_VERSION);
  } catch (error) {
    log('cached prometheus failed verification, re-provisioning: %s', describeError(error));
    return undefined;
  }
  return binariesIn(dir, PROMETHEUS_VERSION, 'cache');
}

async function provision(cache: BinaryCache, options: ResolvePrometheusOptions): Promise<PrometheusBinaries> {
  const onProgress = options.onProgress ?? silentProgress;
  const attempts: SourceAttempt[] = [];
  for (const source of ['debian', 'go-build'] as const) {
    try {
      onProgress({ kind: 'step', message: `prometheus ${PROMETHEUS_VERSION}: trying ${source}` });
      const manifest = await cache.install(
        TOOL,
        PROMETHEUS_VERSION,
        async (stagingDir) => {
          if (source === 'debian') {
            const { packageVersion } = await fetchDebianPackage({
              name: 'prometheus',
              upstreamVersion: PROMETHEUS_VERSION,
              files: FILES.map((file) => `usr/bin/${file}`),
              stagingDir,
              onProgress,
            });
            return { source, files: [...FILES], provenance: `Debian prometheus ${packageVersion}` };
          }
          const { goVersion } = await goBuild({
            workDir: cache.buildDir(`prometheus-${PROMETHEUS_MODULE_VERSION}`),
            requirements: [
              { module: 'github.com/prometheus/prometheus', version: PROMETHEUS_MODULE_VERSION },
            ],
            targets: FILES.map((file) => ({
              pkg: `github.com/prometheus/prometheus/cmd/${file}`,
              outName: file,
            })),
            ldflags: [`-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION}`],
            outDir: stagingDir,
            onProgress,
            signal: options.signal,
          });
          return {
            source,
            files: [...FILES],
            provenance: `go module github.com/prometheus/prometheus@${PROMETHEUS_MODULE_VERSION}, ${goVersion}`,
          };
        },
        async (stagingDir) => {
          onProgress({ kind: 'step', message: 'verifying prometheus --version, promtool --version' });
          await verify(stagingDir, PROMETHEUS_VERSION);
        },
      );
      onProgress({ kind: 'step', message: `prometheus ${PROMETHEUS_VERSION} ready (${manifest.source})` });
      return binariesIn(cache.entryDir(TOOL, PROMETHEUS_VERSION), PROMETHEUS_VERSION, source);
    } catch (error) {
      log('source %s failed for prometheus: %s', source, describeError(error));
      attempts.push({ source, reason: describeError(error).split('\n').slice(0, 6).join('\n    ') });
      if (options.signal?.aborted) throw error;
    }
  }
  throw new VersionUnavailableError(`prometheus ${PROMETHEUS_VERSION}`, attempts, []);
}
