// `etcd-chaos versions`: the supported versions and which of them this machine already has.
import type { Command } from 'commander';
import { cachedEtcdVersions } from '../binaries/resolve-etcd.js';
import {
  DEFAULT_LINE,
  KNOWN_RELEASES,
  LATEST_LINE,
  newestKnownRelease,
  SUPPORTED_LINES,
} from '../versions/catalog.js';
import { printJsonLine } from './output.js';

export function registerVersions(program: Command): void {
  program
    .command('versions')
    .description('list supported etcd versions and which ones are cached')
    .option('--json', 'print one JSON line')
    .action(async (options: { json?: boolean }) => {
      const cached = new Set(await cachedEtcdVersions());
      const lines = SUPPORTED_LINES.map((line) => ({
        line,
        newest: newestKnownRelease(line),
        known: KNOWN_RELEASES[line],
        cached: KNOWN_RELEASES[line].filter((version) => cached.has(version)),
        default: line === DEFAULT_LINE,
        latest: line === LATEST_LINE,
      }));
      if (options.json) {
        printJsonLine({ lines, cached: [...cached] });
        return;
      }
      for (const entry of lines) {
        const marks = [entry.default ? 'default' : '', entry.latest ? 'latest' : '']
          .filter(Boolean)
          .join(', ');
        const state = cached.has(entry.newest) ? 'cached' : 'not cached (setup builds or downloads it)';
        process.stdout.write(`${entry.line}  → ${entry.newest}${marks ? ` (${marks})` : ''}  ${state}\n`);
      }
      const others = [...cached].filter((version) => !lines.some((entry) => entry.newest === version));
      if (others.length) process.stdout.write(`also cached: ${others.join(', ')}\n`);
    });
}
