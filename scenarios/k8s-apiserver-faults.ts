// The API server under etcd faults, as Kubernetes clients see it: a probe writes, reads and asks /readyz and /livez
// every 200 ms through leader loss, loss of quorum, slow fsync and NOSPACE (status codes, messages, how long until
// writes succeed again, the API server's own etcd latency metric); then the guide's "apiserver connection refused":
// an API server whose etcd client certificate etcd does not trust, its log and the guide's `etcdctl endpoint health`.
import { join } from 'node:path';
import {
  ApiProbe,
  ApiServerSpec,
  CONFIGMAPS,
  checkApiNoSpace,
  checkCertificateMismatch,
  checkLeaderLoss,
  checkQuorumLoss,
  checkSlowFsync,
  configMapObject,
  defineScenario,
  etcdctlTlsArgs,
  fillToQuota,
  generateForeignClient,
  histogramDelta,
  histogramQuantile,
  kubernetesParam,
  METRIC,
  NAMESPACES,
  namespaceObject,
  type ProbeSample,
  parseMetrics,
  recoverFromNoSpace,
  runTool,
  type StartedApiServer,
  scrapeMetrics,
  withKube,
} from '../harness/index.js';

const SCENARIO = 'k8s-apiserver-faults';
const NAMESPACE = 'kfault';
// The API server ends a request at its `?timeout=`: short, so a stalled etcd yields several answers per window.
const REQUEST_TIMEOUT_SECONDS = 3;

