// The official-release path against a local HTTP server serving a tarball this test builds.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryCache } from '../../harness/binaries/cache.js';
import { forgetResolvedEtcd, resolveEtcd } from '../../harness/binaries/resolve-etcd.js';
import { expectedChecksum, releaseArch } from '../../harness/binaries/sources/release.js';
import { ChecksumMismatchError, VersionUnavailableError } from '../../harness/errors.js';
import { parseExactVersion } from '../../harness/versions/version.js';

const work = mkdtempSync(join(tmpdir(), 'etcd-chaos-release-test-'));
let server: Server;
let mirror: string;
/** Per request path: the body to serve. */
const files = new Map<string, Buffer>();

async function buildTarball(version: string): Promise<Buffer> {
  const name = `etcd-v${version}-linux-${releaseArch()}`;
  const dir = join(work, 'src', name);
  mkdirSync(dir, { recursive: true });
  const scripts: Record<string, string> = {
    etcd: `etcd Version: ${version}\nGit SHA: test\nGo Version: go1.25\nGo OS/Arch: linux/amd64`,
    etcdctl: `etcdctl version: ${version}\nAPI version: 3.6`,
    etcdutl: `etcdutl version: ${version}\nAPI version: 3.6`,
  };
  for (const [tool, output] of Object.entries(scripts)) {
    writeFileSync(join(dir, tool), `#!/bin/sh\ncat <<'OUT'\n${output}\nOUT\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  writeFileSync(join(dir, 'README.md'), 'test release\n');
  const file = join(work, `${name}.tar.gz`);
  await tar.c({ gzip: true, file, cwd: join(work, 'src') }, [name]);
  return readFileSync(file);
}

function publish(version: string, tarball: Buffer, sums?: string): void {
  const fileName = `etcd-v${version}-linux-${releaseArch()}.tar.gz`;
  files.set(`/v${version}/${fileName}`, tarball);
  const sha = createHash('sha256').update(tarball).digest('hex');
  files.set(
    `/v${version}/SHA256SUMS`,
    Buffer.from(sums ?? `${'0'.repeat(64)}  other-file.zip\n${sha}  ${fileName}\n`),
  );
}

function freshCache(): BinaryCache {
  return new BinaryCache(mkdtempSync(join(work, 'cache-')));
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const body = files.get(request.url ?? '');
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  mirror = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
});

afterAll(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

describe('release download', () => {
  it('downloads, verifies the SHA256SUMS entry, extracts with tar and caches', async () => {
    publish('3.6.13', await buildTarball('3.6.13'));
    const cache = freshCache();
    const events: string[] = [];
    const binaries = await resolveEtcd('3.6.13', {
      cache,
      releaseMirror: mirror,
      sources: ['release'],
      onProgress: (event) => event.kind === 'step' && events.push(event.message),
    });
    expect(binaries.source).toBe('release');
    expect(binaries.etcd).toBe(join(cache.entryDir('etcd', '3.6.13'), 'etcd'));
    expect(binaries.etcdutl).toBeDefined();
    const manifest = await cache.readManifest('etcd', '3.6.13');
    expect(manifest?.source).toBe('release');
    expect(manifest?.provenance).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/v3\.6\.13\/etcd-v3\.6\.13-linux-.*\.tar\.gz sha256:[0-9a-f]{64}$/,
    );
    expect(events.some((message) => message.includes('SHA256SUMS'))).toBe(true);
    // A later resolution (after the in-process memo is gone) is a cache hit, verified again by running the tools.
    forgetResolvedEtcd();
    expect(
      (
        await resolveEtcd(parseExactVersion('3.6.13'), {
          cache: new BinaryCache(cache.root),
          releaseMirror: mirror,
        })
      ).source,
    ).toBe('cache');
  });

  it('refuses a tarball whose checksum does not match, and caches nothing', async () => {
    const tarball = await buildTarball('3.6.14');
    publish('3.6.14', tarball, `${'a'.repeat(64)}  etcd-v3.6.14-linux-${releaseArch()}.tar.gz\n`);
    const cache = freshCache();
    const attempt = resolveEtcd('3.6.14', { cache, releaseMirror: mirror, sources: ['release', 'go-build'] });
    await expect(attempt).rejects.toThrow(ChecksumMismatchError);
    await expect(attempt).rejects.toThrow(
      /SHA256SUMS says a{64}, the download is [0-9a-f]{64}\. Nothing was cached/,
    );
    expect(await cache.listVersions('etcd')).toEqual([]);
    expect(readdirSync(join(cache.root, 'etcd')).filter((name) => name.startsWith('.staging'))).toEqual([]);
  });

  it('refuses a release whose SHA256SUMS does not list the tarball', async () => {
    publish('3.6.15', await buildTarball('3.6.15'), `${'b'.repeat(64)}  something-else.tar.gz\n`);
    await expect(
      resolveEtcd('3.6.15', { cache: freshCache(), releaseMirror: mirror, sources: ['release'] }),
    ).rejects.toThrow(/has no checksum for etcd-v3\.6\.15/);
  });

  it('reports every failed source, and what is available, when a version cannot be had', async () => {
    const attempt = resolveEtcd('3.6.12', {
      cache: freshCache(),
      releaseMirror: mirror,
      sources: ['release'],
    });
    await expect(attempt).rejects.toThrow(VersionUnavailableError);
    await expect(attempt).rejects.toThrow(/release: could not fetch|HTTP 404/);
  });

  it('parses sha256sum listings in both text and binary mode', () => {
    const sums = `${'c'.repeat(64)}  a.tar.gz\n${'d'.repeat(64)} *b.tar.gz\n`;
    expect(expectedChecksum(sums, 'a.tar.gz')).toBe('c'.repeat(64));
    expect(expectedChecksum(sums, 'b.tar.gz')).toBe('d'.repeat(64));
    expect(expectedChecksum(sums, 'c.tar.gz')).toBeUndefined();
  });
});

describe('Go build source', () => {
  it('says clearly that Go is needed when it is missing', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = join(work, 'no-such-bin');
    try {
      const attempt = resolveEtcd('3.5.33', { cache: freshCache(), sources: ['go-build'] });
      await expect(attempt).rejects.toThrow(VersionUnavailableError);
      await expect(attempt).rejects.toThrow(
        /go-build: Building etcd, etcdctl, etcdutl needs the Go toolchain, and `go` is not on PATH/,
      );
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
