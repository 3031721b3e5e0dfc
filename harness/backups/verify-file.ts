// Verifies one backup file without ever touching it: its SHA-256 before and after; a private view of it (read-only
// bind mount, copy, or decrypted copy in a 0700 dir removed afterwards); etcd-chaos's reader (bbolt, which etcd wrote
// it, revision, keys, KV hash, keyspace) in a worker while `snapshot status` and the restore drill run; then the
// findings: backup.intact, backup.restorable, and with live endpoints backup.matches-live.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import {
  checkIntegrity,
  checkMatchesLive,
  checkRestorable,
  type IntegrityRecord,
  type SnapshotFacts,
  type TrailerState,
} from '../checks/backup-files.js';
import { formatBytes, type Verdict, worstVerdict } from '../findings/finding.js';
import { snapshotToolOf } from '../procedures/snapshot.js';
import { runTool, toolError } from '../procedures/tool-run.js';
import type { ScenarioContext } from '../scenario/types.js';
import type { EtcdVersion } from '../versions/version.js';
import { encryptionOf } from './backup-dir.js';
import { BboltFile } from './bbolt.js';
import { compareWithLive, type LiveTarget } from './compare-live.js';
import { type EtcdMeta, readEtcdMeta } from './etcd-db.js';
import type { Inspection } from './inspect.js';
import { inspectInBackground } from './inspect-async.js';
import { decryptToPrivate, type PrivateFile, privateView } from './private-copy.js';
import {
  type RestoreDrillInput,
  restoreVersionFor,
  runRestoreDrill,
  toolLabel,
  writerOf,
} from './restore-drill.js';
import { digestSnapshot, hasTrailer, type SnapshotDigest, TRAILER_BYTES } from './snapshot-file.js';

/** Files above this size skip `snapshot status` and the reader's page accounting (see below). */
export const STATUS_MAX_BYTES = 256 * 1024 * 1024;

export interface VerifyFileOptions {
  /** Absolute path of the user's file. */
  readonly path: string;
  /** The name used in findings (as the user gave it, or the file name in a directory). */
  readonly label: string;
  readonly requestedVersion?: EtcdVersion;
  readonly members: number;
  readonly allowNoHash: boolean;
  readonly decryptKey?: string;
  readonly compare?: LiveTarget;
  /** More checks on the restored cluster while it runs. */
  readonly onRestored?: RestoreDrillInput['onRestored'];
}

export interface FileVerification {
  readonly label: string;
  /** Worst verdict over the file's findings. */
  readonly verdict: Verdict;
  /** The integrity finding's verdict alone (is the file what etcd wrote, complete and unaltered). */
  readonly integrity: Verdict;
  readonly revision: number | undefined;
}

