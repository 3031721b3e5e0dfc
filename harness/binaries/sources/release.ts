// The official etcd release path: tarball + SHA256SUMS from GitHub (or a mirror), verified, extracted with `tar`.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { ChecksumMismatchError, HarnessError } from '../../errors.js';
import type { EtcdVersion } from '../../versions/version.js';
import type { ProgressListener } from '../types.js';

export const DEFAULT_RELEASE_MIRROR = 'https://github.com/etcd-io/etcd/releases/download';

/** The mirror to use: explicit option, then ETCD_CHAOS_RELEASE_MIRROR, then GitHub. */
export function releaseMirror(explicit?: string): string {
  return (explicit || process.env.ETCD_CHAOS_RELEASE_MIRROR || DEFAULT_RELEASE_MIRROR).replace(/\/+$/, '');
}

export function releaseArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'arm64':
      return 'arm64';
    case 'ppc64':
      return 'ppc64le';
    case 's390x':
      return 's390x';
    default:
      throw new HarnessError(`etcd publishes no Linux release for CPU architecture ${process.arch}.`);
  }
}

/** `<mirror>/v3.6.16/etcd-v3.6.16-linux-amd64.tar.gz` and its SHA256SUMS, same layout as GitHub releases. */
export function releaseUrls(
  version: EtcdVersion,
  mirror: string,
): { tarball: string; sums: string; fileName: string } {
  const fileName = `etcd-${version.tag}-linux-${releaseArch()}.tar.gz`;
  return {
    fileName,
    tarball: `${mirror}/${version.tag}/${fileName}`,
    sums: `${mirror}/${version.tag}/SHA256SUMS`,
  };
}

export interface ReleaseDownload {
  readonly version: EtcdVersion;
  readonly mirror: string;
  readonly stagingDir: string;
  readonly onProgress: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Downloads, verifies and extracts into `stagingDir`; returns the URL it used. */
export async function downloadRelease(request: ReleaseDownload): Promise<{ url: string; sha256: string }> {
  const urls = releaseUrls(request.version, request.mirror);
  request.onProgress({ kind: 'step', message: `downloading ${urls.sums}` });
  const sumsText = await (await fetchOk(urls.sums, request.signal, 30_000)).text();
  const expected = expectedChecksum(sumsText, urls.fileName);
  if (!expected) {
    throw new ChecksumMismatchError(`${urls.sums} has no checksum for ${urls.fileName}.`, {
      hint: 'The mirror may be incomplete; nothing was cached.',
      context: { url: urls.sums },
    });
  }

  request.onProgress({ kind: 'step', message: `downloading ${urls.tarball}` });
  const response = await fetchOk(urls.tarball, request.signal, 15 * 60_000);
  const totalBytes = Number(response.headers.get('content-length')) || undefined;
  const downloadDir = join(request.stagingDir, '.download');
  await mkdir(downloadDir, { recursive: true });
  const tarballPath = join(downloadDir, urls.fileName);
  const hash = createHash('sha256');
  let receivedBytes = 0;
  let lastReportAt = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      receivedBytes += chunk.length;
      const now = Date.now();
      if (now - lastReportAt > 250) {
        lastReportAt = now;
        request.onProgress({ kind: 'bytes', receivedBytes, totalBytes });
      }
      callback(null, chunk);
    },
  });
  if (!response.body) throw new HarnessError(`${urls.tarball} returned an empty body.`);
  await pipeline(Readable.fromWeb(response.body as never), meter, createWriteStream(tarballPath));
  request.onProgress({ kind: 'bytes', receivedBytes, totalBytes });
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw new ChecksumMismatchError(
      `Checksum mismatch for ${urls.tarball}: SHA256SUMS says ${expected}, the download is ${actual}. Nothing was cached.`,
      {
        hint: 'Retry; if it persists the mirror serves a different file than the release (check ETCD_CHAOS_RELEASE_MIRROR).',
        context: { url: urls.tarball, expected, actual },
      },
    );
  }

  request.onProgress({ kind: 'step', message: `extracting ${urls.fileName}` });
  const extractDir = join(downloadDir, 'extracted');
  await mkdir(extractDir, { recursive: true });
  await tar.x({ file: tarballPath, cwd: extractDir, strip: 1 });
  const tools = request.version.line === '3.4' ? ['etcd', 'etcdctl'] : ['etcd', 'etcdctl', 'etcdutl'];
  for (const tool of tools) {
    await copyFile(join(extractDir, tool), join(request.stagingDir, tool)).catch((error: unknown) => {
      throw new HarnessError(`${urls.fileName} has no \`${tool}\` binary.`, { cause: error });
    });
  }
  return { url: urls.tarball, sha256: actual };
}

/** Finds the checksum for `fileName` in a `sha256sum`-style listing (`<hex>  <name>` or `<hex> *<name>`). */
export function expectedChecksum(sums: string, fileName: string): string | undefined {
  for (const line of sums.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/i.exec(line.trim());
    if (match?.[2] === fileName) return match[1]?.toLowerCase();
  }
  return undefined;
}

async function fetchOk(url: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { signal: combined, redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new HarnessError(`could not fetch ${url} (${reason})`, { cause: error, context: { url } });
  }
  if (!response.ok) {
    throw new HarnessError(`${url} answered HTTP ${response.status}`, {
      context: { url, status: response.status },
    });
  }
  return response;
}
