// `verify-backup` as a run: its options checked before anything starts (bad input is an InputError: exit 2), one
// scenario per file and per directory (so every report format shows a section per backup), and a RunResult whose exit
// code is 0 only when every file verified (an inconclusive file, e.g. one without a hash, is not verified: strict).
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { BackupDirRecord } from '../checks/backup-files.js';
import { checkFreshness, checkGaps, checkRetention } from '../checks/backup-files.js';
import { ClaimCatalogue } from '../claims/catalogue.js';
import type { ClientTls } from '../cluster/clients.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { describeError, InputError } from '../errors.js';
import { worstVerdict } from '../findings/finding.js';
import { prepareReportDir } from '../result/result-file.js';
import type { RunResult } from '../result/run-result.js';
import type { RunTarget, ScenarioContext, ScenarioDefinition } from '../scenario/types.js';
import { type ExecutionContext, executeSuite, type SuiteExecutionResult } from '../suite/execute.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import { type BackupEntry, encryptionOf, isSnapshotName, listBackups } from './backup-dir.js';
import type { LiveTarget } from './compare-live.js';
import { GUIDE_RETENTION, parseDuration, parseRetention, type RetentionPolicy } from './durations.js';
import { type FileVerification, slug, verifyBackupFile } from './verify-file.js';

/** The options as the command line gives them (strings), checked by `normalizeVerifyOptions`. */
export interface VerifyBackupInput {
  readonly paths: readonly string[];
  readonly etcdVersion?: string;
  readonly maxAge?: string;
  readonly minCount?: string;
  readonly retention?: string;
  readonly remoteDir?: string;
  readonly members?: string;
  readonly allowNoHash?: boolean;
  readonly decryptKey?: string;
  readonly compareEndpoints?: string;
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly network?: string;
  readonly reportDir?: string;
}

export interface VerifyBackupOptions {
  readonly files: readonly string[];
  readonly dirs: readonly string[];
  readonly remoteDir: string | undefined;
  readonly version: EtcdVersion | undefined;
  readonly maxAgeMs: number;
  readonly minCount: number;
  readonly retention: RetentionPolicy;
  readonly members: number;
  readonly allowNoHash: boolean;
  readonly decryptKey: string | undefined;
  readonly compare: LiveTarget | undefined;
  readonly network: NetworkModeRequest;
  readonly reportDir: string;
}

/** The guide's schedule is daily: 26 h leaves two hours of slack for a 03:30 cron job. */
export const DEFAULT_MAX_AGE = '26h';
/** How many older files a directory check verifies after a failed newest one, looking for a restorable backup. */
const MAX_FILES_PER_DIR = 5;

async function readable(
  path: string,
  what: string,
  hint = 'Give the path of a snapshot file or of a directory of backups.',
): Promise<'file' | 'dir'> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new InputError(`${what} \`${path}\` does not exist.`, { hint });
  }
  try {
    await access(path, constants.R_OK | (info.isDirectory() ? constants.X_OK : 0));
  } catch (error) {
    throw new InputError(`${what} \`${path}\` is not readable: ${describeError(error)}.`, {
      hint: 'Run as a user that can read it (etcd-chaos only ever reads backups).',
      cause: error,
    });
  }
  if (info.isDirectory()) return 'dir';
  if (info.isFile()) return 'file';
  throw new InputError(`${what} \`${path}\` is neither a file nor a directory.`);
}

