// Restore with --bump-revision and --mark-compacted (what Kubernetes needs after a restore): the ledger writes before
// and after a snapshot, the cluster is restored from it with a revision bump, and the restored cluster is checked:
// revisions continue above everything clients saw, watches resuming from old revisions end with a compacted error
// (etcdctl and the etcd3 client), and the data up to the snapshot is there.
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import {
  type BumpRestoreRecord,
  checkBumpRevisionRestore,
  checkLedger,
  defineScenario,
  endpointStatus,
  ledgerWritersParam,
  procedureError,
  readLedgerKeys,
  restoreInitializer,
  saveSnapshot,
  snapshotStatus,
  toolError,
  type WatchEnding,
} from '../harness/index.js';

export default defineScenario({
  id: 'restore-bump-revision',
  title: 'Restore with --bump-revision and --mark-compacted',
  claims: ['restore.bump-revision'],
  params: {
    writers: ledgerWritersParam(),
    loadBeforeMs: {
      type: 'number',
      default: 3_000,
      unit: 'ms',
      min: 100,
      description: 'writes before the snapshot',
    },
    loadAfterMs: {
      type: 'number',
      default: 2_000,
      unit: 'ms',
      min: 100,
      description: 'writes after the snapshot (revisions clients saw that the snapshot lacks)',
    },
    bumpRevision: {
      type: 'number',
      default: 1_000_000_000,
      min: 1,
      description:
        '--bump-revision: etcd docs ask for at least the revisions that may have happened since the snapshot; Kubernetes uses 1e9',
    },
    watchBoundMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 500,
      description: 'how long a watch from an old revision may stay open before it counts as not ended',
    },
  },
  intensities: { quick: { writers: 2, loadBeforeMs: 700, loadAfterMs: 500, watchBoundMs: 3_000 } },
  notApplicable: (target) =>
    target.capabilities.restoreBumpRevision
      ? undefined
      : 'snapshot restore has no --bump-revision/--mark-compacted before etcdutl 3.5.10',
  async run(ctx) {
    const source = await ctx.startCluster();
    ctx.step(`writing with ${ctx.params.writers} ledger writers`);
    const writer = ctx.ledger(source, { writers: ctx.params.writers });
    await ctx.sleep(ctx.params.loadBeforeMs);
    const snapshotPath = join(ctx.workDir, `${ctx.scenario}-${ctx.target.version}.db`);
    const saved = await saveSnapshot(source, source.members[0]!, snapshotPath);
    ctx.recordTool('snapshot save', saved.run);
    await ctx.sleep(ctx.params.loadAfterMs);
    const ledger = await writer.stop();
    const finalStatus = await endpointStatus(source);
    ctx.recordTool('endpoint status before the restore', finalStatus.run);
    const maxRevisionSeen = Math.max(
      0,
      ...ledger.acknowledged.map((write) => write.revision),
      ...finalStatus.statuses.map((status) => status.revision),
    );
    const status = await snapshotStatus(source.binaries, snapshotPath);
    ctx.recordTool('snapshot status', status.run);
    if (!status.status) throw procedureError('snapshot status', status.run);
    const snapshotRevision = status.status.revision;
    // The old cluster is gone in a real restore; stopping it also frees the machine for the restored one.
    await ctx.releaseCluster(source);

    ctx.step(`restore with --bump-revision=${ctx.params.bumpRevision} --mark-compacted`);
    const restoredSpec = ctx.clusterSpec().withDataDirInitializer(
      restoreInitializer(snapshotPath, {
        recordTool: ctx.recordTool.bind(ctx),
        label: (member) => `snapshot restore --bump-revision for ${member}`,
        extraArgs: { bumpRevision: ctx.params.bumpRevision, markCompacted: true },
      }),
    );
    const restored = await ctx.startCluster(restoredSpec);
    const restoredStatus = await endpointStatus(restored);
    ctx.recordTool('endpoint status after the restore', restoredStatus.run);
    const restoredRevision = Math.max(...restoredStatus.statuses.map((entry) => entry.revision));

    ctx.step('watches from old revisions, a watch from the new one');
    const resumeFrom = maxRevisionSeen + 1;
    const client = restored.members[0]!.client();
    const [etcdctlWatch, etcd3Watch] = await Promise.all([
      (async (): Promise<WatchEnding> => {
        const run = await restored.etcdctl(['watch', '--prefix', ledger.prefix, `--rev=${resumeFrom}`], {
          members: [restored.members[0]!.name],
          allowFailure: true,
          timeoutMs: ctx.params.watchBoundMs,
        });
        ctx.recordTool(`etcdctl watch --rev=${resumeFrom}`, run);
        const output = [run.stdout, run.stderr].filter(Boolean).join('\n');
        return {
          client: 'etcdctl watch --rev',
          startRevision: resumeFrom,
          // A watch still open when the bound kills etcdctl has no exit code (-1).
          ended: run.exitCode !== -1 && run.durationMs < ctx.params.watchBoundMs,
          afterMs: run.durationMs,
          message: output.split('\n').filter(Boolean).slice(-2).join(' / ').slice(0, 300),
          events: (output.match(/^PUT$|^DELETE$/gm) ?? []).length,
        };
      })(),
      watchFrom(client, ledger.prefix, resumeFrom, ctx.params.watchBoundMs),
    ]);
    const oldRead = await restored.etcdctl(
      ['get', ledger.prefix, '--prefix', '--keys-only', `--rev=${snapshotRevision}`],
      {
        members: [restored.members[0]!.name],
        allowFailure: true,
      },
    );
    ctx.recordTool(`etcdctl get --rev=${snapshotRevision}`, oldRead);
    const currentWatch = watchFrom(client, '/bump-probe/', restoredRevision + 1, ctx.params.watchBoundMs, 1);
    const put = await client.put('/bump-probe/first').value('after-restore');
    const firstPutRevision = Number(put.header.revision);
    const current = await currentWatch;

    const observed = await readLedgerKeys(restored.client(), ledger.prefix);
    const ledgerCheck = checkLedger(ledger, observed, { upToRevision: snapshotRevision });
    const record: BumpRestoreRecord = {
      bumpRevision: ctx.params.bumpRevision,
      snapshotRevision,
      maxRevisionSeen,
      restoredRevision,
      firstPutRevision,
      oldWatches: [etcdctlWatch, etcd3Watch],
      currentWatch: current,
      oldRead: {
        revision: snapshotRevision,
        exitCode: oldRead.exitCode,
        // The `Error:` line, not the client's JSON retry warning that precedes it.
        message: oldRead.stderr.split('\n').find((line) => line.startsWith('Error:')) ?? toolError(oldRead),
      },
      ledgerCheck,
      watchBoundMs: ctx.params.watchBoundMs,
    };
    await ctx.evidence.json('bump-revision.json', {
      ...record,
      ledgerCheck: { summary: ledgerCheck.summary, missing: ledgerCheck.missing.slice(0, 20) },
      note: 'etcd3 1.1.2 turns the compacted cancel into `Watcher canceled: <cancel_reason>`; etcd leaves cancel_reason empty for a compaction and etcd3 drops compact_revision, so only etcdctl names the cause',
    });
    ctx.report(checkBumpRevisionRestore(record));
  },
});

