// Resolves the Toxiproxy server: explicit path, cache, PATH (a v2 server of the same release), or a Go build.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryError, describeError, type SourceAttempt, VersionUnavailableError } from '../errors.js';
import { findOnPath } from '../util/exec.js';
import { TOXIPROXY_VERSION } from '../versions/catalog.js';
import { BinaryCache } from './cache.js';
import { goBuild } from './sources/go-build.js';
import { type ProgressListener, silentProgress, type ToxiproxyBinary } from './types.js';
import { toxiproxyVersionOf } from './verify.js';

export interface ResolveToxiproxyOptions {
  /** Path of a toxiproxy-server binary to use. Env: ETCD_CHAOS_TOXIPROXY_BIN. */
  path?: string;
  cache?: BinaryCache;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

const TOOL = 'toxiproxy';
const BINARY = 'toxiproxy-server';
const memo = new Map<string, Promise<ToxiproxyBinary>>();

export function resolveToxiproxy(options: ResolveToxiproxyOptions = {}): Promise<ToxiproxyBinary> {
  const explicit = options.path ?? process.env.ETCD_CHAOS_TOXIPROXY_BIN;
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

async function resolveUncached(
  explicit: string | undefined,
  cache: BinaryCache,
  options: ResolveToxiproxyOptions,
): Promise<ToxiproxyBinary> {
  if (explicit) {
    const version = await toxiproxyVersionOf(explicit);
    if (!version.startsWith('2.'))
      throw new BinaryError(`${explicit} is Toxiproxy ${version}; a v2 server is needed.`);
    return { version, path: explicit, source: 'explicit' };
  }
  const cached = await tryCache(cache);
  if (cached) return cached;
  const onPath = await findOnPath(BINARY);
  if (onPath) {
    const version = await toxiproxyVersionOf(onPath).catch(() => '');
    if (version === TOXIPROXY_VERSION) return { version, path: onPath, source: 'path' };
  }
  return cache.withLock(TOOL, TOXIPROXY_VERSION, async () => {
    const raced = await tryCache(cache);
    if (raced) return raced;
    const onProgress = options.onProgress ?? silentProgress;
    const attempts: SourceAttempt[] = [];
    try {
      await cache.install(
        TOOL,
        TOXIPROXY_VERSION,
        async (stagingDir) => {
          const { goVersion } = await goBuild({
            workDir: cache.buildDir(`toxiproxy-v${TOXIPROXY_VERSION}`),
            requirements: [{ module: 'github.com/Shopify/toxiproxy/v2', version: `v${TOXIPROXY_VERSION}` }],
            targets: [{ pkg: 'github.com/Shopify/toxiproxy/v2/cmd/server', outName: BINARY }],
            ldflags: [`-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`],
            outDir: stagingDir,
            onProgress,
            signal: options.signal,
          });
          await chmod(join(stagingDir, BINARY), 0o755);
          return {
            source: 'go-build',
            files: [BINARY],
            provenance: `go module v${TOXIPROXY_VERSION}, ${goVersion}`,
          };
        },
        async (stagingDir) => {
          const version = await toxiproxyVersionOf(join(stagingDir, BINARY));
          if (version !== TOXIPROXY_VERSION) {
            throw new BinaryError(`built toxiproxy-server reports ${version}, expected ${TOXIPROXY_VERSION}`);
          }
        },
      );
    } catch (error) {
      attempts.push({ source: 'go-build', reason: describeError(error) });
      throw new VersionUnavailableError(`Toxiproxy ${TOXIPROXY_VERSION}`, attempts, []);
    }
    onProgress({ kind: 'step', message: `toxiproxy-server ${TOXIPROXY_VERSION} ready (go-build)` });
    return {
      version: TOXIPROXY_VERSION,
      path: join(cache.entryDir(TOOL, TOXIPROXY_VERSION), BINARY),
      source: 'go-build',
    };
  });
}

async function tryCache(cache: BinaryCache): Promise<ToxiproxyBinary | undefined> {
  if (!(await cache.readManifest(TOOL, TOXIPROXY_VERSION))) return undefined;
  const path = join(cache.entryDir(TOOL, TOXIPROXY_VERSION), BINARY);
  const version = await toxiproxyVersionOf(path).catch(() => undefined);
  return version === TOXIPROXY_VERSION ? { version, path, source: 'cache' } : undefined;
}