export async function normalizeVerifyOptions(input: VerifyBackupInput): Promise<VerifyBackupOptions> {
  if (input.paths.length === 0)
    throw new InputError('Expected at least one snapshot file or backup directory.', {
      hint: 'etcd-chaos verify-backup /backup/etcd/etcd-20260605-103045.db   or   etcd-chaos verify-backup /backup/etcd',
    });
  const maxAgeMs = parseDuration('--max-age', input.maxAge ?? DEFAULT_MAX_AGE);
  const retention = input.retention === undefined ? GUIDE_RETENTION : parseRetention(input.retention);
  const minCount = input.minCount === undefined ? 1 : Number(input.minCount);
  if (!/^\d+$/.test(input.minCount ?? '1') || !Number.isSafeInteger(minCount))
    throw new InputError(`Expected \`--min-count\` to be a non-negative integer, got \`${input.minCount}\`.`);
  const members = input.members === undefined ? 1 : Number(input.members);
  if (!/^\d+$/.test(input.members ?? '1') || members < 1 || members > 7 || members % 2 === 0)
    throw new InputError(
      `Expected \`--members\` to be an odd integer from 1 to 7, got \`${input.members}\`.`,
    );
  const network = (input.network ?? 'auto') as NetworkModeRequest;
  if (!['auto', 'netns', 'loopback'].includes(network))
    throw new InputError(
      `Expected \`--network\` to be one of auto, netns, loopback, got \`${input.network}\`.`,
    );
  const version = input.etcdVersion === undefined ? undefined : resolveVersion(input.etcdVersion);
  const files: string[] = [];
  const dirs: string[] = [];
  for (const given of input.paths) {
    const path = resolve(given);
    if ((await readable(path, 'Backup')) === 'dir') dirs.push(path);
    else files.push(path);
  }
  const remoteDir = input.remoteDir === undefined ? undefined : resolve(input.remoteDir);
  if (
    remoteDir &&
    (await readable(remoteDir, '--remote-dir', 'Give the directory of the remote copies.')) !== 'dir'
  )
    throw new InputError(`Expected \`--remote-dir\` to be a directory, got the file \`${remoteDir}\`.`);
  const snapshotFiles = [...files];
  for (const dir of [...dirs, ...(remoteDir ? [remoteDir] : [])])
    for (const name of await readdir(dir)) if (isSnapshotName(name)) snapshotFiles.push(name);
  const needsKey = snapshotFiles.filter((name) => encryptionOf(name) !== 'none');
  let decryptKey: string | undefined;
  if (input.decryptKey !== undefined) {
    decryptKey = resolve(input.decryptKey);
    if (
      (await readable(
        decryptKey,
        '--decrypt-key',
        'Give the passphrase file or armored gpg secret key the backups were encrypted for.',
      )) !== 'file'
    )
      throw new InputError(`Expected \`--decrypt-key\` to be a file, got the directory \`${decryptKey}\`.`);
  } else if (needsKey.length > 0) {
    throw new InputError(
      `${needsKey.length} encrypted backup(s) (${needsKey
        .slice(0, 3)
        .map((name) => basename(name))
        .join(', ')}) and no \`--decrypt-key\`.`,
      {
        hint: 'Pass --decrypt-key FILE: a passphrase file (gpg --symmetric, or openssl enc -aes-256-cbc -pbkdf2 -pass file:FILE), or an armored gpg secret key.',
      },
    );
  }
  let compare: LiveTarget | undefined;
  if (input.compareEndpoints !== undefined) {
    const endpoints = input.compareEndpoints
      .split(',')
      .map((endpoint) => endpoint.trim())
      .filter(Boolean);
    for (const endpoint of endpoints)
      if (!/^https?:\/\/[^/\s]+$/.test(endpoint))
        throw new InputError(
          `Expected \`--compare-endpoints\` to be URLs such as https://10.0.0.1:2379, got \`${endpoint}\`.`,
        );
    if (endpoints.length === 0) throw new InputError('`--compare-endpoints` names no endpoint.');
    let tls: ClientTls | undefined;
    if (input.cacert) {
      for (const [flag, file] of [
        ['--cacert', input.cacert],
        ['--cert', input.cert],
        ['--key', input.key],
      ] as const)
        if (file !== undefined)
          await readable(resolve(file), flag, 'Give the TLS files of the live cluster.');
      tls = {
        caFile: resolve(input.cacert),
        certFile: input.cert && resolve(input.cert),
        keyFile: input.key && resolve(input.key),
      };
    } else if (input.cert || input.key) {
      throw new InputError('`--cert`/`--key` need `--cacert` too.');
    }
    compare = { endpoints, tls };
  }
  return {
    files,
    dirs,
    remoteDir,
    version,
    maxAgeMs,
    minCount,
    retention,
    members,
    allowNoHash: Boolean(input.allowNoHash),
    decryptKey,
    compare,
    network,
    reportDir: await prepareReportDir(input.reportDir ?? 'reports/verify-backup'),
  };
}

function fileScenario(path: string, label: string, options: VerifyBackupOptions): ScenarioDefinition {
  return {
    id: `verify-${slug(label)}`,
    title: `Backup ${label}`,
    claims: options.compare
      ? ['backup.intact', 'backup.restorable', 'backup.matches-live']
      : ['backup.intact', 'backup.restorable'],
    params: {},
    timeoutMs: { quick: 60 * 60_000, full: 60 * 60_000 },
    run: async (ctx) => {
      await verifyBackupFile(ctx as ScenarioContext<unknown>, fileOptions(path, label, options));
    },
  };
}

function fileOptions(path: string, label: string, options: VerifyBackupOptions) {
  return {
    path,
    label,
    requestedVersion: options.version,
    members: options.members,
    allowNoHash: options.allowNoHash,
    decryptKey: options.decryptKey,
    compare: options.compare,
  };
}

