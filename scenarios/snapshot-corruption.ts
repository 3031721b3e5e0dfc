// Corrupt snapshots: a real snapshot of a cluster with data, a truncated copy and a copy with one bit flipped inside a
// live value, each through `snapshot status` and `snapshot restore` with the version's tool; when a restore refuses,
// what it left in its data dir is started as a throwaway single-member etcd to see whether it would serve.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  type CorruptionKind,
  type CorruptSnapshotRecord,
  capabilitiesOf,
  checkCorruptSnapshotRejected,
  defineScenario,
  describeError,
  type LeftoverRecord,
  MemberStartError,
  restoreSnapshot,
  type ScenarioContext,
  saveSnapshot,
  snapshotStatus,
  type ToolRun,
  writeBitFlippedCopy,
  writeTruncatedCopy,
} from '../harness/index.js';

const MARKER_KEY = '/corruption-probe/marker';

export default defineScenario({
  id: 'snapshot-corruption',
  title: 'Truncated and bit-flipped snapshots are rejected',
  claims: ['backup.corrupt-detected'],
  params: {
    keys: {
      type: 'number',
      default: 500,
      unit: 'count',
      min: 10,
      max: 100_000,
      description: 'keys written before the snapshot (so the snapshot spans several bbolt pages)',
    },
    keepPercent: {
      type: 'number',
      default: 50,
      unit: '%',
      min: 1,
      max: 99,
      description: 'how much of the file the truncated copy keeps',
    },
    probeReadTimeoutMs: {
      type: 'number',
      default: 2_000,
      unit: 'ms',
      min: 100,
      description: 'deadline of the read from an etcd started on what a failed restore left behind',
    },
  },
  intensities: { quick: { keys: 200 } },
  async run(ctx) {
    const source = await ctx.startCluster();
    ctx.step(`writing ${ctx.params.keys} keys and a marker`);
    const client = source.client();
    const marker = Buffer.from(`marker-${randomBytes(16).toString('hex')}`);
    for (let start = 0; start < ctx.params.keys; start += 50) {
      const batch = Array.from({ length: Math.min(50, ctx.params.keys - start) }, (_, offset) =>
        client
          .put(`/corruption-probe/keys/${String(start + offset).padStart(6, '0')}`)
          .value(randomBytes(48).toString('hex')),
      );
      await Promise.all(batch.map((put) => put.exec()));
    }
    await client.put(MARKER_KEY).value(marker);

    ctx.step('snapshot save, then a truncated and a bit-flipped copy');
    const dir = join(ctx.workDir, `${ctx.scenario}-${ctx.target.version}`);
    await mkdir(dir, { recursive: true });
    const saved = await saveSnapshot(source, source.members[0]!, join(dir, 'intact.db'));
    ctx.recordTool('snapshot save', saved.run);
    const tool = capabilitiesOf(source.version).snapshotTool;
    // The rest works on files and throwaway members: free the machine.
    await ctx.releaseCluster(source);

    const intactStatus = await snapshotStatus(source.binaries, saved.path);
    ctx.recordTool('snapshot status (intact)', intactStatus.run);
    const intactRestore = await restoreSnapshot(
      source.binaries,
      saved.path,
      restoreOptions(join(dir, 'restore-intact')),
    );
    ctx.recordTool('snapshot restore (intact)', intactRestore);
    const intact = {
      statusExit: intactStatus.run.exitCode,
      statusHash: intactStatus.status?.hash,
      restoreExit: intactRestore.exitCode,
    };

    const keptBytes = Math.floor((saved.sizeBytes * ctx.params.keepPercent) / 100);
    const truncated = await writeTruncatedCopy(
      saved.path,
      join(dir, 'truncated.db'),
      keptBytes,
      saved.sizeBytes,
    );
    const flipped = await writeBitFlippedCopy(saved.path, join(dir, 'bit-flipped.db'), marker);
    await ctx.evidence.json('corruptions.json', {
      snapshotBytes: saved.sizeBytes,
      intactStatus: intactStatus.status,
      truncated,
      flipped,
    });
    const copies: { kind: CorruptionKind; path: string; corruption: string }[] = [
      {
        kind: 'truncated',
        path: truncated.path,
        corruption: `cut to ${truncated.keptBytes} of ${truncated.originalBytes} bytes`,
      },
      {
        kind: 'bit-flipped',
        path: flipped.path,
        corruption: `bit ${flipped.bit} of byte ${flipped.location.offset} flipped (page ${flipped.location.page}, inside the marker's value in the live key bucket; 0x${hex(flipped.byteBefore)} → 0x${hex(flipped.byteAfter)})`,
      },
    ];

    for (const copy of copies) {
      ctx.step(`snapshot status and restore of the ${copy.kind} copy`);
      const status = await snapshotStatus(source.binaries, copy.path);
      ctx.recordTool(`snapshot status (${copy.kind})`, status.run);
      const restoreDir = join(dir, `restore-${copy.kind}`);
      const restore = await restoreSnapshot(source.binaries, copy.path, restoreOptions(restoreDir));
      ctx.recordTool(`snapshot restore (${copy.kind})`, restore);
      const leftover =
        restore.exitCode === 0 ? undefined : await probeLeftover(ctx, restoreDir, copy.kind, marker, flipped);
      const record: CorruptSnapshotRecord = {
        kind: copy.kind,
        corruption: copy.corruption,
        fileSizeBytes: saved.sizeBytes,
        intact,
        status: {
          ...outputOf(status.run),
          hash: status.status?.hash,
          revision: status.status?.revision,
          totalKey: status.status?.totalKey,
        },
        restore: outputOf(restore),
        leftover,
        tool,
      };
      await ctx.evidence.json(`record-${copy.kind}.json`, record);
      ctx.report(checkCorruptSnapshotRejected(record));
    }
  },
});