export default defineScenario({
  id: SCENARIO,
  title: 'kube-apiserver under etcd faults, and an API server etcd does not trust',
  claims: ['k8s.apiserver-under-faults', 'k8s.connection-refused'],
  params: {
    kubernetes: kubernetesParam(),
    quotaBytes: {
      type: 'number',
      default: 64 * 1024 * 1024,
      unit: 'bytes',
      min: 16 * 1024 * 1024,
      description: '--quota-backend-bytes of the cluster (small, so NOSPACE is reached in seconds)',
    },
    baselineMs: {
      type: 'number',
      default: 5_000,
      unit: 'ms',
      min: 1_000,
      description: 'quiet probing first',
    },
    leaderLossMs: {
      type: 'number',
      default: 8_000,
      unit: 'ms',
      min: 2_000,
      description: 'observed after the leader is killed',
    },
    leaderLossBoundMs: {
      type: 'number',
      default: 15_000,
      unit: 'ms',
      min: 1_000,
      description:
        'longest acceptable write outage after leader loss (election rounds plus the API server retrying)',
    },
    quorumLossMs: {
      type: 'number',
      default: 15_000,
      unit: 'ms',
      min: 3_000,
      description: 'two members down',
    },
    recoveryBoundMs: {
      type: 'number',
      default: 30_000,
      unit: 'ms',
      min: 1_000,
      description: 'longest acceptable time from quorum back to the first successful write',
    },
    fsyncDelayMs: {
      type: 'number',
      default: 100,
      unit: 'ms',
      min: 10,
      description: 'fsync delay on every member',
    },
    fsyncMs: { type: 'number', default: 8_000, unit: 'ms', min: 2_000, description: 'slow-fsync window' },
    certificateWindowMs: {
      type: 'number',
      default: 60_000,
      unit: 'ms',
      min: 5_000,
      description:
        'how long the API server with the untrusted certificate is watched (it exits when it gives up: ~20 s measured)',
    },
  },
  intensities: {
    quick: {
      baselineMs: 3_000,
      leaderLossMs: 3_000,
      quorumLossMs: 12_000,
      fsyncMs: 5_000,
      certificateWindowMs: 45_000,
    },
  },
  suites: ['full'],
  timeoutMs: { quick: 8 * 60_000, full: 15 * 60_000 },
  async run(ctx) {
    await withKube(ctx, async (kube) => {
      const { params } = ctx;
      const cluster = await ctx.startCluster(
        ctx.clusterSpec().withTls().withFlags({ 'quota-backend-bytes': params.quotaBytes }),
      );
      const api = await kube.start(ApiServerSpec.forCluster(cluster, params.kubernetes), 'under-faults');
      await api.client.create(NAMESPACES, namespaceObject(NAMESPACE, SCENARIO));
      await api.client.create(CONFIGMAPS, configMapObject(NAMESPACE, 'probe', { probe: '0' }, SCENARIO));
      const faults = ctx.faults(cluster, { waitHealthyAfterHeal: false });
      const probe = ApiProbe.start(api.client, {
        namespace: NAMESPACE,
        name: 'probe',
        requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
      });
      const metricsAtStart = await apiMetrics(api);
      await ctx.sleep(params.baselineMs);
      const metricsBaseline = await apiMetrics(api);

      ctx.step('leader loss: the leader killed');
      const leader = await cluster.leader({ timeoutMs: 5_000 });
      const killed = leader ?? cluster.members[0]!;
      const killedAt = Date.now();
      await killed.kill();
      await ctx.sleep(params.leaderLossMs);
      // A write stalled by the loss ends only at its ?timeout=: judge once a write after the kill succeeded (or the bound).
      await waitForWrite(probe, killedAt, params.leaderLossBoundMs, ctx);
      const leaderUntil = Date.now();
      await killed.start();
      await cluster.waitHealthy({ timeoutMs: 60_000, signal: ctx.signal });
      ctx.report(
        checkLeaderLoss({
          samples: probe.snapshot(),
          killedAt,
          until: leaderUntil,
          boundMs: params.leaderLossBoundMs,
          killedMember: killed.name,
        }),
      );

      ctx.step('loss of quorum: two members killed');
      const lost = cluster.members.slice(0, 2);
      const lostAt = Date.now();
      for (const member of lost) await member.kill();
      await ctx.sleep(params.quorumLossMs);
      const restoredAt = Date.now();
      for (const member of lost) await member.start();
      await waitForWrite(probe, restoredAt, params.recoveryBoundMs, ctx);
      await cluster.waitHealthy({ timeoutMs: 60_000, signal: ctx.signal });
      ctx.report(
        checkQuorumLoss({
          samples: probe.snapshot(),
          lostAt,
          restoredAt,
          until: Date.now(),
          requestTimeoutMs: REQUEST_TIMEOUT_SECONDS * 1000,
          recoveryBoundMs: params.recoveryBoundMs,
        }),
      );

      ctx.step(`slow fsync: ${params.fsyncDelayMs} ms on every member`);
      const fsyncLeader = (await cluster.leader({ timeoutMs: 5_000 })) ?? cluster.members[0]!;
      const walBefore = await scrapeMetrics(fsyncLeader);
      const slow = await faults.inject('disk-latency', { delayMs: params.fsyncDelayMs }, { target: 'all' });
      const fsyncFrom = Date.now();
      const metricsBeforeFsync = await apiMetrics(api);
      await ctx.sleep(params.fsyncMs);
      const metricsAfterFsync = await apiMetrics(api);
      const walAfter = await scrapeMetrics(fsyncLeader);
      await ctx.evidence.text('metrics/kube-apiserver-before-slow-fsync.txt', metricsBeforeFsync.text);
      await ctx.evidence.text('metrics/kube-apiserver-after-slow-fsync.txt', metricsAfterFsync.text);
      await ctx.evidence.text(`metrics/${fsyncLeader.name}-after-slow-fsync.txt`, walAfter.text);
      const fsyncUntil = Date.now();
      await slow.heal();
      const updateLatency = (after: typeof metricsAtStart, before: typeof metricsAtStart, q: number) => {
        const a = after.histogram('etcd_request_duration_seconds', { operation: 'update' });
        const b = before.histogram('etcd_request_duration_seconds', { operation: 'update' });
        return a && b ? histogramQuantile(q, histogramDelta(a, b)) * 1000 : Number.NaN;
      };
      const walA = walAfter.histogram(METRIC.walFsync);
      const walB = walBefore.histogram(METRIC.walFsync);
      ctx.report(
        checkSlowFsync({
          delayMs: params.fsyncDelayMs,
          baselineP50Ms: updateLatency(metricsBaseline, metricsAtStart, 0.5),
          baselineP99Ms: updateLatency(metricsBaseline, metricsAtStart, 0.99),
          faultP50Ms: updateLatency(metricsAfterFsync, metricsBeforeFsync, 0.5),
          faultP99Ms: updateLatency(metricsAfterFsync, metricsBeforeFsync, 0.99),
          clientP50Ms: median(
            probe
              .snapshot()
              .filter(
                (sample) =>
                  sample.kind === 'write' &&
                  sample.status === 200 &&
                  sample.at >= fsyncFrom &&
                  sample.at < fsyncUntil,
              )
              .map((sample) => sample.latencyMs),
          ),
          walFsyncP50Ms:
            walA && walB ? histogramQuantile(0.5, histogramDelta(walA, walB)) * 1000 : Number.NaN,
        }),
      );
      await cluster.waitHealthy({ timeoutMs: 60_000, signal: ctx.signal });

      ctx.step(`NOSPACE: the cluster filled to its ${params.quotaBytes}-byte quota`);
      const fill = await fillToQuota(cluster, { prefix: '/quota-filler/', signal: ctx.signal });
      const path = `/api/v1/namespaces/${NAMESPACE}/configmaps/probe?timeout=${REQUEST_TIMEOUT_SECONDS}s`;
      const patch = () =>
        api.client.request('PATCH', path, {
          body: { data: { nospace: String(Date.now()) } },
          contentType: 'application/merge-patch+json',
        });
      const underAlarm = await patch();
      const readUnderAlarm = await api.client.request('GET', path);
      const recoveryStarted = Date.now();
      const steps = await recoverFromNoSpace(cluster, { deletePrefix: fill.prefix });
      await ctx.evidence.json('nospace.json', { fill, steps });
      let afterRecovery = await patch();
      while (afterRecovery.status >= 300 && Date.now() - recoveryStarted < params.recoveryBoundMs) {
        await ctx.sleep(250);
        afterRecovery = await patch();
      }
      ctx.report(
        checkApiNoSpace({
          quotaBytes: params.quotaBytes,
          write: { status: underAlarm.status, message: statusMessage(underAlarm.text) },
          read: { status: readUnderAlarm.status },
          afterRecovery: { status: afterRecovery.status, message: statusMessage(afterRecovery.text) },
          recoveryMs: Date.now() - recoveryStarted,
        }),
      );
      const samples = await probe.stop();
      await ctx.evidence.json('probe-samples.json', samples);
      recordSeries(ctx, samples);

      ctx.step('apiserver connection refused: an etcd client certificate etcd does not trust');
      const foreign = await generateForeignClient(join(ctx.workDir, `${SCENARIO}-foreign`));
      const untrusted = await kube.start(
        ApiServerSpec.forCluster(cluster, params.kubernetes)
          .withEtcdClientCertificate({ certFile: foreign.client.cert, keyFile: foreign.client.key })
          .withReadiness({ wait: false }),
        'untrusted-etcd-certificate',
      );
      const watchedFrom = Date.now();
      let readyAfterMs: number | undefined;
      while (Date.now() - watchedFrom < params.certificateWindowMs && untrusted.running) {
        const ready = await untrusted.client.health('/readyz', 2_000).catch(() => undefined);
        if (ready?.status === 200) {
          readyAfterMs = Date.now() - untrusted.spawnedAt;
          break;
        }
        await ctx.sleep(500);
      }
      const exitedAfterMs =
        untrusted.exitedAt === undefined ? undefined : untrusted.exitedAt - untrusted.spawnedAt;
      const processState = untrusted.running
        ? 'still running'
        : `exited (${untrusted.exit?.signal ?? `code ${untrusted.exit?.code}`})`;
      const clientSaw = await untrusted.client
        .request('GET', '/api/v1/namespaces', { timeoutMs: 5_000 })
        .then((response) => `HTTP ${response.status}`)
        .catch((error: { code?: string; message: string }) => error.code ?? error.message);
      const logLines = (await untrusted.tailLog(5_000)).split('\n').filter(Boolean);
      const tlsLogLines = logLines
        .filter((line) => !/flags\.go/.test(line) && /x509|tls: |authentication handshake/i.test(line))
        // grpc's line is long; its `Err: ...` part is what names the cause.
        .map((line) =>
          line.includes('Err: ')
            ? line.slice(line.indexOf('Err: '))
            : line.replace(/^\S+\s+\S+\s+\d+\s+/, ''),
        );
      const lastLogLine = (logLines[logLines.length - 1] ?? '').replace(/^\S+\s+\S+\s+\d+\s+/, '');
      await kube.stop(untrusted);
      const endpoint = cluster.members[0]!.urls.client;
      const tls = cluster.clientTls();
      const withItsCert = await runTool(cluster.binaries.etcdctl, [
        `--endpoints=${endpoint}`,
        `--cacert=${tls?.caFile ?? ''}`,
        `--cert=${foreign.client.cert}`,
        `--key=${foreign.client.key}`,
        'endpoint',
        'health',
      ]);
      ctx.recordTool("guide: etcdctl endpoint health with the API server's certificate", withItsCert);
      const withClusterCert = await runTool(cluster.binaries.etcdctl, [
        `--endpoints=${endpoint}`,
        ...etcdctlTlsArgs(tls),
        'endpoint',
        'health',
      ]);
      ctx.recordTool("etcdctl endpoint health with the cluster's client certificate", withClusterCert);
      ctx.report(
        checkCertificateMismatch({
          windowMs: params.certificateWindowMs,
          readyAfterMs,
          processState,
          exitedAfterMs,
          lastLogLine,
          clientSaw,
          tlsLogLines,
          healthWithItsCert: {
            exitCode: withItsCert.exitCode,
            output: `${withItsCert.stdout}\n${withItsCert.stderr}`.trim().split('\n').slice(-2).join(' / '),
          },
          healthWithClusterCert: { exitCode: withClusterCert.exitCode },
        }),
        [(await kube.copyLog(untrusted)) ?? ''],
      );
    });
  },
});

async function apiMetrics(api: StartedApiServer) {
  return parseMetrics('kube-apiserver', await api.client.metrics());
}

async function waitForWrite(
  probe: ApiProbe,
  since: number,
  boundMs: number,
  ctx: { sleep(ms: number): Promise<void> },
): Promise<void> {
  while (Date.now() - since < boundMs) {
    if (
      probe
        .snapshot()
        .some((sample) => sample.kind === 'write' && sample.status === 200 && sample.at >= since)
    )
      return;
    await ctx.sleep(250);
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** Write latency and failures per second, for the report's chart. */
function recordSeries(
  ctx: { series(series: import('../harness/index.js').Series): void },
  samples: readonly ProbeSample[],
): void {
  const writes = samples.filter((sample) => sample.kind === 'write');
  ctx.series({
    name: 'kube-apiserver PATCH latency (probe)',
    unit: 'ms',
    points: writes
      .filter((sample) => sample.status === 200)
      .map((sample) => ({ at: sample.at, value: sample.latencyMs })),
  });
  ctx.series({
    name: 'kube-apiserver PATCH failures (probe; status ≠ 200)',
    unit: 'count',
    points: writes.filter((sample) => sample.status !== 200).map((sample) => ({ at: sample.at, value: 1 })),
  });
}