function dirScenario(
  dir: string,
  location: 'local' | 'remote',
  options: VerifyBackupOptions,
): ScenarioDefinition {
  return {
    id: `backup-dir-${location}-${slug(basename(dir))}`,
    title: `Backup directory ${dir} (${location})`,
    // The newest files are verified too (the freshness verdict needs a restorable one): their findings go here.
    claims: ['backup.fresh', 'backup.retention', 'backup.intact', 'backup.restorable'],
    params: {},
    timeoutMs: { quick: 3 * 60 * 60_000, full: 3 * 60 * 60_000 },
    run: async (ctx) => {
      const entries = await listBackups(dir);
      const nowMs = Date.now();
      await ctx.evidence.json(`listing-${location}.json`, entries);
      ctx.table({
        name: `${dir} (${location}): ${entries.length} backup file(s)`,
        columns: ['file', 'size (bytes)', 'taken at', 'time from', 'age (h)'],
        rows: [...entries]
          .reverse()
          .map((entry) => [
            entry.name,
            entry.sizeBytes,
            new Date(entry.takenAtMs).toISOString(),
            entry.timeSource,
            Math.round((nowMs - entry.takenAtMs) / 360_000) / 10,
          ]),
      });
      const verified: Record<string, FileVerification['verdict']> = {};
      for (const entry of newestFirst(entries).slice(0, MAX_FILES_PER_DIR)) {
        const result = await verifyBackupFile(
          ctx as ScenarioContext<unknown>,
          fileOptions(entry.path, entry.name, options),
        );
        verified[entry.name] = result.verdict;
        if (result.verdict === 'pass') break;
      }
      if (entries.length === 0) {
        // Nothing to verify: the file claims are not met here either, and the freshness finding says why.
        for (const claim of ['backup.intact', 'backup.restorable'] as const)
          ctx.report({
            claim,
            check: `a backup file in ${dir}`,
            verdict: 'fail',
            reason: `no backup file in ${dir} to verify: no backup is the worst backup`,
            expected: 'at least one snapshot file (etcd-*.db, or .gpg/.enc)',
            observed: 'none',
          });
      }
      const record: BackupDirRecord = {
        dir,
        location,
        nowMs,
        entries,
        verified,
        maxAgeMs: options.maxAgeMs,
        minCount: options.minCount,
        retentionMs: location === 'local' ? options.retention.localMs : options.retention.remoteMs,
      };
      ctx.report(checkFreshness(record));
      ctx.report(checkGaps(record));
      ctx.report(checkRetention(record));
    },
  };
}

function newestFirst(entries: readonly BackupEntry[]): BackupEntry[] {
  return [...entries].reverse();
}

/**
 * Verifies the files and directories as a run of its own: one scenario per file or directory, the same result.json,
 * reports and exit codes as `run` (and the same partial results and interruption handling).
 */
export async function runVerifyBackup(
  options: VerifyBackupOptions,
  context: ExecutionContext,
): Promise<SuiteExecutionResult> {
  const version = options.version ?? resolveVersion('default');
  const target: RunTarget = {
    version,
    capabilities: capabilitiesOf(version),
    flags: {},
    tls: false,
    network: options.network,
    backend: 'process',
    images: {},
  };
  const scenarios = [
    ...options.files.map((path) => fileScenario(path, path, options)),
    ...options.dirs.map((dir) => dirScenario(dir, 'local', options)),
    ...(options.remoteDir ? [dirScenario(options.remoteDir, 'remote', options)] : []),
  ];
  uniqueIds(scenarios);
  return executeSuite(
    {
      scenarios,
      repeat: 1,
      intensity: 'quick',
      target,
      catalogue: ClaimCatalogue.builtIn(),
      reportDir: options.reportDir,
      suite: 'custom',
      strict: true,
      accepted: [],
      requestedVersion: options.version
        ? `verify-backup with etcd ${options.version}`
        : 'verify-backup (each file restored with the etcd line that wrote it)',
      presets: [],
    },
    context,
  );
}

function uniqueIds(scenarios: ScenarioDefinition[]): void {
  const seen = new Map<string, number>();
  scenarios.forEach((scenario, index) => {
    const count = (seen.get(scenario.id) ?? 0) + 1;
    seen.set(scenario.id, count);
    if (count > 1) scenarios[index] = { ...scenario, id: `${scenario.id}-${count}` };
  });
}

/** The verdict of each file and directory, for the command's summary. */
export function summarize(result: RunResult): { scenario: string; verdict: string; lines: string[] }[] {
  return result.scenarios.map((scenario) => {
    const own = result.findings.filter((finding) => finding.scenario === scenario.id);
    const verdict =
      scenario.status === 'completed' ? worstVerdict(own.map((finding) => finding.verdict)) : scenario.status;
    return {
      scenario: scenario.title,
      verdict,
      lines: own.map(
        (finding) => `${finding.verdict.toUpperCase().padEnd(12)} ${finding.check}: ${finding.reason}`,
      ),
    };
  });
}
