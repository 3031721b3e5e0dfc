// Near an 8 GiB quota with a production keyspace: the --scale keyspace restored into a cluster with the guide's
// --quota-backend-bytes=8589934592, filled with large values until etcd refuses writes (time to NOSPACE, db size
// then, alarms), then the documented recovery, each step timed: delete the filler, compact, defragment every member,
// `alarm disarm`, and a put. Three members on one disk write three times the quota plus WAL: the free disk is
// checked first and the scenario is skipped (inconclusive, with the reason) when it is short.
import {
  checkProductionNoSpace,
  checkProductionRecovery,
  classifyEtcdError,
  compact,
  defineScenario,
  freeBytes,
  GrpcKvClient,
  listAlarms,
  prefixRangeEnd,
  type QuotaProductionRecord,
  residentMemory,
  startSeededCluster,
  toolError,
} from '../harness/index.js';

const FILL_PREFIX = '/quota-production-fill/';
const GiB = 1024 ** 3;

export default defineScenario({
  id: 'quota-production',
  title: 'An 8 GiB quota with a production keyspace: time to NOSPACE, recovery and defrag',
  claims: ['quota.production'],
  suites: ['full'],
  params: {
    quotaBytes: {
      type: 'number',
      default: 8 * GiB,
      unit: 'bytes',
      min: 16 * 1024 ** 2,
      max: 64 * GiB,
      description: "--quota-backend-bytes (the guide's manifest: 8589934592)",
    },
    fillValueBytes: {
      type: 'number',
      default: 64 * 1024,
      unit: 'bytes',
      min: 1_024,
      max: 1_048_576,
      description:
        'size of each filler value. etcd keeps up to --snapshot-count plus 5000 raft entries in memory: measured on 3.6.16, 512 KiB values took a member to 16 GiB of anonymous memory',
    },
    maxMemberRssBytes: {
      type: 'number',
      default: 6 * GiB,
      unit: 'bytes',
      min: 256 * 1024 ** 2,
      max: 1024 * GiB,
      description: 'stop filling when a member holds this much resident memory (protects a shared host)',
    },
    fillInFlight: {
      type: 'number',
      default: 8,
      unit: 'count',
      min: 1,
      max: 256,
      description: 'filler puts in flight',
    },
  },
  intensities: {
    quick: { quotaBytes: 64 * 1024 ** 2, fillValueBytes: 64 * 1024 },
    full: { quotaBytes: 8 * GiB },
  },
  timeoutMs: { quick: 5 * 60_000, full: 120 * 60_000 },
  async run(ctx) {
    const { params } = ctx;
    const quota = params.quotaBytes;
    // Every member holds up to the quota in its db and, until snapshots let etcd purge them, the filler in its WAL.
    const neededBytes = 3 * quota * 1.2 + 2 * GiB;
    const available = await freeBytes(ctx.session.workDir);
    if (available < neededBytes) {
      const skipped = `needs ${(neededBytes / GiB).toFixed(1)} GiB free on the file system of ${ctx.session.workDir} (3 members × the ${(quota / GiB).toFixed(1)} GiB quota and their WAL), which has ${(available / GiB).toFixed(1)} GiB: skipped so as not to fill a shared disk`;
      const record: QuotaProductionRecord = {
        quotaBytes: quota,
        seededDbBytes: 0,
        skipped,
        fillBytes: 0,
        timeToNoSpaceMs: undefined,
        noSpaceMessage: undefined,
        dbSizeAtNoSpaceBytes: 0,
        alarms: [],
      };
      ctx.report(checkProductionNoSpace(record));
      ctx.report(checkProductionRecovery(record));
      return;
    }
    const { cluster, seed } = await startSeededCluster(ctx, {
      flags: { 'quota-backend-bytes': String(quota) },
    });
    const clients = cluster.members.map(
      (member) =>
        new GrpcKvClient({ endpoint: member.urls.client, tls: cluster.clientTls(), callTimeoutMs: 60_000 }),
    );
    const dbSizes: { at: number; value: number }[] = [];
    const memory: { at: number; value: number }[] = [];
    let memoryGuard: string | undefined;
    const sampleMemory = async () => {
      const sizes = await Promise.all(
        cluster.members.map(async (member) =>
          member.pid === undefined ? 0 : (await residentMemory(member.pid)).rssBytes,
        ),
      );
      const value = Math.max(...sizes);
      memory.push({ at: Date.now(), value });
      if (value > params.maxMemberRssBytes && !memoryGuard)
        memoryGuard = `a member reached ${(value / GiB).toFixed(1)} GiB of resident memory (limit ${(params.maxMemberRssBytes / GiB).toFixed(1)} GiB, maxMemberRssBytes): the fill was stopped to protect the host`;
    };
    const maxDbSize = async () => {
      const sizes = await Promise.all(clients.map(async (client) => (await client.status()).dbSizeBytes));
      const value = Math.max(...sizes);
      dbSizes.push({ at: Date.now(), value });
      return value;
    };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await maxDbSize().catch(() => undefined); // a member busy defragmenting answers late: the next sample will do
        await sampleMemory().catch(() => undefined); // a member restarting has no process for a moment
        await ctx.sleep(1_000);
      }
    })();
    let record: QuotaProductionRecord;
    try {
      const seededDbBytes = await maxDbSize();
      const leader = (await cluster.leader()) ?? cluster.members[0]!;
      const fillClient = clients[cluster.members.indexOf(leader)]!;
      ctx.step(
        `filling toward the ${(quota / GiB).toFixed(2)} GiB quota with ${params.fillValueBytes}-byte values`,
      );
      const value = Buffer.alloc(params.fillValueBytes, 0x5a);
      const fillStartedAt = Date.now();
      let next = 0;
      let fillBytes = 0;
      let noSpace: { at: number; message: string } | undefined;
      const lane = async () => {
        while (!noSpace && !memoryGuard) {
          ctx.signal.throwIfAborted();
          const key = `${FILL_PREFIX}${String(next++).padStart(9, '0')}`;
          try {
            await fillClient.put(key, value);
            fillBytes += value.length;
          } catch (error) {
            const outcome = classifyEtcdError(error);
            if (outcome.reason === 'no-space') noSpace ??= { at: Date.now(), message: outcome.message };
            else if (outcome.kind === 'definite') throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: params.fillInFlight }, lane));
      const dbSizeAtNoSpaceBytes = await maxDbSize();
      const alarms = (await listAlarms(cluster)).map((entry) => entry.alarm);
      if (memoryGuard && !noSpace) {
        // Without NOSPACE there is nothing to recover from; what the fill did to memory is the finding's reason.
        record = {
          quotaBytes: quota,
          seededDbBytes,
          skipped: memoryGuard,
          fillBytes,
          timeToNoSpaceMs: undefined,
          noSpaceMessage: undefined,
          dbSizeAtNoSpaceBytes,
          alarms,
          peakMemberRssBytes: Math.max(...memory.map((point) => point.value)),
        };
      } else {
        ctx.step(
          `NOSPACE after ${(((noSpace?.at ?? Date.now()) - fillStartedAt) / 1000).toFixed(1)} s; recovering`,
        );
        const recoveryStartedAt = Date.now();
        let stepFrom = Date.now();
        await fillClient.deleteRange(FILL_PREFIX, prefixRangeEnd(FILL_PREFIX), {
          deadlineAt: Date.now() + 600_000,
        });
        const deleteMs = Date.now() - stepFrom;
        stepFrom = Date.now();
        const revision = (await fillClient.status()).header.revision;
        const compacted = await compact(cluster, revision);
        ctx.recordTool(`compact ${revision} --physical`, compacted);
        const compactMs = Date.now() - stepFrom;
        const commandTimeoutS = Math.max(60, Math.ceil(quota / (2 * 1024 ** 2)));
        const defragMs: { member: string; durationMs: number; exitCode: number }[] = [];
        for (const member of cluster.members) {
          stepFrom = Date.now();
          const run = await cluster.etcdctl(['defrag', `--command-timeout=${commandTimeoutS}s`], {
            members: [member.name],
            allowFailure: true,
            timeoutMs: (commandTimeoutS + 30) * 1000,
          });
          ctx.recordTool(`defrag ${member.name}`, run);
          defragMs.push({ member: member.name, durationMs: Date.now() - stepFrom, exitCode: run.exitCode });
        }
        stepFrom = Date.now();
        const disarm = await cluster.etcdctl(['alarm', 'disarm'], { allowFailure: true });
        ctx.recordTool('alarm disarm', disarm);
        const disarmMs = Date.now() - stepFrom;
        let putAfter: { ok: boolean; error?: string };
        try {
          await fillClient.put('/quota-production/after-recovery', 'ok');
          putAfter = { ok: true };
        } catch (error) {
          putAfter = { ok: false, error: classifyEtcdError(error).message };
        }
        if (disarm.exitCode !== 0 && putAfter.ok === false)
          putAfter = { ok: false, error: `${putAfter.error}; alarm disarm: ${toolError(disarm)}` };
        const totalMs = Date.now() - recoveryStartedAt;
        record = {
          quotaBytes: quota,
          seededDbBytes,
          fillBytes,
          timeToNoSpaceMs: noSpace ? noSpace.at - fillStartedAt : undefined,
          noSpaceMessage: noSpace?.message,
          dbSizeAtNoSpaceBytes,
          alarms,
          recovery: {
            deleteMs,
            compactMs,
            compactError: compacted.exitCode === 0 ? undefined : toolError(compacted),
            defragMs,
            disarmMs,
            totalMs,
            putAfter,
            dbSizeAfterBytes: await maxDbSize(),
          },
          peakMemberRssBytes: Math.max(0, ...memory.map((point) => point.value)),
        };
      }
    } finally {
      sampling = false;
      await sampler;
      for (const client of clients) client.close();
    }
    ctx.series({
      name: 'resident memory (largest member)',
      unit: 'bytes',
      cluster: cluster.name,
      points: memory,
      thresholds: [{ label: "guide's 2 GB", value: 2 * 1024 ** 3 }],
    });
    ctx.series({
      name: 'db size (largest member)',
      unit: 'bytes',
      cluster: cluster.name,
      points: dbSizes,
      thresholds: [{ label: '--quota-backend-bytes', value: quota }],
    });
    ctx.table({
      name: `Quota ${(quota / GiB).toFixed(2)} GiB with the ${seed.profile.name} keyspace`,
      columns: ['step', 'seconds'],
      rows: [
        [
          'fill to NOSPACE',
          record.timeToNoSpaceMs === undefined ? null : Math.round(record.timeToNoSpaceMs / 100) / 10,
        ],
        ['delete filler', Math.round((record.recovery?.deleteMs ?? 0) / 100) / 10],
        ['compact', Math.round((record.recovery?.compactMs ?? 0) / 100) / 10],
        ...(record.recovery?.defragMs ?? []).map((entry) => [
          `defrag ${entry.member}`,
          Math.round(entry.durationMs / 100) / 10,
        ]),
        ['alarm disarm', Math.round((record.recovery?.disarmMs ?? 0) / 100) / 10],
        ['recovery, to the first put', Math.round((record.recovery?.totalMs ?? 0) / 100) / 10],
      ],
    });
    await ctx.evidence.json('quota-production.json', record);
    ctx.report(checkProductionNoSpace(record));
    ctx.report(checkProductionRecovery(record));
  },
});
