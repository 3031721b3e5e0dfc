// Resolves the etcd tools for a version: explicit dir, cache, official release, Go build, Debian (3.4), in that order.
import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ChecksumMismatchError,
  describeError,
  HarnessError,
  type SourceAttempt,
  VersionUnavailableError,
} from '../errors.js';
import { logger } from '../log.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import { BinaryCache } from './cache.js';
import { fetchDebianEtcd } from './sources/debian.js';
import { goBuild } from './sources/go-build.js';
import { downloadRelease, releaseMirror } from './sources/release.js';
import { type BinarySource, type EtcdBinaries, type ProgressListener, silentProgress } from './types.js';
import { toolsOf, verifyEtcdTools } from './verify.js';

const log = logger('binaries');

export interface ResolveEtcdOptions {
  /** A directory holding etcd, etcdctl (and etcdutl for 3.5+) to use instead of any source. Env: ETCD_CHAOS_BIN_DIR. */
  binDir?: string;
  cache?: BinaryCache;
  releaseMirror?: string;
  /** Skip the release download (no internet). Env: ETCD_CHAOS_OFFLINE=1. */
  offline?: boolean;
  /** Sources to try after explicit/cache, in order. Default: release, go-build, debian. */
  sources?: readonly Exclude<BinarySource, 'explicit' | 'cache' | 'path'>[];
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

const ETCD_TOOL = 'etcd';
const memo = new Map<string, Promise<EtcdBinaries>>();

/** Provisions (if needed) and returns verified etcd binaries for `request` (`'3.6'`, `'3.5.35'`, an EtcdVersion). */
export function resolveEtcd(
  request: string | EtcdVersion,
  options: ResolveEtcdOptions = {},
): Promise<EtcdBinaries> {
  const version = resolveVersion(request);
  const binDir = options.binDir ?? process.env.ETCD_CHAOS_BIN_DIR;
  const cache = options.cache ?? new BinaryCache();
  const key = `${version}|${binDir ?? ''}|${cache.root}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = resolveUncached(version, binDir, cache, options);
    memo.set(key, pending);
    // The caller gets the failure through the returned promise; forgetting it lets the next call try again.
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

/** Forgets in-process resolutions (the next call re-reads and re-verifies the cache). */
export function forgetResolvedEtcd(): void {
  memo.clear();
}

/** Versions that resolve without a download or build on this machine. */
export async function cachedEtcdVersions(cache: BinaryCache = new BinaryCache()): Promise<string[]> {
  return (await cache.listVersions(ETCD_TOOL)).sort();
}

async function resolveUncached(
  version: EtcdVersion,
  binDir: string | undefined,
  cache: BinaryCache,
  options: ResolveEtcdOptions,
): Promise<EtcdBinaries> {
  if (binDir) {
    await verifyEtcdTools(binDir, version);
    return binariesIn(binDir, version, 'explicit');
  }
  const fromCache = await tryCache(cache, version);
  if (fromCache) return fromCache;
  return cache.withLock(ETCD_TOOL, version.toString(), async () => {
    const raced = await tryCache(cache, version);
    if (raced) return raced;
    return provision(version, cache, options);
  });
}

async function tryCache(cache: BinaryCache, version: EtcdVersion): Promise<EtcdBinaries | undefined> {
  const manifest = await cache.readManifest(ETCD_TOOL, version.toString());
  if (!manifest) return undefined;
  const dir = cache.entryDir(ETCD_TOOL, version.toString());
  try {
    await verifyEtcdTools(dir, version);
  } catch (error) {
    log('cached etcd %s failed verification, re-provisioning: %s', version, describeError(error));
    return undefined;
  }
  return binariesIn(dir, version, 'cache');
}

function defaultSources(
  version: EtcdVersion,
  offline: boolean,
): Exclude<BinarySource, 'explicit' | 'cache' | 'path'>[] {
  const sources: Exclude<BinarySource, 'explicit' | 'cache' | 'path'>[] = [];
  if (!offline) sources.push('release');
  // etcd 3.4 predates the Go module layout the wrapper build relies on; Debian packages it instead.
  sources.push(version.line === '3.4' ? 'debian' : 'go-build');
  return sources;
}

async function provision(
  version: EtcdVersion,
  cache: BinaryCache,
  options: ResolveEtcdOptions,
): Promise<EtcdBinaries> {
  const onProgress = options.onProgress ?? silentProgress;
  const offline = options.offline ?? process.env.ETCD_CHAOS_OFFLINE === '1';
  const sources = options.sources ?? defaultSources(version, offline);
  const attempts: SourceAttempt[] = [];
  for (const source of sources) {
    try {
      onProgress({ kind: 'step', message: `etcd ${version}: trying ${source}` });
      const manifest = await cache.install(
        ETCD_TOOL,
        version.toString(),
        (stagingDir) => produce(source, version, stagingDir, cache, options, onProgress),
        async (stagingDir) => {
          onProgress({ kind: 'step', message: `verifying ${toolsOf(version).join(', ')} --version` });
          await verifyEtcdTools(stagingDir, version);
        },
      );
      onProgress({ kind: 'step', message: `etcd ${version} ready (${manifest.source})` });
      return binariesIn(cache.entryDir(ETCD_TOOL, version.toString()), version, source);
    } catch (error) {
      // A checksum mismatch is a signal, not a reason to quietly try something else.
      if (error instanceof ChecksumMismatchError) throw error;
      log('source %s failed for etcd %s: %s', source, version, describeError(error));
      attempts.push({ source, reason: firstLines(describeError(error), 6) });
      if (options.signal?.aborted) throw error;
    }
  }
  throw new VersionUnavailableError(version.toString(), attempts, await cachedEtcdVersions(cache));
}

async function produce(
  source: Exclude<BinarySource, 'explicit' | 'cache' | 'path'>,
  version: EtcdVersion,
  stagingDir: string,
  cache: BinaryCache,
  options: ResolveEtcdOptions,
  onProgress: ProgressListener,
): Promise<{ source: BinarySource; files: string[]; provenance: string }> {
  const files = toolsOf(version);
  switch (source) {
    case 'release': {
      const mirror = releaseMirror(options.releaseMirror);
      const { url, sha256 } = await downloadRelease({
        version,
        mirror,
        stagingDir,
        onProgress,
        signal: options.signal,
      });
      return { source, files, provenance: `${url} sha256:${sha256}` };
    }
    case 'go-build': {
      const modules = [
        'go.etcd.io/etcd/server/v3',
        'go.etcd.io/etcd/etcdctl/v3',
        'go.etcd.io/etcd/etcdutl/v3',
      ];
      const { goVersion } = await goBuild({
        workDir: cache.buildDir(`etcd-${version.tag}`),
        requirements: modules.map((module) => ({ module, version: version.tag })),
        targets: [
          { pkg: 'go.etcd.io/etcd/server/v3', outName: 'etcd' },
          { pkg: 'go.etcd.io/etcd/etcdctl/v3', outName: 'etcdctl' },
          { pkg: 'go.etcd.io/etcd/etcdutl/v3', outName: 'etcdutl' },
        ],
        outDir: stagingDir,
        onProgress,
        signal: options.signal,
      });
      return { source, files, provenance: `go modules ${version.tag}, ${goVersion}` };
    }
    case 'debian': {
      const { packageVersion } = await fetchDebianEtcd(version, stagingDir, onProgress);
      return { source, files, provenance: `Debian etcd-server/etcd-client ${packageVersion}` };
    }
    default:
      throw new HarnessError(`unknown binary source ${String(source)}`);
  }
}

function binariesIn(dir: string, version: EtcdVersion, source: BinarySource): EtcdBinaries {
  return {
    version,
    source,
    etcd: join(dir, 'etcd'),
    etcdctl: join(dir, 'etcdctl'),
    etcdutl: capabilitiesOf(version).hasEtcdutl ? join(dir, 'etcdutl') : undefined,
  };
}

function firstLines(text: string, count: number): string {
  return text.split('\n').slice(0, count).join('\n    ');
}

/** Copies a set of binaries somewhere else (docker build contexts, user bundles). */
export async function copyEtcdBinaries(binaries: EtcdBinaries, targetDir: string): Promise<void> {
  for (const tool of toolsOf(binaries.version)) {
    const target = join(targetDir, tool);
    await copyFile(binaries[tool] ?? '', target);
    await chmod(target, 0o755);
  }
}
