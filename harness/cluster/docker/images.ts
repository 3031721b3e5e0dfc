// Which images the docker backend runs, and building them offline. Order: a reference the user gave; the official
// image if it is already here; the image etcd-chaos built; a pull of the official image; and when no registry
// answers, a local build from the binaries etcd-chaos resolves (FROM scratch, see docker/). No pull is attempted when
// a usable image is present.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import * as tar from 'tar';
import { resolveEtcd } from '../../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../../binaries/resolve-toxiproxy.js';
import type { EtcdBinaries, ProgressListener, ToxiproxyBinary } from '../../binaries/types.js';
import { describeError, HarnessError } from '../../errors.js';
import { logger } from '../../log.js';
import { TEMP_DIR_PREFIX, tempRoot } from '../../paths.js';
import { findOnPath, runCommand } from '../../util/exec.js';
import { packageRoot } from '../../util/package-info.js';
import { TOXIPROXY_VERSION } from '../../versions/catalog.js';
import type { EtcdVersion } from '../../versions/version.js';
import { dockerEngine } from './engine.js';

const log = logger('images');
const BINARY_LABEL = 'etcd-chaos.binary-sha256';
const PULL_TIMEOUT_MS = 5 * 60_000;

export const officialEtcdImage = (version: EtcdVersion): string => `gcr.io/etcd-development/etcd:v${version}`;
export const localEtcdImage = (version: EtcdVersion): string => `etcd-chaos/etcd:${version}`;
export const officialToxiproxyImage = `ghcr.io/shopify/toxiproxy:${TOXIPROXY_VERSION}`;
export const localToxiproxyImage = `etcd-chaos/toxiproxy:${TOXIPROXY_VERSION}`;

export interface ImageChoice {
  readonly ref: string;
  /** How it was obtained: present locally, pulled, or built just now. */
  readonly how: 'override' | 'official-local' | 'local-build' | 'pulled' | 'built';
}

export interface ImageOptions {
  /** An image reference to use instead (`{version}` is replaced by the etcd version). */
  readonly override?: string;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Registries that did not answer in this process: not asked again. */
const unreachable = new Set<string>();

export async function etcdImageFor(version: EtcdVersion, options: ImageOptions = {}): Promise<ImageChoice> {
  const override = options.override ?? process.env.ETCD_CHAOS_ETCD_IMAGE;
  if (override) return useOverride(override.replaceAll('{version}', String(version)), options);
  const binaries = () => resolveEtcd(version, { onProgress: options.onProgress, signal: options.signal });
  return chooseImage(officialEtcdImage(version), options, {
    ref: localEtcdImage(version),
    binary: async () => (await binaries()).etcd,
    build: async () => buildEtcdImage(await binaries(), options.onProgress),
  });
}

export async function toxiproxyImageFor(options: ImageOptions = {}): Promise<ImageChoice> {
  const override = options.override ?? process.env.ETCD_CHAOS_TOXIPROXY_IMAGE;
  if (override) return useOverride(override, options);
  const binary = () => resolveToxiproxy({ onProgress: options.onProgress });
  return chooseImage(officialToxiproxyImage, options, {
    ref: localToxiproxyImage,
    binary: async () => (await binary()).path,
    build: async () => buildToxiproxyImage(await binary(), options.onProgress),
  });
}

/** The image etcd-chaos builds itself: its tag, the binary it is built from, and how to build it. */
interface LocalImage {
  readonly ref: string;
  readonly binary: () => Promise<string>;
  readonly build: () => Promise<string>;
}

async function chooseImage(official: string, options: ImageOptions, local: LocalImage): Promise<ImageChoice> {
  const docker = (await dockerEngine()).container.dockerode;
  if (await imageExists(docker, official)) return { ref: official, how: 'official-local' };
  if (await imageExists(docker, local.ref)) {
    if (await builtFrom(docker, local.ref, await local.binary()))
      return { ref: local.ref, how: 'local-build' };
    // Our tag, built from binaries that have since been rebuilt (another cache, a new build): make it again.
    options.onProgress?.({ kind: 'step', message: `${local.ref} was built from other binaries: rebuilding` });
    return { ref: await local.build(), how: 'built' };
  }
  const pulled = await tryPull(docker, official, options.onProgress);
  if (pulled) return { ref: official, how: 'pulled' };
  options.onProgress?.({
    kind: 'step',
    message: `no registry reachable for ${official}: building ${local.ref}`,
  });
  return { ref: await local.build(), how: 'built' };
}

async function builtFrom(docker: Dockerode, ref: string, binary: string): Promise<boolean> {
  const info = await docker.getImage(ref).inspect();
  return info.Config.Labels?.[BINARY_LABEL] === (await sha256(binary));
}

async function useOverride(ref: string, options: ImageOptions): Promise<ImageChoice> {
  const docker = (await dockerEngine()).container.dockerode;
  if (await imageExists(docker, ref)) return { ref, how: 'override' };
  if (await tryPull(docker, ref, options.onProgress)) return { ref, how: 'override' };
  throw new HarnessError(`The image \`${ref}\` is neither present locally nor pullable.`, {
    hint: 'Check the reference, `docker pull` it on a machine with access and `docker load` it here, or drop the override to let etcd-chaos build one (`etcd-chaos images build`).',
  });
}

async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false; // inspect fails exactly when the image is not here
  }
}

