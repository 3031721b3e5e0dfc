// `etcd-chaos bench verify-backup`: verify-backup of a large snapshot (default 1,000,000 keys of 1 KiB, made with etcd's
// own benchmark tool: ~1.4 GB) against `etcdutl snapshot restore` of the same file alone, measured in the same run:
// restore, verify with a one-member drill, restore again, verify with a three-member drill. Goal: the one-member
// verification within 2x the restore.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { digestSnapshot } from '../backups/snapshot-file.js';
import { normalizeVerifyOptions, runVerifyBackup } from '../backups/verify-run.js';
import { resolveBenchmarkTool } from '../binaries/resolve-benchmark.js';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { etcdctlTlsArgs } from '../cluster/etcdctl.js';
import { freePort } from '../cluster/ports.js';
import { ClusterSpec } from '../cluster/spec.js';
import { HarnessError } from '../errors.js';
import { snapshotToolOf } from '../procedures/snapshot.js';
import { runTool } from '../procedures/tool-run.js';
import { Session } from '../session.js';
import { runCommand } from '../util/exec.js';
import { resolveVersion } from '../versions/version.js';
import { round } from './stats.js';

export interface VerifyBackupBenchOptions {
  readonly keys: number;
  readonly valueBytes: number;
  readonly version?: string;
  /** A snapshot made earlier (with etcd's benchmark tool, e.g. by a previous run's --keep-snapshot): skips the puts. */
  readonly snapshot?: string;
  /** Keep the snapshot made here at this path. */
  readonly keepSnapshot?: string;
  readonly onStep?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface VerifyBackupBenchRow {
  readonly what: string;
  readonly seconds: number;
  /** Relative to the mean of the restores alone. */
  readonly ratioToRestore: number | undefined;
  readonly verdict?: string;
  /** 1-minute load average when the row finished (the machine may be shared). */
  readonly loadAverage: number;
}

export interface VerifyBackupBenchResult {
  readonly version: string;
  readonly keys: number;
  readonly snapshotBytes: number;
  readonly putSeconds: number;
  readonly rows: readonly VerifyBackupBenchRow[];
}

export async function benchVerifyBackup(options: VerifyBackupBenchOptions): Promise<VerifyBackupBenchResult> {
  const step = options.onStep ?? (() => {});
  const version = resolveVersion(options.version ?? 'default');
  const binaries = await resolveEtcd(version);
  const benchmark = await resolveBenchmarkTool();
  await using session = await Session.open();
  const work = await mkdtemp(join(session.workDir, 'bench-verify-'));
  const snapshot = options.snapshot ?? join(work, 'etcd-bench.db');
  let putSeconds = 0;
  if (!options.snapshot) {
    const cluster = await ClusterSpec.etcd(version)
      .withMembers(1)
      .withNetwork('loopback')
      .withFlags({ 'quota-backend-bytes': String(8 * 1024 * 1024 * 1024) })
      .start({ session, signal: options.signal });
    const member = cluster.members[0]!;
    step(`writing ${options.keys} keys of ${options.valueBytes} bytes with etcd's benchmark tool`);
    const started = performance.now();
    await runCommand(
      benchmark.path,
      [
        `--endpoints=${member.urls.clientDirect}`,
        '--conns=16',
        '--clients=64',
        'put',
        '--key-size=32',
        `--val-size=${options.valueBytes}`,
        `--total=${options.keys}`,
        `--key-space-size=${options.keys}`,
        '--sequential-keys',
      ],
      { timeoutMs: 3_600_000, signal: options.signal },
    );
    putSeconds = (performance.now() - started) / 1000;
    step(`snapshot save (${round(putSeconds, 1)} s of puts)`);
    const save = await runTool(
      binaries.etcdctl,
      [
        `--endpoints=${member.urls.clientDirect}`,
        ...etcdctlTlsArgs(cluster.clientTls()),
        'snapshot',
        'save',
        snapshot,
      ],
      1_800_000,
    );
    if (save.exitCode !== 0) throw new HarnessError(`snapshot save failed: ${save.stderr}`);
    await (await cluster.stop()).remove();
    if (options.keepSnapshot) await copyFile(snapshot, options.keepSnapshot);
  }
  const snapshotBytes = (await stat(snapshot)).size;
  // Every measurement reads the file from the page cache: the first restore would otherwise pay the disk alone.
  step('reading the snapshot once (page cache)');
  await digestSnapshot(snapshot);
  const rows: VerifyBackupBenchRow[] = [];
  const restores: number[] = [];
  const restoreAlone = async (label: string) => {
    const dataDir = join(work, `restore-${restores.length}`);
    step(`${label}: etcdutl snapshot restore alone`);
    const run = await runTool(
      snapshotToolOf(binaries),
      [
        'snapshot',
        'restore',
        snapshot,
        '--name=m1',
        '--initial-cluster=m1=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        `--data-dir=${dataDir}`,
      ],
      1_800_000,
    );
    if (run.exitCode !== 0) throw new HarnessError(`snapshot restore failed: ${run.stderr}`);
    restores.push(run.durationMs / 1000);
    rows.push({
      what: `${label}: \`${snapshotToolOf(binaries).split('/').pop()} snapshot restore\` alone`,
      seconds: round(run.durationMs / 1000, 2),
      ratioToRestore: undefined,
      loadAverage: round(loadavg()[0] ?? 0, 1),
    });
    await rm(dataDir, { recursive: true, force: true });
  };
  const verify = async (members: number) => {
    step(`verify-backup, ${members}-member drill`);
    const options = await normalizeVerifyOptions({
      paths: [snapshot],
      members: String(members),
      etcdVersion: version.toString(),
      network: 'loopback',
      reportDir: join(work, `report-${members}`),
    });
    const started = performance.now();
    const { result } = await runVerifyBackup(options, { signal: AbortSignal.timeout(3_600_000) });
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      what: `verify-backup, ${members}-member drill`,
      seconds: round(seconds, 2),
      ratioToRestore: undefined,
      loadAverage: round(loadavg()[0] ?? 0, 1),
      verdict: result.findings
        .map((finding) => `${finding.check.split(' of ')[0]}: ${finding.verdict}`)
        .join(', '),
    });
  };
  // What any one-member drill costs at least, with etcd alone: restore, start the member (etcd rebuilds its index from
  // every key), HashKV. The verification's own work (SHA-256 before and after, etcd-chaos's pass over the key bucket,
  // the harness's cluster) comes on top of this.
  const drillFloor = async () => {
    step('drill floor: restore, start one member, HashKV (etcd alone, nothing verified)');
    const dataDir = join(work, 'floor');
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const started = performance.now();
    const restore = await runTool(
      snapshotToolOf(binaries),
      [
        'snapshot',
        'restore',
        snapshot,
        '--name=m1',
        `--initial-cluster=m1=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--data-dir=${dataDir}`,
      ],
      1_800_000,
    );
    if (restore.exitCode !== 0) throw new HarnessError(`snapshot restore failed: ${restore.stderr}`);
    const etcd = spawn(
      binaries.etcd,
      [
        '--name=m1',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=m1=${peerUrl}`,
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    if (etcd.pid) session.journal.recordProcess(etcd.pid, 'etcd', 'bench drill floor');
    const exited = new Promise((resolve) => etcd.once('exit', resolve));
    try {
      const deadline = Date.now() + 600_000;
      for (;;) {
        const hash = await runTool(
          binaries.etcdctl,
          [`--endpoints=${clientUrl}`, 'endpoint', 'hashkv', '--command-timeout=600s', '-w', 'json'],
          660_000,
        );
        if (hash.exitCode === 0) break;
        if (etcd.exitCode !== null || Date.now() > deadline)
          throw new HarnessError(`drill floor: HashKV never answered: ${hash.stderr.trim()}`);
        await delay(20);
      }
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        what: 'drill floor: restore, start, HashKV (etcd alone)',
        seconds: round(seconds, 2),
        ratioToRestore: undefined,
        loadAverage: round(loadavg()[0] ?? 0, 1),
      });
    } finally {
      etcd.kill('SIGKILL');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  await restoreAlone('1');
  await drillFloor();
  await verify(1);
  await restoreAlone('2');
  await verify(3);
  const restoreMean = restores.reduce((sum, value) => sum + value, 0) / restores.length;
  return {
    version: version.toString(),
    keys: options.keys,
    snapshotBytes,
    putSeconds: round(putSeconds, 1),
    rows: rows.map((row) => ({
      ...row,
      ratioToRestore: /^(verify|drill floor)/.test(row.what)
        ? round(row.seconds / restoreMean, 2)
        : undefined,
    })),
  };
}