export async function verifyBackupFile(
  ctx: ScenarioContext<unknown>,
  options: VerifyFileOptions,
): Promise<FileVerification> {
  const dir = await mkdtemp(join(ctx.session.workDir, 'verify-'));
  const encryption = encryptionOf(options.path);
  ctx.step(`${options.label}: reading (SHA-256 before)`);
  // The inode's ctime moves with any write and cannot be set back: with the SHA-256 before and after, it proves the
  // file was not touched in between (the SHA-256 "before" is computed while the restore reads the file too).
  const statBefore = await stat(options.path);
  // An encrypted file's trailer is inside it: only the decrypted bytes' digest needs the second (body) SHA-256.
  const before = digestSnapshot(options.path, { trailer: encryption === 'none' });
  let view: PrivateFile | undefined;
  try {
    if (encryption !== 'none') {
      ctx.step(`${options.label}: decrypting (${encryption}) into a private dir`);
      view = await decryptToPrivate(options.path, encryption, options.decryptKey ?? '', dir);
    } else {
      view = await privateView(options.path, dir, ctx.session.journal);
    }
    const snapshotPath = view.path;
    const plainSize = (await stat(snapshotPath)).size;
    const dataBytes = hasTrailer(plainSize) ? plainSize - TRAILER_BYTES : plainSize;
    // The writer (cheap: the meta buckets) decides the restoring version.
    const quick = await inspectMetaOnly(view.path, dataBytes);
    const writer = writerOf(quick);
    const version = restoreVersionFor(writer, options.requestedVersion);
    const binaries = await resolveEtcd(version, { signal: ctx.signal });
    const tool = toolLabel(binaries);
    const usable = (view.decryption?.ok ?? true) && plainSize > 0;
    // etcd's own `snapshot status` (bbolt tx.Check and a hash of every bucket) as a second opinion on consistency;
    // above STATUS_MAX_BYTES it is left out: it reads the whole file once more on a core the restore needs (measured
    // on a 1.3 GiB snapshot: 5.5 s alone, 23.6 s next to the restore, which it slowed from 7 s to 21 s), and the
    // reader's walk applies the same rules.
    const status =
      usable && plainSize <= STATUS_MAX_BYTES
        ? runTool(snapshotToolOf(binaries), ['snapshot', 'status', view.path, '-w', 'json'], 600_000)
        : undefined;
    const noTrailer = !hasTrailer(plainSize);
    // A file that is not a readable database and has no trailer: `snapshot restore` would only complain about the hash.
    const quickUnreadable = quick === undefined && noTrailer;
    const skipped: { verdict: 'fail' | 'inconclusive'; reason: string } | undefined = !usable
      ? encryption !== 'none' && !view.decryption?.ok
        ? { verdict: 'fail', reason: 'not restorable: it cannot be decrypted with the given key' }
        : { verdict: 'fail', reason: 'nothing to restore: the file is empty' }
      : quickUnreadable
        ? { verdict: 'fail', reason: 'not restorable: not an etcd snapshot (see the integrity finding)' }
        : noTrailer && !options.allowNoHash
          ? {
              verdict: 'inconclusive',
              reason:
                'not restored: without a SHA-256 trailer `snapshot restore` needs --skip-hash-check; pass --allow-no-hash to restore it that way',
            }
          : undefined;
    const notAttempted = skipped?.reason;
    if (!notAttempted)
      ctx.step(
        `${options.label}: restore drill with ${tool} (${options.members} member${options.members === 1 ? '' : 's'})`,
      );
    let restoreFinished: () => void = () => {};
    const restored = new Promise<void>((resolve) => {
      restoreFinished = resolve;
    });
    // The restore first, alone: next to the reader's pass it took 11.8 s instead of 3.8 s on a 1.3 GiB snapshot. The
    // reader then runs while the restored member starts (etcd rebuilds its index then, mostly on one core).
    const inspection = (notAttempted ? Promise.resolve() : restored).then(() =>
      inspectInBackground({
        path: snapshotPath,
        dataBytes,
        collectKeys: options.compare !== undefined,
        // The page-level accounting (every page reachable once or free) costs another pass; above the size where
        // `snapshot status` is skipped too, the walk of the buckets it reads (page ids, page types) stands.
        consistency: plainSize <= STATUS_MAX_BYTES,
      }),
    );
    const expected: Promise<SnapshotFacts | undefined> = inspection.then((result) =>
      result.opened && result.scan
        ? {
            revision: result.scan.revision,
            liveKeys: result.scan.liveKeys,
            kvHash: result.scan.kvHash,
            hashMethod: "etcd-chaos's bbolt reader: CRC-32C over the key bucket as etcd's HashKV",
          }
        : undefined,
    );
    const drill = notAttempted
      ? undefined
      : runRestoreDrill(ctx, {
          onRestoreFinished: () => restoreFinished(),
          file: options.label,
          snapshotPath: view.path,
          version,
          members: options.members,
          skipHashCheck: noTrailer && options.allowNoHash,
          expected,
          alarms: quick?.alarms,
          onRestored: options.onRestored,
        });
    void drill?.then(
      () => restoreFinished(),
      () => restoreFinished(),
    );
    // The file is read for the last time by the restore and the reader: the SHA-256 after runs beside the member's start.
    const after = Promise.all([inspection, status, drill ? restored : undefined]).then(() => {
      ctx.step(`${options.label}: SHA-256 after`);
      return digestSnapshot(options.path, { trailer: false });
    });
    const [inspected, statusRun, drillRecord] = await Promise.all([inspection, status, drill]);
    if (statusRun) ctx.recordTool(`${tool} snapshot status of ${options.label}`, statusRun);
    const digestBefore = await before;
    const plainDigest = encryption === 'none' ? digestBefore : await digestSnapshot(view.path);
    const digestAfter = await after;
    const statAfter = await stat(options.path);
    const metadataChanged =
      statAfter.ctimeMs !== statBefore.ctimeMs ||
      statAfter.size !== statBefore.size ||
      statAfter.ino !== statBefore.ino;
    await ctx.evidence.json(`${slug(options.label)}-file.json`, {
      file: options.path,
      view: view.how,
      sizeBytes: digestBefore.sizeBytes,
      sha256Before: digestBefore.sha256,
      sha256After: digestAfter.sha256,
      statBefore: {
        size: statBefore.size,
        mtimeMs: statBefore.mtimeMs,
        ctimeMs: statBefore.ctimeMs,
        ino: statBefore.ino,
      },
      statAfter: {
        size: statAfter.size,
        mtimeMs: statAfter.mtimeMs,
        ctimeMs: statAfter.ctimeMs,
        ino: statAfter.ino,
      },
      decryptedSha256: encryption === 'none' ? undefined : plainDigest.sha256,
      trailer: { bodySha256: plainDigest.bodySha256, lastBytes: plainDigest.lastBytes },
      writer,
      restoreWith: tool,
      inspection: inspected.opened
        ? { ...inspected, scan: { ...inspected.scan, keys: undefined } }
        : inspected,
    });
    const integrity: IntegrityRecord = {
      file: options.label,
      sizeBytes: digestBefore.sizeBytes,
      sha256Before: digestBefore.sha256,
      sha256After: digestAfter.sha256,
      metadataChanged,
      decryption: view.decryption,
      trailer: trailerState(plainDigest, inspected),
      allowNoHash: options.allowNoHash,
      bbolt: bboltFacts(inspected, dataBytes),
      status: statusRun && { tool, exitCode: statusRun.exitCode, message: toolError(statusRun) },
      statusSkipped:
        usable && !statusRun
          ? `\`${tool} snapshot status\` and the page accounting not run above ${STATUS_MAX_BYTES / 1048576} MiB (the reader's walk of the key, meta, cluster, members and alarm buckets stands)`
          : undefined,
    };
    const findings = [ctx.report(checkIntegrity(integrity)).verdict];
    findings.push(
      ctx.report(
        checkRestorable(
          drillRecord ?? {
            file: options.label,
            etcdVersion: version.toString(),
            tool,
            members: options.members,
            notAttempted,
            notAttemptedVerdict: skipped?.verdict,
            skipHashCheck: false,
            durationMs: 0,
          },
        ),
      ).verdict,
    );
    if (inspected.opened && inspected.scan) {
      ctx.table({
        name: `${options.label}: what it holds`,
        columns: ['fact', 'value'],
        rows: [
          ['written by', `etcd ${writer.line ?? '?'} (${writer.evidence})`],
          ['restore with', `${tool}${noTrailer ? ' --skip-hash-check' : ''}`],
          ['revision', inspected.scan.revision],
          ['keys', inspected.scan.liveKeys],
          ['key-value bytes', formatBytes(inspected.scan.liveKeyBytes + inspected.scan.liveValueBytes)],
          ['KV hash at the revision', inspected.scan.kvHash],
          ['compaction revision', inspected.scan.compactRevision],
          [
            'members of the cluster that wrote it',
            (inspected.meta?.members ?? []).map((member) => member.name).join(', '),
          ],
          ['file size', `${formatBytes(digestBefore.sizeBytes)} (${digestBefore.sizeBytes} bytes)`],
          ['SHA-256 before', digestBefore.sha256],
          ['SHA-256 after', digestAfter.sha256],
        ],
      });
      ctx.table({
        name: `${options.label}: keyspace by Kubernetes resource`,
        columns: ['prefix', 'keys', 'bytes', 'share of bytes'],
        rows: keyspaceRows(
          inspected.scan.groups,
          inspected.scan.liveKeyBytes + inspected.scan.liveValueBytes,
        ),
      });
      if (options.compare && inspected.scan.keys) {
        ctx.step(`${options.label}: comparing with ${options.compare.endpoints.join(',')}`);
        const record = await compareWithLive({
          file: options.label,
          etcdctl: binaries.etcdctl,
          target: options.compare,
          snapshotRevision: inspected.scan.revision,
          snapshotKeys: inspected.scan.keys,
          record: (label, run) => ctx.recordTool(label, run),
        });
        findings.push(ctx.report(checkMatchesLive(record)).verdict);
      }
    }
    return {
      label: options.label,
      verdict: worstVerdict(findings),
      integrity: findings[0] ?? 'inconclusive',
      revision: inspected.opened ? inspected.scan?.revision : undefined,
    };
  } finally {
    await view?.release();
    await rm(dir, { recursive: true, force: true });
  }
}