async function tryPull(docker: Dockerode, ref: string, onProgress?: ProgressListener): Promise<boolean> {
  const registry = ref.includes('/') && ref.split('/')[0]!.includes('.') ? ref.split('/')[0]! : 'docker.io';
  if (unreachable.has(registry)) return false;
  onProgress?.({ kind: 'step', message: `pulling ${ref}` });
  try {
    const stream = await docker.pull(ref);
    await withTimeout(followProgress(docker, stream), PULL_TIMEOUT_MS, `pulling ${ref}`);
    return true;
  } catch (error) {
    log('pull %s failed: %s', ref, describeError(error));
    if (
      /lookup|dial tcp|timeout|connection refused|no such host|network is unreachable|TLS handshake/i.test(
        String(error),
      )
    )
      unreachable.add(registry);
    return false;
  }
}

/** Builds `etcd-chaos/etcd:<version>` from resolved binaries (Debian's dynamically linked 3.4 gets its libraries). */
export async function buildEtcdImage(binaries: EtcdBinaries, onProgress?: ProgressListener): Promise<string> {
  const tag = localEtcdImage(binaries.version);
  const files = [binaries.etcd, binaries.etcdctl, binaries.etcdutl].filter((file) => file !== undefined);
  await buildImage({
    tag,
    dockerfile: 'etcd.Dockerfile',
    files: files.map((file) => ({ source: file, target: `/usr/local/bin/${file.split('/').pop()}` })),
    binaryForLabel: binaries.etcd,
    onProgress,
  });
  return tag;
}

export async function buildToxiproxyImage(
  binary: ToxiproxyBinary,
  onProgress?: ProgressListener,
): Promise<string> {
  await buildImage({
    tag: localToxiproxyImage,
    dockerfile: 'toxiproxy.Dockerfile',
    files: [{ source: binary.path, target: '/toxiproxy' }],
    binaryForLabel: binary.path,
    onProgress,
  });
  return localToxiproxyImage;
}

interface BuildRequest {
  readonly tag: string;
  readonly dockerfile: string;
  readonly files: readonly { readonly source: string; readonly target: string }[];
  readonly binaryForLabel: string;
  readonly onProgress?: ProgressListener;
}

async function buildImage(request: BuildRequest): Promise<void> {
  const docker = (await dockerEngine()).container.dockerode;
  request.onProgress?.({ kind: 'step', message: `building image ${request.tag}` });
  const context = await mkdtemp(join(tempRoot(), `${TEMP_DIR_PREFIX}image-`));
  try {
    const rootfs = join(context, 'rootfs');
    for (const file of request.files) {
      await mkdir(join(rootfs, dirname(file.target)), { recursive: true });
      await copyFile(file.source, join(rootfs, file.target));
      for (const library of await sharedLibraries(file.source)) {
        await mkdir(join(rootfs, dirname(library)), { recursive: true });
        await copyFile(library, join(rootfs, library));
      }
    }
    // etcd writes nothing outside its data dir, but Go's os.TempDir and some tools expect /tmp to exist.
    await mkdir(join(rootfs, 'tmp'), { recursive: true });
    const dockerfile = await readFile(join(packageRoot(), 'docker', request.dockerfile), 'utf8');
    await writeFile(join(context, 'Dockerfile'), dockerfile);
    const tarball = tar.c({ cwd: context, portable: true }, ['Dockerfile', 'rootfs']);
    const stream = await docker.buildImage(tarball as unknown as NodeJS.ReadableStream, {
      t: request.tag,
      labels: { [BINARY_LABEL]: await sha256(request.binaryForLabel), 'etcd-chaos.built-by': 'etcd-chaos' },
    });
    await followProgress(docker, stream);
  } catch (error) {
    throw new HarnessError(`Could not build image ${request.tag}: ${describeError(error)}`, {
      hint: 'Is the Docker engine healthy (`docker info`)? The build needs no network: it copies local binaries.',
      cause: error,
    });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  request.onProgress?.({ kind: 'step', message: `built ${request.tag}` });
}

/** Libraries a dynamically linked binary loads (empty for static Go binaries), from `ldd`. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const ldd = await findOnPath('ldd');
  if (!ldd) return [];
  const result = await runCommand(ldd, [binary], { allowFailure: true });
  if (result.exitCode !== 0) return []; // "not a dynamic executable"
  const libraries: string[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1]) libraries.push(match[1]);
  }
  return libraries;
}

/** Waits for a pull/build stream to end; rejects on an error line (dockerode reports those in the stream). */
function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = error ?? output.find((line) => line.error);
      if (failed) reject(failed instanceof Error ? failed : new Error(failed.error));
      else resolve();
    });
  });
}

/** SHA-256 of a file, remembered per path and modification time (images are checked on every cluster start). */
const hashes = new Map<string, { readonly mtimeMs: number; readonly hash: string }>();

async function sha256(path: string): Promise<string> {
  const { mtimeMs } = await stat(path);
  const known = hashes.get(path);
  if (known?.mtimeMs === mtimeMs) return known.hash;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  hashes.set(path, { mtimeMs, hash: digest });
  return digest;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
