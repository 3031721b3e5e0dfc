// This package's own name and version, read once from package.json (works from the sources and from dist/).
import { readFileSync } from 'node:fs';

let cached: { name: string; version: string } | undefined;

function packageJson(): { name: string; version: string } {
  if (cached) return cached;
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'etcd-chaos') {
        cached = { name: parsed.name, version: parsed.version ?? '0.0.0' };
        return cached;
      }
    } catch {
      // try the next layout
    }
  }
  cached = { name: 'etcd-chaos', version: '0.0.0' };
  return cached;
}

export function packageVersion(): string {
  return packageJson().version;
}
