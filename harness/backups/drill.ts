// `etcd-chaos drill`: runs a user's backup script against a throwaway TLS cluster under the ledger workload, N times,
// with a fault during each run (leader killed mid-save, the backup dir's disk full, NOSPACE on the cluster, a slow
// disk, a corrupted save), then verifies every file it produced (restore drill, ledger up to the snapshot revision),
// judges its exit status, and exercises its retention on backups aged with utimes (what `touch -d` does).
//
// The script's environment (README "Backup drill"): ETCD_ENDPOINTS (one member's client URL: snapshots come from one
// member), ETCD_CACERT, ETCD_CERT, ETCD_KEY (client TLS), ETCD_BACKUP_DIR, ETCD_REMOTE_BACKUP_DIR, ETCDCTL_API=3,
// ETCD_CHAOS_DRILL_RUN and ETCD_CHAOS_DRILL_FAULT, and PATH with the cluster version's etcdctl and etcdutl first.
// Not ETCDCTL_ENDPOINTS and friends: etcdctl refuses to start when a flag and its variable are both set, and most
// scripts (the guide's too) pass flags.
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  checkRetentionStep,
  checkScriptHonest,
  type PlantedBackup,
  type ProducedFile,
} from '../checks/backup-drill.js';
import { mountSizeLimitedDir } from '../cluster/data-dir-mount.js';
import type { ClusterMember, StartedCluster } from '../cluster/types.js';
import { describeError, InputError } from '../errors.js';
import type { FaultRunner } from '../faults/runner.js';
import { type CheckOutcome, measure } from '../findings/finding.js';
import type { ScenarioContext } from '../scenario/types.js';
import { seedKeyspace } from '../upgrade/keyspace.js';
import { isRoot, runCommand } from '../util/exec.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { checkLedger, readLedgerKeys } from '../workload/ledger-check.js';
import type { LedgerWriter } from '../workload/ledger-writer.js';
import { isSnapshotName } from './backup-dir.js';
import type { RetentionPolicy } from './durations.js';
import {
  KUBEADM_ETCD_CERT_NAMES,
  kubeadmPathRules,
  mapScriptPaths,
  type ScriptDirectories,
  unmappedKubePaths,
} from './script-paths.js';
import { digestSnapshot } from './snapshot-file.js';
import { slug, verifyBackupFile } from './verify-file.js';

export const DRILL_FAULTS = [
  'none',
  'leader-loss',
  'disk-full',
  'nospace',
  'slow-disk',
  'corrupt-save',
] as const;
export type DrillFault = (typeof DRILL_FAULTS)[number];

/** Faults after which no good backup can exist: the script must fail (loudly) rather than report success. */
const PREVENTS_BACKUP: ReadonlySet<DrillFault> = new Set(['leader-loss', 'disk-full', 'corrupt-save']);

export interface DrillOptions {
  readonly script: string;
  readonly runs: number;
  readonly faults: readonly DrillFault[];
  readonly scriptTimeoutMs: number;
  readonly retention: RetentionPolicy;
  /** Kubernetes-like keys seeded before the runs (so a save takes long enough to be interrupted). */
  readonly seedKeys: number;
  readonly exerciseRetention: boolean;
  /**
   * The script's own fixed directories, when its kubeadm paths are to be mapped onto the drill's (README "drill");
   * `undefined` runs the script as it is.
   */
  readonly pathMapping: ScriptDirectories | undefined;
}

export function parseDrillFaults(value: string | undefined): DrillFault[] {
  if (value === undefined || value === 'all') return [...DRILL_FAULTS];
  const faults = value
    .split(',')
    .map((fault) => fault.trim())
    .filter(Boolean);
  for (const fault of faults)
    if (!(DRILL_FAULTS as readonly string[]).includes(fault))
      throw new InputError(
        `Expected \`--faults\` to be a list of ${DRILL_FAULTS.join(', ')} (or all), got \`${fault}\`.`,
      );
  if (faults.length === 0) throw new InputError('`--faults` names no fault.');
  return faults as DrillFault[];
}

