// The flag inventory (harness/versions/etcd-flags.ts) against the real binaries of every cached release: etcd answers
// "flag provided but not defined" for a flag it does not know before it looks at any value, and "invalid value" for a
// value its flag package cannot parse, so `etcd --NAME=VALUE --version` tells both without starting a server.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { SUPPORTED_LINES } from '../../harness/versions/catalog.js';
import { ETCD_FLAGS } from '../../harness/versions/etcd-flags.js';
import { checkFlagValue } from '../../harness/versions/flag-values.js';
import { resolveVersion } from '../../harness/versions/version.js';

const run = promisify(execFile);

async function probe(etcd: string, argument: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(etcd, [argument, '--version'], { timeout: 10_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}

/** Runs `probes` eight at a time (each is a process start). */
async function inBatches<T>(items: readonly T[], each: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += 8)
    await Promise.all(items.slice(index, index + 8).map(each));
}

// One sample value per type that the flag package must refuse, and one it must accept.
const SAMPLES: Partial<Record<string, { readonly bad: string; readonly good: string }>> = {
  'quota-backend-bytes': { bad: 'abc', good: '8589934592' },
  'snapshot-count': { bad: '-1', good: '10000' },
  'heartbeat-interval': { bad: '1.5', good: '500' },
  'client-cert-auth': { bad: 'yes', good: 'true' },
  'grpc-keepalive-interval': { bad: '5', good: '2h' },
  'listen-metrics-urls': { bad: 'ftp://127.0.0.1:2381', good: 'http://127.0.0.1:2381' },
  'initial-cluster-state': { bad: 'maybe', good: 'existing' },
  'max-concurrent-streams': { bad: '4294967296', good: '100' },
};

describe.each(SUPPORTED_LINES)('etcd %s', (line) => {
  it('knows exactly the flags the inventory says it knows', async () => {
    const binaries = inject('binaries').etcd[line]!;
    const capabilities = capabilitiesOf(resolveVersion(binaries.version));
    const mismatches: string[] = [];
    await inBatches(Object.keys(ETCD_FLAGS), async (flag) => {
      const output = await probe(binaries.etcd, `--${flag}=x`);
      const known = !output.includes('flag provided but not defined');
      if (known !== capabilities.flag(flag).accepted)
        mismatches.push(`--${flag}: etcd ${known ? 'knows' : 'does not know'} it`);
    });
    expect(mismatches).toEqual([]);
  });

  it('refuses and accepts values as the value checks predict, with the message they quote', async () => {
    const binaries = inject('binaries').etcd[line]!;
    for (const [flag, sample] of Object.entries(SAMPLES)) {
      if (!capabilitiesOf(resolveVersion(binaries.version)).flag(flag).accepted) continue;
      const bad = await probe(binaries.etcd, `--${flag}=${sample!.bad}`);
      expect(bad, `--${flag}=${sample!.bad}`).toContain(checkFlagValue(flag, sample!.bad)!.etcdMessage);
      expect(checkFlagValue(flag, sample!.good)).toBeUndefined();
      expect(await probe(binaries.etcd, `--${flag}=${sample!.good}`), `--${flag}=${sample!.good}`).toContain(
        `Version: ${binaries.version}`,
      );
    }
  });
});
