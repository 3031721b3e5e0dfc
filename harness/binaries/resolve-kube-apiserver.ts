// Resolves kube-apiserver for a Kubernetes release: explicit path (ETCD_CHAOS_KUBE_APISERVER_BIN), the cache, or a
// build from the k8s.io/kubernetes Go module (minutes, once per cache), verified by `kube-apiserver --version`.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryError, describeError, HarnessError } from '../errors.js';
import { logger } from '../log.js';
import { runCommand } from '../util/exec.js';
import {
  type KubernetesVersion,
  kubernetesVersionFromOutput,
  parseKubernetesVersion,
} from '../versions/kubernetes-release.js';
import { BinaryCache } from './cache.js';
import { buildKubernetesCommand } from './sources/kubernetes-build.js';
import { type BinarySource, type ProgressListener, silentProgress } from './types.js';

const log = logger('binaries');
const TOOL = 'kube-apiserver';

export interface KubeApiServerBinary {
  readonly version: KubernetesVersion;
  readonly path: string;
  readonly source: BinarySource;
}

export interface ResolveKubeApiServerOptions {
  /** A kube-apiserver binary to use instead (must report the requested release). Env: ETCD_CHAOS_KUBE_APISERVER_BIN. */
  path?: string;
  cache?: BinaryCache;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** The Kubernetes release a kube-apiserver reports, or a BinaryError when it does not run. */
export async function kubeApiServerVersionOf(path: string): Promise<KubernetesVersion> {
  let output: string;
  try {
    const result = await runCommand(path, ['--version'], { timeoutMs: 60_000 });
    output = `${result.stdout}\n${result.stderr}`;
  } catch (error) {
    throw new BinaryError(`${path} does not run: ${describeError(error)}`, { cause: error });
  }
  const version = kubernetesVersionFromOutput(output);
  if (!version)
    throw new BinaryError(`${path} --version printed no Kubernetes release: ${output.slice(0, 200)}`);
  return version;
}

const memo = new Map<string, Promise<KubeApiServerBinary>>();

/** Provisions (if needed) and returns a verified kube-apiserver for `request` (`'1.34'`, `'1.37.2'`, a version). */
export function resolveKubeApiServer(
  request: string | KubernetesVersion,
  options: ResolveKubeApiServerOptions = {},
): Promise<KubeApiServerBinary> {
  const version = typeof request === 'string' ? parseKubernetesVersion(request) : request;
  const explicit = options.path ?? process.env.ETCD_CHAOS_KUBE_APISERVER_BIN;
  const cache = options.cache ?? new BinaryCache();
  const key = `${version}|${explicit ?? ''}|${cache.root}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = resolveUncached(version, explicit, cache, options);
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

/** Kubernetes releases whose kube-apiserver is cached. */
export async function cachedKubeApiServerVersions(cache: BinaryCache = new BinaryCache()): Promise<string[]> {
  return (await cache.listVersions(TOOL)).sort();
}

async function resolveUncached(
  version: KubernetesVersion,
  explicit: string | undefined,
  cache: BinaryCache,
  options: ResolveKubeApiServerOptions,
): Promise<KubeApiServerBinary> {
  if (explicit) {
    const reported = await kubeApiServerVersionOf(explicit);
    if (!reported.equals(version))
      throw new BinaryError(`${explicit} reports Kubernetes ${reported}, expected ${version}.`, {
        hint: 'Unset ETCD_CHAOS_KUBE_APISERVER_BIN or ask for the release it is (`--kube-apiserver <version>`).',
      });
    return { version, path: explicit, source: 'explicit' };
  }
  const cached = await tryCache(cache, version);
  if (cached) return cached;
  return cache.withLock(TOOL, version.toString(), async () => {
    const raced = await tryCache(cache, version);
    if (raced) return raced;
    const onProgress = options.onProgress ?? silentProgress;
    const startedAt = Date.now();
    try {
      await cache.install(
        TOOL,
        version.toString(),
        async (stagingDir) => {
          const { goVersion } = await buildKubernetesCommand({
            version,
            command: 'cmd/kube-apiserver',
            outFile: join(stagingDir, TOOL),
            workDir: cache.buildDir(`kubernetes-${version.tag}`),
            onProgress,
            signal: options.signal,
          });
          await chmod(join(stagingDir, TOOL), 0o755);
          return {
            source: 'go-build',
            files: [TOOL],
            provenance: `go module k8s.io/kubernetes@${version.tag} (staging modules ${version.stagingModuleVersion}), ${goVersion}, built in ${Math.round((Date.now() - startedAt) / 1000)} s`,
          };
        },
        async (stagingDir) => {
          onProgress({ kind: 'step', message: 'verifying kube-apiserver --version' });
          const reported = await kubeApiServerVersionOf(join(stagingDir, TOOL));
          if (!reported.equals(version))
            throw new BinaryError(`built kube-apiserver reports ${reported}, expected ${version}`);
        },
      );
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new HarnessError(`kube-apiserver ${version} could not be built: ${describeError(error)}`, {
        cause: error,
        hint: 'The build needs Go 1.24+ and the Go module proxy (or a warm module cache); or point ETCD_CHAOS_KUBE_APISERVER_BIN at a kube-apiserver of that release.',
        context: { version: version.toString() },
      });
    }
    onProgress({
      kind: 'step',
      message: `kube-apiserver ${version} ready (go-build, ${Math.round((Date.now() - startedAt) / 1000)} s)`,
    });
    return { version, path: join(cache.entryDir(TOOL, version.toString()), TOOL), source: 'go-build' };
  });
}

async function tryCache(
  cache: BinaryCache,
  version: KubernetesVersion,
): Promise<KubeApiServerBinary | undefined> {
  if (!(await cache.readManifest(TOOL, version.toString()))) return undefined;
  const path = join(cache.entryDir(TOOL, version.toString()), TOOL);
  try {
    const reported = await kubeApiServerVersionOf(path);
    if (reported.equals(version)) return { version, path, source: 'cache' };
    log('cached kube-apiserver %s reports %s, rebuilding', version, reported);
  } catch (error) {
    log('cached kube-apiserver %s failed verification, rebuilding: %s', version, describeError(error));
  }
  return undefined;
}
