// Past the quota, and back. A cluster with a small --quota-backend-bytes is filled until etcd refuses writes; the
// refusal's message, the NOSPACE alarm, a read and a delete are checked. Then the recovery, with a put after each
// stage: the guide's own advice for "mvcc: database space exceeded" (defrag) alone; then etcd's documented recovery
// (delete the filler's keys, compact, defrag), tried before and after its last step, the alarm disarm. The db size
// is sampled throughout, for a chart against the quota.
import {
  checkNoSpace,
  checkQuotaRecovery,
  clusterStatus,
  compact,
  defineScenario,
  defrag,
  endpointStatus,
  fillToQuota,
  listAlarms,
  type PartialRecoveryState,
  pollUntil,
  quotaBytesOf,
  type RequestOutcome,
  sleep,
  type ToolRun,
  toolError,
} from '../harness/index.js';

const PROBE_KEY = '/quota/probe';
const PROBE_VALUE = 'written-before-the-fill';

export default defineScenario({
  id: 'quota',
  title: 'Past the quota, and back',
  claims: ['quota.nospace', 'quota.recovery'],
  params: {
    quotaBytes: {
      type: 'number',
      default: 16 * 1024 * 1024,
      unit: 'bytes',
      min: 4 * 1024 * 1024,
      max: 1024 * 1024 * 1024,
      description: '--quota-backend-bytes of the test cluster (the etcd docs example: 16 MiB)',
    },
    valueBytes: {
      type: 'number',
      default: 256 * 1024,
      unit: 'bytes',
      min: 1024,
      max: 1024 * 1024,
      description: 'size of each filler value (random bytes)',
    },
    sampleEveryMs: {
      type: 'number',
      default: 100,
      unit: 'ms',
      min: 20,
      description: 'db size sampling interval while filling',
    },
  },
  intensities: { full: { quotaBytes: 64 * 1024 * 1024 } },
  async run(ctx) {
    const { params } = ctx;
    const cluster = await ctx.startCluster(
      ctx.clusterSpec().withFlags({ 'quota-backend-bytes': params.quotaBytes }),
    );
    const quotaBytes = quotaBytesOf(cluster);
    const client = cluster.client({ callTimeoutMs: 5_000 });
    await client.put(PROBE_KEY).value(PROBE_VALUE);

    ctx.step(`filling the ${quotaBytes} B quota with ${params.valueBytes} B values`);
    const points: { at: number; value: number }[] = [];
    const sample = async () => {
      const statuses = await clusterStatus(cluster, { timeoutMs: 1_000 });
      const sizes = statuses.map((status) => status.dbSizeBytes ?? 0);
      if (sizes.some((size) => size > 0)) points.push({ at: Date.now(), value: Math.max(...sizes) });
    };
    await sample();
    let filling = true;
    const sampler = (async () => {
      // Bounded by the fill: the fill itself stops at its timeout.
      while (filling) {
        // A sample that fails (a member busy refusing writes) is a missing chart point, not an error.
        await sample().catch(() => undefined);
        await sleep(params.sampleEveryMs);
      }
    })();
    const fill = await fillToQuota(cluster, {
      valueBytes: params.valueBytes,
      signal: ctx.signal,
      timeoutMs: 60_000,
    }).finally(() => {
      filling = false;
    });
    await sampler;
    const atRefusal = await endpointStatus(cluster);
    ctx.recordTool('endpoint status after the refusal', atRefusal.run);
    points.push({ at: Date.now(), value: maxDbSize(atRefusal.statuses) });
    // The alarm is raised through raft by the member that refused; it is normally listed by the time the client
    // sees the error, but give it a moment.
    let alarms: Awaited<ReturnType<typeof listAlarms>> = [];
    await pollUntil(
      async () => {
        alarms = await listAlarms(cluster);
        return alarms.some((entry) => entry.alarm === 'NOSPACE');
      },
      { timeoutMs: 2_000, intervalMs: 100, signal: ctx.signal, what: 'the NOSPACE alarm' },
    );
    const alarmRun = await cluster.etcdctl(['alarm', 'list'], { allowFailure: true });
    ctx.recordTool('alarm list after the refusal', alarmRun);
    /** Db size (recorded, and a chart point), a put, and the alarms: where a (partial) recovery left the cluster. */
    const partialState = async (label: string): Promise<PartialRecoveryState> => {
      const status = await endpointStatus(cluster);
      ctx.recordTool(`endpoint status ${label}`, status.run);
      const dbSizeBytes = maxDbSize(status.statuses);
      points.push({ at: Date.now(), value: dbSizeBytes });
      const put = await attempt(async () => {
        await client.put('/quota/write-probe').value(label);
      });
      const raised = (await listAlarms(cluster)).map((entry) => `${entry.member}:${entry.alarm}`);
      return {
        dbSizeBytes,
        put: put.ok ? { ok: true } : { ok: false, error: put.error ?? '' },
        alarms: raised,
      };
    };
    const smallPut = await attempt(async () => {
      await client.put('/quota/small-put').value('x');
    });
    const read = await attempt(() => client.get(PROBE_KEY).string());
    // A key the filler wrote, found with a range read (a read too), then deleted.
    const deleted = await attempt(async () => {
      const [key] = await client.getAll().prefix(fill.prefix).limit(1).keys();
      if (key === undefined) throw new Error(`no key under ${fill.prefix} to delete`);
      return Number((await client.delete().key(key)).deleted);
    });
    ctx.report(
      checkNoSpace({
        quotaBytes,
        keysWritten: fill.keysWritten,
        bytesWritten: fill.bytesWritten,
        noSpaceAfterMs: fill.noSpaceAfterMs,
        noSpaceMessage: fill.noSpaceMessage,
        dbSizeBytes: maxDbSize(atRefusal.statuses),
        alarms,
        smallPut,
        read: { ...read, value: read.value, expected: PROBE_VALUE },
        delete: { ...deleted, ...(deleted.value === undefined ? {} : { deleted: deleted.value }) },
      }),
    );

    ctx.step('the guide\'s advice for "mvcc: database space exceeded": defrag alone');
    const defragRuns = await defrag(cluster);
    defragRuns.forEach((run, index) => {
      ctx.recordTool(`defrag alone (${cluster.members[index]?.name})`, run);
    });
    const defragOnly = await partialState('after defrag alone');

    // etcd's documented recovery (op-guide/maintenance.md "Space quota"), one etcdctl step at a time so that a put
    // can be tried before the alarm disarm. (recoverFromNoSpace runs the same steps without that pause, and its
    // compact fails with "required revision has been compacted" when the current revision is already compacted.)
    ctx.step('documented recovery: delete the filler keys, compact, defrag; a put; then alarm disarm');
    const recoveryStarted = performance.now();
    const steps: { step: string; exitCode: number }[] = [];
    let recoveryError: string | undefined;
    const step = async (name: string, run: () => Promise<ToolRun | ToolRun[]>) => {
      if (recoveryError) return;
      const runs = [await run()].flat();
      runs.forEach((entry, index) => {
        ctx.recordTool(runs.length > 1 ? `${name} (${cluster.members[index]?.name})` : name, entry);
      });
      const exitCode = runs.find((entry) => entry.exitCode !== 0)?.exitCode ?? 0;
      steps.push({ step: name, exitCode });
      if (exitCode !== 0)
        recoveryError = `${name} failed: ${toolError(runs.find((entry) => entry.exitCode !== 0)!)}`;
    };
    await step('delete filler keys', () =>
      cluster.etcdctl(['del', '--prefix', fill.prefix], { allowFailure: true }),
    );
    await step('compact', async () => {
      const revision = Math.max(...(await endpointStatus(cluster)).statuses.map((status) => status.revision));
      return compact(cluster, revision);
    });
    await step('defrag', () => defrag(cluster));
    const withoutDisarm = await partialState('after delete + compact + defrag, before the disarm');
    await step('alarm disarm', () => cluster.etcdctl(['alarm', 'disarm'], { allowFailure: true }));
    const durationMs = Math.round(performance.now() - recoveryStarted);
    const after = await partialState('after the recovery');
    ctx.series({
      name: 'backend db size (largest member)',
      unit: 'bytes',
      cluster: cluster.name,
      points,
      thresholds: [{ label: 'quota (--quota-backend-bytes)', value: quotaBytes }],
    });
    await ctx.evidence.json('quota-record.json', {
      quotaBytes,
      fill,
      alarms,
      smallPut,
      read,
      deleted,
      defragOnly,
      withoutDisarm,
      recovery: { steps, recoveryError, durationMs, after },
      dbSizeSeries: points,
    });
    ctx.report(
      checkQuotaRecovery({
        quotaBytes,
        defragOnly,
        withoutDisarm,
        steps,
        ...(recoveryError === undefined ? {} : { recoveryError }),
        durationMs,
        put: after.put,
        alarmsAfter: after.alarms,
        dbSizeAfterBytes: after.dbSizeBytes,
      }),
    );
  },
});

function maxDbSize(statuses: readonly { dbSizeBytes: number }[]): number {
  return Math.max(0, ...statuses.map((status) => status.dbSizeBytes));
}

/** Runs a request; its value when it succeeds, its error message when it fails. */
async function attempt<T>(request: () => Promise<T>): Promise<RequestOutcome & { value?: T }> {
  try {
    const value = await request();
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