async function inspectMetaOnly(path: string, dataBytes: number): Promise<EtcdMeta | undefined> {
  try {
    using db = BboltFile.open(path, { dataBytes });
    return readEtcdMeta(db);
  } catch {
    return undefined;
  }
}

/** What the reader found in the database, as the integrity check takes it. */
export function bboltFacts(inspected: Inspection, dataBytes: number): IntegrityRecord['bbolt'] {
  if (!inspected.opened) return { opened: false, error: inspected.error };
  return {
    opened: true,
    pageSizeBytes: inspected.bbolt.pageSizeBytes,
    neededBytes: inspected.bbolt.highWaterMark * inspected.bbolt.pageSizeBytes,
    dataBytes,
    problems: [
      ...inspected.consistencyProblems,
      ...(inspected.scanError ? [`key bucket: ${inspected.scanError}`] : []),
      ...(inspected.scan?.malformedValues
        ? [`${inspected.scan.malformedValues} key-bucket values are not etcd key-values`]
        : []),
    ],
  };
}

/** Trailer state from the digest of the plaintext and the database's own idea of its size. */
export function trailerState(digest: SnapshotDigest, inspection: Inspection): TrailerState {
  if (hasTrailer(digest.sizeBytes)) return digest.bodySha256 === digest.lastBytes ? 'match' : 'mismatch';
  if (inspection.opened) {
    const needed = inspection.bbolt.highWaterMark * inspection.bbolt.pageSizeBytes;
    const extra = digest.sizeBytes - needed;
    if (extra > 0 && extra < TRAILER_BYTES) return 'partial';
  }
  return 'absent';
}

const KEYSPACE_ROWS = 25;

function keyspaceRows(
  groups: readonly { group: string; keys: number; bytes: number }[],
  totalBytes: number,
): (string | number)[][] {
  const shown = groups.slice(0, KEYSPACE_ROWS);
  const rest = groups.slice(KEYSPACE_ROWS);
  const share = (bytes: number) => (totalBytes > 0 ? `${((bytes / totalBytes) * 100).toFixed(1)} %` : '');
  const rows: (string | number)[][] = shown.map((group) => [
    group.group,
    group.keys,
    formatBytes(group.bytes),
    share(group.bytes),
  ]);
  if (rest.length > 0) {
    const keys = rest.reduce((sum, group) => sum + group.keys, 0);
    const bytes = rest.reduce((sum, group) => sum + group.bytes, 0);
    rows.push([`(${rest.length} more prefixes)`, keys, formatBytes(bytes), share(bytes)]);
  }
  return rows;
}

export function slug(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
}