/** The drill cluster's flags: a small quota when NOSPACE is drilled (so it fills in seconds). */
export function drillFlags(faults: readonly DrillFault[]): Record<string, string> {
  return faults.includes('nospace') ? { 'quota-backend-bytes': String(48 * 1024 * 1024) } : {};
}

interface DrillDirs {
  readonly root: string;
  readonly backup: string;
  readonly remote: string;
  readonly bin: string;
  /** The cluster's CA and client certificate under kubeadm's names (for scripts run with their paths mapped). */
  readonly kubeadmPki: string;
}

export async function runDrill(ctx: ScenarioContext<unknown>, options: DrillOptions): Promise<void> {
  const cluster = await ctx.startCluster(
    ctx.clusterSpec().withTls(true).withFlags(drillFlags(options.faults)),
  );
  ctx.step(`seeding ${options.seedKeys} Kubernetes-like keys`);
  await seedKeyspace(cluster.client(), { keys: options.seedKeys, valueBytes: 1024 });
  const writer = ctx.ledger(cluster, { writers: 2, ratePerSecond: 40 });
  const faults = ctx.faults(cluster);
  const root = await mkdtemp(join(ctx.session.workDir, 'drill-'));
  const dirs: DrillDirs = {
    root,
    backup: join(root, 'backup'),
    remote: join(root, 'remote'),
    bin: join(root, 'bin'),
    kubeadmPki: join(root, 'pki-etcd'),
  };
  for (const dir of [dirs.backup, dirs.remote, dirs.bin]) await mkdir(dir, { recursive: true, mode: 0o700 });
  await linkTools(cluster, dirs.bin);
  if (options.pathMapping) await linkKubeadmPki(cluster, dirs.kubeadmPki);
  const produced: { name: string; path: string; verdict: ProducedFile['verdict']; at: number }[] = [];
  const rows: (string | number)[][] = [];
  try {
    for (let run = 1; run <= options.runs; run++) {
      const fault = options.faults[(run - 1) % options.faults.length] as DrillFault;
      ctx.step(`run ${run}/${options.runs}: ${fault === 'none' ? 'no fault' : fault}`);
      const record = await oneRun(ctx, { cluster, writer, faults, dirs, run, fault, options });
      ctx.report(checkScriptHonest(record));
      for (const file of record.produced)
        if (file.path)
          produced.push({ name: file.name, path: file.path, verdict: file.verdict, at: Date.now() });
      rows.push([
        run,
        fault,
        record.faultNote,
        record.timedOut ? 'timeout' : record.exitCode,
        Math.round(record.durationMs),
        record.produced.map((file) => `${file.name}: ${file.verdict}`).join(', ') || 'none',
      ]);
    }
    if (options.exerciseRetention) {
      ctx.step('retention: backups aged 3 to 35 days planted, one more run');
      const newestGood = [...produced].reverse().find((file) => file.verdict === 'pass');
      await exerciseRetention(ctx, { cluster, dirs, options, newestGood });
    }
  } finally {
    ctx.table({
      name: `backup script runs (${options.script})`,
      columns: ['run', 'fault', 'what the fault did', 'exit', 'ms', 'new files'],
      rows,
    });
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}

interface RunContext {
  readonly cluster: StartedCluster;
  readonly writer: LedgerWriter;
  readonly faults: FaultRunner;
  readonly dirs: DrillDirs;
  readonly run: number;
  readonly fault: DrillFault;
  readonly options: DrillOptions;
}

async function oneRun(
  ctx: ScenarioContext<unknown>,
  input: RunContext,
): Promise<Parameters<typeof checkScriptHonest>[0] & { produced: (ProducedFile & { path?: string })[] }> {
  const { cluster, faults, dirs, run, fault, options } = input;
  const leader = (await cluster.leader({ timeoutMs: 15_000 })) ?? cluster.members[0]!;
  let backupDir = dirs.backup;
  let bin = dirs.bin;
  let faultNote = 'no fault';
  let unmount: (() => Promise<void>) | undefined;
  let watcher: Promise<void> | undefined;
  let scriptDone = false;
  try {
    if (fault === 'disk-full') {
      if (!isRoot()) {
        faultNote = 'disk-full needs root (a size-limited tmpfs as the backup dir): ran without a fault';
      } else {
        backupDir = join(dirs.root, `full-${run}`);
        const mount = await mountSizeLimitedDir(backupDir, 256 * 1024, ctx.session.journal);
        unmount = () => mount.unmount();
        faultNote = 'backup dir on a 256 KiB tmpfs (smaller than the snapshot)';
      }
    } else if (fault === 'nospace') {
      await faults.inject('quota-exhaustion', {});
      faultNote = 'cluster filled to its 48 MiB quota: NOSPACE alarm raised';
    } else if (fault === 'slow-disk') {
      const availability = await faults.available('disk-latency');
      if (availability.available) {
        await faults.inject('disk-latency', { delayMs: 100 }, { target: leader.name });
        faultNote = `fsync of ${leader.name} (the member saved from) delayed 100 ms`;
      } else faultNote = `slow disk unavailable here (${availability.reason}): ran without a fault`;
    } else if (fault === 'corrupt-save') {
      bin = join(dirs.root, `bin-corrupt-${run}`);
      await corruptingTools(cluster, bin);
      faultNote = '`etcdctl snapshot save` cut the saved file to half its size after saving it';
    } else if (fault === 'leader-loss') {
      await faults.inject(
        'network-bandwidth',
        { rateKBps: 1024, proxy: 'client', direction: 'downstream' },
        { target: leader.name },
      );
      faultNote = `the leader ${leader.name} was not killed: the save ended first`;
      watcher = (async () => {
        const startedAt = Date.now();
        while (!scriptDone && Date.now() - startedAt < options.scriptTimeoutMs) {
          const names = await readdir(backupDir).catch(() => [] as string[]);
          if (names.some((name) => name.endsWith('.part'))) {
            await new Promise((resolve) => setTimeout(resolve, 300));
            if (scriptDone) return;
            await faults.inject('kill', {}, { target: leader.name, requireHealthy: false });
            faultNote = `leader ${leader.name} killed ${((Date.now() - startedAt) / 1000).toFixed(1)} s into the run, while the snapshot streamed (client traffic limited to 1 MB/s)`;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
    }
    const before = new Set([...(await snapshotNames(backupDir)), ...(await snapshotNames(dirs.remote))]);
    const script = await scriptToRun(ctx, {
      options,
      dirs,
      cluster,
      leader,
      backupDir,
      bin,
      label: `run ${run} (${fault})`,
    });
    // Each run starts just after a wall-clock second turns: scripts name backups by the second (the guide's
    // `date +%Y%m%d-%H%M%S`), and two runs in one second wrote the same name, so the second run's file looked like
    // none at all ("exited 0 but wrote no backup file"), which no cron schedule would ever cause.
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000)));
    const started = performance.now();
    const result = await runCommand(script, [], {
      env: scriptEnvironment({ cluster, leader, dirs, backupDir, bin, run: String(run), fault }),
      allowFailure: true,
      timeoutMs: options.scriptTimeoutMs,
      signal: ctx.signal,
    }).catch((error: unknown) => ({
      command: options.script,
      stdout: '',
      stderr: describeError(error),
      exitCode: -1,
      durationMs: performance.now() - started,
    }));
    scriptDone = true;
    await watcher;
    ctx.recordTool(`backup script, run ${run} (${fault})`, result);
    await faults.healAll({ quiet: true });
    await cluster.waitHealthy({ timeoutMs: 60_000 });
    const added = [
      ...(await snapshotNames(backupDir))
        .filter((name) => !before.has(name))
        .map((name) => join(backupDir, name)),
    ];
    const remoteAdded = (await snapshotNames(dirs.remote)).filter((name) => !before.has(name));
    const producedFiles: (ProducedFile & { path?: string })[] = [];
    for (const path of added) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      const verification = await verifyBackupFile(ctx, {
        path,
        label: `run ${run}: ${name}`,
        members: 1,
        allowNoHash: false,
        requestedVersion: cluster.version,
        onRestored: async (restored, facts) => {
          if (!facts) return;
          const observed = await readLedgerKeys(restored.client(), input.writer.snapshot().prefix);
          ctx.report(
            ledgerOutcome(
              `run ${run}: ${name}`,
              facts.revision,
              checkLedger(input.writer.snapshot(), observed, { upToRevision: facts.revision }),
            ),
          );
        },
      });
      // Honesty is about what the script wrote: a faithful snapshot of a cluster in trouble (NOSPACE) is still intact.
      const reason =
        verification.integrity !== 'pass'
          ? 'not an intact snapshot: see its integrity finding'
          : verification.verdict === 'pass'
            ? 'verified'
            : 'intact, but its restore drill failed: see its findings';
      // Files in a throwaway tmpfs (disk-full) vanish with it; only the backup dir's files take part in retention.
      producedFiles.push({
        name,
        verdict: verification.integrity,
        reason,
        path: backupDir === dirs.backup ? path : undefined,
      });
    }
    for (const name of remoteAdded) {
      const local = join(backupDir, name);
      const same =
        added.includes(local) &&
        (await digestSnapshot(join(dirs.remote, name))).sha256 ===
          (await digestSnapshot(local).catch(() => undefined))?.sha256;
      producedFiles.push({
        name: `remote ${name}`,
        verdict:
          same && producedFiles.find((file) => file.name === name)?.verdict === 'pass' ? 'pass' : 'fail',
        reason: same ? 'identical to the local backup' : 'not identical to a new local backup',
      });
    }
    const output = `${result.stdout}\n${result.stderr}`
      .trim()
      .split('\n')
      .slice(-2)
      .join(' | ')
      .slice(0, 300);
    // etcd 3.6+ moved `snapshot status` to etcdutl: etcdctl prints the snapshot command's help and exits 0.
    const printedHelp = /etcdctl snapshot <subcommand>/.test(`${result.stdout}\n${result.stderr}`);
    const verificationNote =
      printedHelp && capabilitiesOf(cluster.version).etcdctlSnapshotStatus === 'help-only'
        ? `Its \`etcdctl snapshot status\` step printed the snapshot command's help and exited 0: etcd ${cluster.version}'s etcdctl has no \`snapshot status\` (moved to etcdutl in 3.6), whatever the file, so the step verifies nothing`
        : undefined;
    return {
      run,
      fault,
      preventsBackup: PREVENTS_BACKUP.has(fault) && !/ran without a fault|was not killed/.test(faultNote),
      faultNote,
      exitCode: result.exitCode,
      timedOut: result.durationMs >= options.scriptTimeoutMs - 100,
      durationMs: result.durationMs,
      outputTail: output,
      produced: producedFiles,
      verificationNote,
    };
  } finally {
    scriptDone = true;
    await faults.healAll({ quiet: true });
    await unmount?.();
  }
}

function ledgerOutcome(file: string, revision: number, check: ReturnType<typeof checkLedger>): CheckOutcome {
  // What a backup must hold: every acknowledged write up to its revision, with its value and revision. Keys the client
  // saw fail but that applied are noted, not failed: etcd applies the put that crosses the quota and still answers
  // "mvcc: database space exceeded" (server/etcdserver/apply quotaApplierV3.Put), which the ledger counts definite.
  const lost = check.missing.length + check.wrongValue.length + check.revisionMismatch.length;
  const unexpected = check.unexpected.length;
  return {
    claim: 'backup.restorable',
    check: `ledger up to revision ${revision} in ${file}`,
    verdict: lost === 0 ? 'pass' : 'fail',
    reason:
      lost === 0
        ? `the restored backup holds all ${check.acknowledgedExpected} writes acknowledged up to its revision, values intact${unexpected ? `; it also holds ${unexpected} write(s) the client was told failed (a put that crosses the quota is applied and still answered "database space exceeded")` : ''}`
        : `the restored backup lacks acknowledged writes: ${check.missing.length} missing, ${check.wrongValue.length} with another value, ${check.revisionMismatch.length} at another revision`,
    expected: `every write acknowledged at or below revision ${revision} is in the restored backup with its value`,
    observed: check.summary,
    measurements: [
      measure('acknowledged writes expected', check.acknowledgedExpected, 'count'),
      measure('missing', check.missing.length, 'count'),
      measure('present though reported failed', unexpected, 'count'),
    ],
  };
}

async function snapshotNames(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter(isSnapshotName);
}

interface ScriptPlace {
  readonly cluster: StartedCluster;
  /** The member the script saves from. */
  readonly leader: ClusterMember;
  readonly dirs: DrillDirs;
  /** This run's backup dir (a size-limited tmpfs under the disk-full fault). */
  readonly backupDir: string;
  /** This run's tools (a corrupting etcdctl under the corrupt-save fault). */
  readonly bin: string;
}

/** The script's environment (README "drill"), one definition for every run. */
function scriptEnvironment(
  place: ScriptPlace & { run: string; fault: string },
): Record<string, string | undefined> {
  const { cluster, leader, dirs } = place;
  return {
    ETCD_ENDPOINTS: leader.urls.client,
    ETCD_CACERT: cluster.tls?.caFile ?? '',
    ETCD_CERT: cluster.tls?.client.cert ?? '',
    ETCD_KEY: cluster.tls?.client.key ?? '',
    ETCD_BACKUP_DIR: place.backupDir,
    ETCD_REMOTE_BACKUP_DIR: dirs.remote,
    ETCD_CHAOS_DRILL_RUN: place.run,
    ETCD_CHAOS_DRILL_FAULT: place.fault,
    ETCDCTL_API: '3',
    // etcdctl refuses a flag and its variable together; an operator's shell may export them.
    ETCDCTL_ENDPOINTS: undefined,
    ETCDCTL_CACERT: undefined,
    ETCDCTL_CERT: undefined,
    ETCDCTL_KEY: undefined,
    PATH: `${place.bin}:${process.env.PATH ?? ''}`,
  };
}

/**
 * The script as it is, or (path mapping on) a copy with kubeadm's fixed paths mapped onto this run's cluster and
 * dirs, kept as evidence with the substitutions it made. The user's file is only read.
 */
async function scriptToRun(
  ctx: ScenarioContext<unknown>,
  place: ScriptPlace & { options: DrillOptions; label: string },
): Promise<string> {
  const { options, dirs, cluster, leader } = place;
  if (!options.pathMapping) return options.script;
  const tls = cluster.tls;
  const rules = kubeadmPathRules(
    {
      certDir: dirs.kubeadmPki,
      clientCert: tls?.client.cert ?? '',
      clientKey: tls?.client.key ?? '',
      endpointHostPort: new URL(leader.urls.client).host,
      dataDir: leader.dataDir,
      binDir: place.bin,
      backupDir: place.backupDir,
      remoteDir: dirs.remote,
    },
    options.pathMapping,
  );
  const { text, applied } = mapScriptPaths(await readFile(options.script, 'utf8'), rules);
  const copy = join(dirs.root, `script-${slug(place.label)}${extname(options.script)}`);
  await writeFile(copy, text, { mode: 0o700 });
  const left = unmappedKubePaths(text);
  await ctx.evidence.text(
    `backup-script-${slug(place.label)}.mapped.txt`,
    [
      `# ${options.script}, ${place.label}: kubeadm paths mapped onto the drill (README "drill")`,
      ...(applied.length === 0
        ? ['# no fixed path to map: the script reads the environment']
        : applied.map((rule) => `# ${rule.from} -> ${rule.to} (${rule.count}x)`)),
      ...(left.length > 0 ? [`# left as written (not a path the drill maps): ${left.join(', ')}`] : []),
      '',
      text,
    ].join('\n'),
  );
  return copy;
}

/** The cluster's CA and client certificate under the names kubeadm gives /etc/kubernetes/pki/etcd's files. */
async function linkKubeadmPki(cluster: StartedCluster, dir: string): Promise<void> {
  const tls = cluster.tls;
  if (!tls) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const links: [string, readonly string[]][] = [
    [tls.caFile, KUBEADM_ETCD_CERT_NAMES.ca],
    [tls.client.cert, KUBEADM_ETCD_CERT_NAMES.cert],
    [tls.client.key, KUBEADM_ETCD_CERT_NAMES.key],
  ];
  for (const [target, names] of links) for (const name of names) await symlink(target, join(dir, name));
}

async function linkTools(cluster: StartedCluster, bin: string): Promise<void> {
  await symlink(cluster.binaries.etcdctl, join(bin, 'etcdctl'));
  if (cluster.binaries.etcdutl) await symlink(cluster.binaries.etcdutl, join(bin, 'etcdutl'));
}

/** An `etcdctl` that runs the real one and, after a successful `snapshot save FILE`, cuts FILE to half its size. */
async function corruptingTools(cluster: StartedCluster, bin: string): Promise<void> {
  await mkdir(bin, { recursive: true, mode: 0o700 });
  if (cluster.binaries.etcdutl) await symlink(cluster.binaries.etcdutl, join(bin, 'etcdutl'));
  const wrapper = join(bin, 'etcdctl');
  await writeFile(
    wrapper,
    `#!/bin/sh
# etcd-chaos drill: a save that "succeeds" with a corrupted file (an interrupted write the tool did not notice).
"${cluster.binaries.etcdctl}" "$@"
rc=$?
file=""
seen_snapshot=""
seen_save=""
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    snapshot) seen_snapshot=1 ;;
    save) [ -n "$seen_snapshot" ] && seen_save=1 ;;
    *) [ -n "$seen_save" ] && [ -z "$file" ] && file="$arg" ;;
  esac
done
if [ "$rc" -eq 0 ] && [ -n "$file" ] && [ -f "$file" ]; then
  truncate -s $(( $(stat -c %s "$file") / 2 )) "$file"
fi
exit $rc
`,
  );
  await chmod(wrapper, 0o755);
}

const DAY_MS = 86_400_000;
const PLANTED: readonly { location: 'local' | 'remote'; days: number }[] = [
  { location: 'local', days: 3 },
  { location: 'local', days: 6 },
  { location: 'local', days: 9 },
  { location: 'local', days: 12 },
  { location: 'remote', days: 10 },
  { location: 'remote', days: 20 },
  { location: 'remote', days: 35 },
];

async function exerciseRetention(
  ctx: ScenarioContext<unknown>,
  input: {
    cluster: StartedCluster;
    dirs: DrillDirs;
    options: DrillOptions;
    newestGood: { name: string; path: string } | undefined;
  },
): Promise<void> {
  const { dirs, cluster } = input;
  const source = input.newestGood?.path;
  const planted: { location: 'local' | 'remote'; name: string; path: string; ageMs: number }[] = [];
  const nowMs = Date.now();
  for (const { location, days } of PLANTED) {
    const takenAt = new Date(nowMs - days * DAY_MS - 3_600_000);
    const name = `etcd-${stampOf(takenAt)}.db`;
    const path = join(location === 'local' ? dirs.backup : dirs.remote, name);
    if (source) await runCommand('cp', [source, path]);
    else await writeFile(path, 'planted backup\n');
    // What `touch -d "N days ago"` does: the retention step's `find -mtime` reads the mtime.
    await utimes(path, takenAt, takenAt);
    planted.push({ location, name, path, ageMs: nowMs - takenAt.getTime() });
  }
  const leader = (await cluster.leader({ timeoutMs: 15_000 })) ?? cluster.members[0]!;
  const where = { cluster, leader, dirs, backupDir: dirs.backup, bin: dirs.bin };
  const script = await scriptToRun(ctx, { ...where, options: input.options, label: 'retention run' });
  const result = await runCommand(script, [], {
    env: scriptEnvironment({ ...where, run: 'retention', fault: 'none' }),
    allowFailure: true,
    timeoutMs: input.options.scriptTimeoutMs,
  });
  ctx.recordTool('backup script, retention run (aged backups planted)', result);
  const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;
  const outcome: PlantedBackup[] = [];
  for (const file of planted)
    outcome.push({
      location: file.location,
      name: file.name,
      ageMs: file.ageMs,
      kept: await exists(file.path),
    });
  ctx.report(
    checkRetentionStep({
      planted: outcome,
      localMs: input.options.retention.localMs,
      remoteMs: input.options.retention.remoteMs,
      newestGood: input.newestGood && {
        name: input.newestGood.name,
        kept: await exists(input.newestGood.path),
      },
      exitCode: result.exitCode,
    }),
  );
}

function stampOf(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}