/**
 * A watch from `startRevision` through etcd3, bounded in time. Resolves when it is cancelled ('error' or 'end'),
 * when `untilEvents` events have arrived, or at the bound (then `ended` is false).
 */
function watchFrom(
  client: Etcd3,
  prefix: string,
  startRevision: number,
  boundMs: number,
  untilEvents = Number.POSITIVE_INFINITY,
): Promise<WatchEnding> {
  const startedAt = Date.now();
  const watcher = client.watch().prefix(prefix).startRevision(String(startRevision)).watcher();
  let events = 0;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ended: boolean, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        client: 'etcd3 watcher',
        startRevision,
        ended,
        afterMs: Date.now() - startedAt,
        message,
        events,
      });
      // A watcher etcd cancelled is already detached; cancelling it again would wait for an 'end' that never comes.
      if (!ended)
        // Best effort: the watch's ending is already recorded; a cancel that fails leaves nothing to clean up.
        void Promise.race([watcher.cancel(), new Promise((done) => setTimeout(done, 1_000))]).catch(() => {});
    };
    const timer = setTimeout(
      () => finish(false, events > 0 ? `${events} events, still open` : 'still open'),
      boundMs,
    );
    watcher.on('data', (response: { events: unknown[] }) => {
      events += response.events.length;
      if (events >= untilEvents) finish(false, `${events} events`);
    });
    // Kept after settling: an EventEmitter without an 'error' listener throws.
    watcher.on('error', (error: Error) => finish(true, `${error.constructor.name}: ${error.message}`));
    watcher.on('end', () => finish(true, 'end'));
  });
}
