// Backup and restore under load: snapshot save while the ledger writes, snapshot status, a restore into a member's
// existing data dir (the wrong --data-dir accident), and a restore into fresh data dirs of a new 3-member cluster
// checked against the ledger bounded to the snapshot revision.
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkLedger,
  checkRestoreComplete,
  checkRestoreLosesAfterSnapshot,
  checkRestoreRefusesExistingDir,
  checkSnapshotStatus,
  defineScenario,
  endpointStatus,
  fingerprintChanges,
  fingerprintDir,
  ledgerWritersParam,
  procedureError,
  readLedgerKeys,
  restoreInitializer,
  restoreSnapshot,
  saveSnapshot,
  snapshotStatus,
  toolError,
} from '../harness/index.js';

export default defineScenario({
  id: 'backup-restore',
  title: 'Snapshot under load, then restore into a new cluster',
  claims: [
    'backup.snapshot-status',
    'restore.complete',
    'restore.loses-after-snapshot',
    'restore.refuses-existing-dir',
  ],
  params: {
    writers: ledgerWritersParam(),
    loadBeforeMs: {
      type: 'number',
      default: 4_000,
      unit: 'ms',
      min: 100,
      description: 'writes before the snapshot',
    },
    loadAfterMs: {
      type: 'number',
      default: 3_000,
      unit: 'ms',
      min: 100,
      description: 'writes after the snapshot (the loss window)',
    },
  },
  intensities: { quick: { loadBeforeMs: 1_500, loadAfterMs: 1_000 } },
  async run(ctx) {
    const source = await ctx.startCluster();
    ctx.step(`writing with ${ctx.params.writers} ledger writers`);
    const writer = ctx.ledger(source, { writers: ctx.params.writers });
    await ctx.sleep(ctx.params.loadBeforeMs);

    ctx.step('snapshot save under load');
    const snapshotDir = join(ctx.workDir, `${ctx.scenario}-snapshots`);
    await mkdir(snapshotDir, { recursive: true });
    const snapshotPath = join(snapshotDir, 'backup.db');
    const saveStartedAt = Date.now();
    const ackedBeforeSave = writer.snapshot().acknowledged.filter((write) => write.ackAt < saveStartedAt);
    const saved = await saveSnapshot(source, source.members[0]!, snapshotPath);
    ctx.recordTool('snapshot save', saved.run);
    const afterSave = await endpointStatus(source);
    await ctx.sleep(ctx.params.loadAfterMs);
    const ledger = await writer.stop();

    const first = await snapshotStatus(source.binaries, snapshotPath);
    ctx.recordTool('snapshot status', first.run);
    const second = await snapshotStatus(source.binaries, snapshotPath);
    ctx.recordTool('snapshot status (again)', second.run);
    ctx.report(
      checkSnapshotStatus({
        status: first.status,
        statusError: first.status ? undefined : toolError(first.run),
        secondStatus: second.status,
        fileSizeBytes: saved.sizeBytes,
        revisionAckedBeforeSave: Math.max(0, ...ackedBeforeSave.map((write) => write.revision)),
        revisionAfterSave: Math.max(...afterSave.statuses.map((status) => status.revision)),
        keysAckedBeforeSave: ackedBeforeSave.length,
      }),
    );
    // Without a status the restore checks cannot run: the status finding above says why.
    if (!first.status) throw procedureError('snapshot status', first.run);
    const snapshotRevision = first.status.revision;

    ctx.step("restore into a member's existing data dir (the wrong --data-dir accident)");
    // A copy of a live member's data dir: the accident is reproduced without putting the source cluster at risk.
    const existing = join(snapshotDir, 'existing-data-dir');
    await cp(source.members[1]!.dataDir, existing, { recursive: true });
    const before = await fingerprintDir(existing);
    const accident = await restoreSnapshot(source.binaries, snapshotPath, {
      name: 'm1',
      dataDir: existing,
      initialCluster: `m1=${source.members[0]!.urls.peer}`,
      initialAdvertisePeerUrl: source.members[0]!.urls.peer,
      clusterToken: 'accident',
    });
    ctx.recordTool('snapshot restore into an existing data dir', accident);
    ctx.report(
      checkRestoreRefusesExistingDir({
        exitCode: accident.exitCode,
        error: toolError(accident),
        changedPaths: fingerprintChanges(before, await fingerprintDir(existing)),
        filesBefore: before.length,
      }),
    );

    ctx.step('restore into fresh data dirs of a new 3-member cluster');
    const restoredSpec = ctx
      .clusterSpec()
      .withDataDirInitializer(restoreInitializer(snapshotPath, { recordTool: ctx.recordTool.bind(ctx) }));
    const restored = await ctx.startCluster(restoredSpec);
    const healthy = (await Promise.all(restored.members.map((member) => member.health()))).filter(
      (report) => report.healthy,
    ).length;
    const client = restored.client();
    const observed = await readLedgerKeys(client, ledger.prefix);
    const check = checkLedger(ledger, observed, { upToRevision: snapshotRevision });
    await ctx.evidence.json('restore-ledger-check.json', {
      snapshotRevision,
      summary: check.summary,
      missing: check.missing.slice(0, 20),
      presentAfterBound: check.presentAfterBound.slice(0, 20),
    });
    const record = {
      snapshotRevision,
      membersHealthy: healthy,
      membersExpected: restored.members.length,
      ledgerCheck: check,
      acknowledgedAfterSnapshot: ledger.acknowledged.filter((write) => write.revision > snapshotRevision)
        .length,
    };
    ctx.report(checkRestoreComplete(record));
    ctx.report(checkRestoreLosesAfterSnapshot(record));
  },
});