function restoreOptions(dataDir: string) {
  return {
    name: 'restore',
    dataDir,
    initialCluster: 'restore=http://127.0.0.1:2380',
    initialAdvertisePeerUrl: 'http://127.0.0.1:2380',
    clusterToken: 'corruption-check',
  };
}

function outputOf(run: ToolRun) {
  return { exitCode: run.exitCode, output: [run.stdout, run.stderr].filter(Boolean).join('\n') };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

async function listFiles(dir: string, root = dir): Promise<{ path: string; sizeBytes: number }[]> {
  // A refused restore may leave no dir at all: that is "no files", which the record reports.
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: { path: string; sizeBytes: number }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path, root)));
    else if (entry.isFile()) files.push({ path: relative(root, path), sizeBytes: (await stat(path)).size });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * What a refused restore left behind, and whether etcd runs on it: the guide's "Full Cluster Failure" procedure moves
 * the static pod manifest back right after the restore command, so a leftover dir is what etcd would start on.
 */
async function probeLeftover(
  ctx: ScenarioContext<{ probeReadTimeoutMs: number }>,
  restoreDir: string,
  kind: CorruptionKind,
  marker: Buffer,
  flipped: { byteAfter: number },
): Promise<LeftoverRecord> {
  const files = await listFiles(restoreDir);
  if (files.length === 0) return { files };
  ctx.step(`starting a throwaway etcd on what the refused restore of the ${kind} copy left behind`);
  const spec = ctx
    .clusterSpec()
    .withMembers(1)
    .withStartTimeout(10_000)
    .withDataDirInitializer(async (init) => {
      await cp(restoreDir, init.dataDir, { recursive: true });
    });
  let probe: Awaited<ReturnType<typeof ctx.startCluster>>;
  try {
    probe = await ctx.startCluster(spec);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const logTail = error instanceof MemberStartError ? error.logTail : '';
    const message = describeError(error);
    await ctx.evidence.text(`leftover-${kind}-etcd.log`, `${message}\n\n${logTail}\n`);
    const crash = /fatal error: [^\n]*|panic: [^\n]*|unexpected fault address[^\n]*/.exec(logTail)?.[0];
    return {
      files,
      probe: { started: false, detail: crash ?? message.split('\n')[0]!.slice(0, 200) },
    };
  }
  try {
    const reader = probe.client({ callTimeoutMs: ctx.params.probeReadTimeoutMs });
    const value = await reader.get(MARKER_KEY).buffer();
    const corrupt = Buffer.from(marker);
    corrupt[Math.floor(marker.length / 2)] = flipped.byteAfter;
    const served =
      value === null
        ? ('absent' as const)
        : value.equals(marker)
          ? ('original' as const)
          : value.equals(corrupt)
            ? ('corrupt' as const)
            : ('other' as const);
    return {
      files,
      probe: {
        started: true,
        served,
        detail: value === null ? 'marker key absent' : `marker read back as "${value.toString()}"`,
      },
    };
  } catch (error) {
    return {
      files,
      probe: {
        started: true,
        served: 'no-answer',
        detail: `/health said healthy, but a read failed within ${ctx.params.probeReadTimeoutMs} ms: ${(error as Error).message.slice(0, 200)}`,
      },
    };
  } finally {
    await ctx.releaseCluster(probe);
  }
}
