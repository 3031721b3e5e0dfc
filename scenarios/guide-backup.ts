// The guide's backup section as claims: its own backup script (shipped as a fixture, only its paths adapted through
// the environment) drilled on this version under faults, including a corrupted save its `etcdctl snapshot status`
// step should catch; its retention (local -mtime +7, remote +14) against its summary (remote >= 30 days); gpg and
// openssl encryption round trips; and the "Snapshot restore failure" advice: this version's snapshot restored with
// the neighbouring minor versions' tools.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkCrossVersionRestore,
  checkEncryptionRoundTrip,
  DRILL_FAULTS,
  decryptToPrivate,
  defineScenario,
  digestSnapshot,
  encryptSnapshot,
  GUIDE_RETENTION,
  guideBackupScript,
  inspectSnapshotDb,
  neighbourLine,
  runDrill,
  runRestoreDrill,
  saveSnapshot,
  seedKeyspace,
  toolError,
} from '../harness/index.js';

export default defineScenario({
  id: 'guide-backup',
  title: "The guide's backup script, retention, encryption and cross-version restore",
  claims: [
    'backup.script-honest',
    'backup.intact',
    'backup.restorable',
    'backup.retention',
    'backup.encryption',
    'restore.cross-version',
  ],
  params: {
    faults: {
      type: 'list',
      default: [...DRILL_FAULTS],
      choices: [...DRILL_FAULTS],
      description: 'faults during the script runs, one run each',
    },
    seedKeys: { type: 'number', default: 1_000, min: 10, description: 'Kubernetes-like keys seeded first' },
  },
  intensities: { quick: { faults: ['none', 'corrupt-save'], seedKeys: 200 } },
  suites: ['full'],
  timeoutMs: { quick: 10 * 60_000, full: 30 * 60_000 },
  async run(ctx) {
    await runDrill(ctx, {
      script: guideBackupScript(),
      runs: ctx.params.faults.length,
      faults: ctx.params.faults as (typeof DRILL_FAULTS)[number][],
      scriptTimeoutMs: 120_000,
      retention: GUIDE_RETENTION,
      seedKeys: ctx.params.seedKeys,
      exerciseRetention: true,
      // The shipped copy reads its paths from the environment (the guide's defaults stay as written).
      pathMapping: undefined,
    });

    ctx.step('a snapshot for the encryption and cross-version checks');
    const cluster = await ctx.startCluster(ctx.clusterSpec().withMembers(1));
    await seedKeyspace(cluster.client(), { keys: ctx.params.seedKeys, valueBytes: 512 });
    const dir = join(ctx.workDir, 'guide-backup');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const snapshot = join(dir, 'etcd-snapshot.db');
    ctx.recordTool('snapshot save', (await saveSnapshot(cluster, cluster.members[0]!, snapshot)).run);
    await ctx.releaseCluster(cluster);
    const original = await digestSnapshot(snapshot);

    const key = join(dir, 'passphrase');
    const wrong = join(dir, 'wrong-passphrase');
    await writeFile(key, 'correct horse battery staple\n', { mode: 0o600 });
    await writeFile(wrong, 'tr0ub4dor&3\n', { mode: 0o600 });
    for (const method of ['gpg', 'openssl'] as const) {
      ctx.step(`encryption round trip: ${method}`);
      const encrypted = join(dir, `etcd-snapshot.db.${method === 'gpg' ? 'gpg' : 'enc'}`);
      const encrypt = await encryptSnapshot(method, snapshot, encrypted, key, dir);
      ctx.recordTool(`${method} encrypt`, encrypt);
      const rightDir = join(dir, `${method}-right`);
      const wrongDir = join(dir, `${method}-wrong`);
      await mkdir(rightDir, { mode: 0o700 });
      await mkdir(wrongDir, { mode: 0o700 });
      const right = await decryptToPrivate(encrypted, method, key, rightDir);
      const bad = await decryptToPrivate(encrypted, method, wrong, wrongDir);
      const decrypted = right.decryption?.ok ? await digestSnapshot(right.path) : undefined;
      // openssl's padding check passes a wrong key about once in 256 tries and writes noise: that is no decryption.
      const wrongOutput = bad.decryption?.ok ? await digestSnapshot(bad.path) : undefined;
      ctx.report(
        checkEncryptionRoundTrip({
          method: method === 'gpg' ? 'gpg --symmetric' : 'openssl enc -aes-256-cbc -pbkdf2',
          encryptExit: encrypt.exitCode,
          encryptError: encrypt.exitCode === 0 ? undefined : toolError(encrypt),
          decrypted: right.decryption?.ok ?? false,
          decryptMessage: right.decryption?.message ?? '',
          identical: decrypted?.sha256 === original.sha256,
          wrongKeyRefused: !(bad.decryption?.ok ?? true) || wrongOutput?.sha256 !== original.sha256,
          wrongKeyMessage: bad.decryption?.ok
            ? 'the tool exited 0 but wrote noise, not the snapshot'
            : (bad.decryption?.message ?? ''),
          sizeBytes: original.sizeBytes,
        }),
      );
      await right.release();
      await bad.release();
    }

    const inspection = inspectSnapshotDb({ path: snapshot, dataBytes: original.sizeBytes - 32 });
    const facts =
      inspection.opened && inspection.scan
        ? {
            revision: inspection.scan.revision,
            liveKeys: inspection.scan.liveKeys,
            kvHash: inspection.scan.kvHash,
            hashMethod: "etcd-chaos's bbolt reader",
          }
        : undefined;
    const neighbours = [neighbourLine(ctx.target.version, -1), neighbourLine(ctx.target.version, 1)].filter(
      (version) => version !== undefined,
    );
    for (const version of neighbours) {
      ctx.step(`restoring the ${ctx.target.version} snapshot with etcd ${version}'s tools`);
      const record = await runRestoreDrill(ctx, {
        file: `etcd ${ctx.target.version} snapshot`,
        snapshotPath: snapshot,
        version,
        members: 1,
        skipHashCheck: false,
        expected: Promise.resolve(facts),
      });
      ctx.report(checkCrossVersionRestore(ctx.target.version.toString(), record));
    }
  },
});
