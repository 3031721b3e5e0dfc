// Resolves a single-binary Go tool (Toxiproxy's server, etcd's benchmark): explicit path, cache, PATH, or a Go build
// through a wrapper module, verified by asking the binary for its version.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryError, describeError, VersionUnavailableError } from '../errors.js';
import { findOnPath } from '../util/exec.js';
import { BinaryCache } from './cache.js';
import { goBuild } from './sources/go-build.js';
import { type BinarySource, type ProgressListener, silentProgress } from './types.js';

export interface GoToolSpec {
  /** Cache directory name, e.g. `toxiproxy`. */
  readonly tool: string;
  /** File name of the binary, e.g. `toxiproxy-server`. */
  readonly binary: string;
  readonly version: string;
  readonly module: string;
  readonly moduleVersion: string;
  readonly pkg: string;
  readonly ldflags?: readonly string[];
  /** Env var naming an explicit binary. */
  readonly pathEnv: string;
  /** Returns the version the binary reports, or throws when it does not run. */
  readonly versionOf: (path: string) => Promise<string>;
  /** Whether a reported version is acceptable for an explicit or PATH binary. */
  readonly acceptsExplicit: (reported: string) => boolean;
}

export interface ResolvedGoTool {
  readonly version: string;
  readonly path: string;
  readonly source: BinarySource;
}

export interface ResolveGoToolOptions {
  path?: string;
  cache?: BinaryCache;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

const memo = new Map<string, Promise<ResolvedGoTool>>();

export function resolveGoTool(spec: GoToolSpec, options: ResolveGoToolOptions = {}): Promise<ResolvedGoTool> {
  const explicit = options.path ?? process.env[spec.pathEnv];
  const cache = options.cache ?? new BinaryCache();
  const key = `${spec.tool}|${spec.version}|${explicit ?? ''}|${cache.root}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = resolveUncached(spec, explicit, cache, options);
    memo.set(key, pending);
    // The caller gets the failure through the returned promise; forgetting it lets the next call try again.
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

async function resolveUncached(
  spec: GoToolSpec,
  explicit: string | undefined,
  cache: BinaryCache,
  options: ResolveGoToolOptions,
): Promise<ResolvedGoTool> {
  if (explicit) {
    const version = await spec.versionOf(explicit);
    if (!spec.acceptsExplicit(version))
      throw new BinaryError(`${explicit} reports ${spec.tool} ${version}, which is not usable here.`);
    return { version, path: explicit, source: 'explicit' };
  }
  const cached = await tryCache(spec, cache);
  if (cached) return cached;
  const onPath = await findOnPath(spec.binary);
  if (onPath) {
    // A binary on the PATH that does not report its version is not the one asked for: provision our own.
    const version = await spec.versionOf(onPath).catch(() => '');
    if (version === spec.version) return { version, path: onPath, source: 'path' };
  }
  return cache.withLock(spec.tool, spec.version, async () => {
    const raced = await tryCache(spec, cache);
    if (raced) return raced;
    const onProgress = options.onProgress ?? silentProgress;
    try {
      await cache.install(
        spec.tool,
        spec.version,
        async (stagingDir) => {
          const { goVersion } = await goBuild({
            workDir: cache.buildDir(`${spec.tool}-v${spec.moduleVersion}`),
            requirements: [{ module: spec.module, version: spec.moduleVersion }],
            targets: [{ pkg: spec.pkg, outName: spec.binary }],
            ldflags: spec.ldflags,
            outDir: stagingDir,
            onProgress,
            signal: options.signal,
          });
          await chmod(join(stagingDir, spec.binary), 0o755);
          return {
            source: 'go-build',
            files: [spec.binary],
            provenance: `go module ${spec.module}@${spec.moduleVersion}, ${goVersion}`,
          };
        },
        async (stagingDir) => {
          const version = await spec.versionOf(join(stagingDir, spec.binary));
          if (version !== spec.version)
            throw new BinaryError(`built ${spec.binary} reports ${version}, expected ${spec.version}`);
        },
      );
    } catch (error) {
      throw new VersionUnavailableError(
        `${spec.tool} ${spec.version}`,
        [{ source: 'go-build', reason: describeError(error) }],
        [],
      );
    }
    onProgress({ kind: 'step', message: `${spec.binary} ${spec.version} ready (go-build)` });
    return {
      version: spec.version,
      path: join(cache.entryDir(spec.tool, spec.version), spec.binary),
      source: 'go-build',
    };
  });
}

async function tryCache(spec: GoToolSpec, cache: BinaryCache): Promise<ResolvedGoTool | undefined> {
  if (!(await cache.readManifest(spec.tool, spec.version))) return undefined;
  const path = join(cache.entryDir(spec.tool, spec.version), spec.binary);
  // A cached binary that no longer runs is rebuilt (the build's own errors then say why).
  const version = await spec.versionOf(path).catch(() => undefined);
  return version === spec.version ? { version, path, source: 'cache' } : undefined;
}
