// The binary cache: one directory per tool and version, filled through a staging dir and an atomic rename,
// under a cross-process lock, so a failed or concurrent provisioning never leaves a half-written entry.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../log.js';
import { cacheDir } from '../paths.js';
import { withFileLock } from '../runstate/file-lock.js';
import type { BinarySource } from './types.js';

const log = logger('binaries');
const STALE_STAGING_MS = 6 * 60 * 60 * 1000;

export interface CacheManifest {
  readonly tool: string;
  readonly version: string;
  readonly source: BinarySource;
  readonly files: readonly string[];
  readonly createdAt: string;
  /** How it was obtained (URL, Go toolchain, Debian package version). */
  readonly provenance: string;
}

export class BinaryCache {
  readonly root: string;

  constructor(root: string = cacheDir()) {
    this.root = root;
  }

  entryDir(tool: string, version: string): string {
    return join(this.root, tool, version);
  }

  /** Scratch space for Go wrapper modules; kept between runs so rebuilds reuse it. */
  buildDir(name: string): string {
    return join(this.root, 'go-build', name);
  }

  async readManifest(tool: string, version: string): Promise<CacheManifest | undefined> {
    try {
      const text = await readFile(join(this.entryDir(tool, version), 'manifest.json'), 'utf8');
      return JSON.parse(text) as CacheManifest;
    } catch {
      return undefined; // no (complete) entry: the caller provisions it
    }
  }

  /** Versions with a complete entry for `tool`. */
  async listVersions(tool: string): Promise<string[]> {
    try {
      const names = await readdir(join(this.root, tool));
      const complete: string[] = [];
      for (const name of names) {
        if (name.startsWith('.')) continue;
        if (await this.readManifest(tool, name)) complete.push(name);
      }
      return complete;
    } catch {
      return []; // no entry for the tool yet
    }
  }

  /** Runs `fn` holding the cache lock for `tool@version` (other processes provisioning it wait). */
  async withLock<T>(tool: string, version: string, fn: () => Promise<T>): Promise<T> {
    // A build (kube-apiserver: minutes) holds it long; a holder that stops refreshing for a minute is dead.
    return withFileLock(
      join(this.root, tool, `${version}.lock-target`),
      { staleMs: 60_000, waitMs: 1_500_000 },
      fn,
    );
  }

  /**
   * Fills `tool@version` through `produce`, which writes the files into a staging dir and returns the manifest
   * fields. `verify` runs against the staging dir before it is renamed into place; any failure removes it.
   */
  async install(
    tool: string,
    version: string,
    produce: (stagingDir: string) => Promise<Omit<CacheManifest, 'tool' | 'version' | 'createdAt'>>,
    verify: (stagingDir: string) => Promise<void>,
  ): Promise<CacheManifest> {
    const toolDir = join(this.root, tool);
    await mkdir(toolDir, { recursive: true });
    await this.removeStaleStaging(toolDir);
    const stagingDir = join(toolDir, `.staging-${version}-${randomBytes(4).toString('hex')}`);
    await mkdir(stagingDir, { recursive: true });
    try {
      const produced = await produce(stagingDir);
      await verify(stagingDir);
      const manifest: CacheManifest = { tool, version, createdAt: new Date().toISOString(), ...produced };
      await writeFile(join(stagingDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      const finalDir = this.entryDir(tool, version);
      await rm(finalDir, { recursive: true, force: true });
      await rename(stagingDir, finalDir);
      log('cached %o', { tool, version, source: manifest.source });
      return manifest;
    } finally {
      await rm(stagingDir, { recursive: true, force: true });
    }
  }

  private async removeStaleStaging(toolDir: string): Promise<void> {
    // Housekeeping of our own staging dirs: a tool dir that does not exist yet has none.
    const names = await readdir(toolDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith('.staging-')) continue;
      const path = join(toolDir, name);
      const info = await stat(path).catch(() => undefined); // removed by another process meanwhile
      if (info && Date.now() - info.mtimeMs > STALE_STAGING_MS)
        await rm(path, { recursive: true, force: true });
    }
  }
}
