// This package's own name and version, read once from package.json (works from the sources and from dist/).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { name: string; version: string; root: string | undefined } | undefined;

function packageJson(): { name: string; version: string; root: string | undefined } {
  if (cached) return cached;
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const url = new URL(candidate, import.meta.url);
      const parsed = JSON.parse(readFileSync(url, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'etcd-chaos') {
        cached = { name: parsed.name, version: parsed.version ?? '0.0.0', root: dirname(fileURLToPath(url)) };
        return cached;
      }
    } catch {
      // try the next layout
    }
  }
  cached = { name: 'etcd-chaos', version: '0.0.0', root: undefined };
  return cached;
}

export function packageVersion(): string {
  return packageJson().version;
}

/** The package's root directory (where package.json, docker/ and reports/schema/ live). */
export function packageRoot(): string {
  const root = packageJson().root;
  if (!root) throw new Error('cannot find the etcd-chaos package root (package.json)');
  return root;
}
