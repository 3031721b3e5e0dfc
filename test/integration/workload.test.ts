// The workloads against real etcd behind Toxiproxy: the ledger survives a follower's SIGKILL with nothing lost, the
// checker sees a key deleted behind its back, NOSPACE is ambiguous (the put crossing the quota applies), and autocannon's gateway load measures
// throughput, percentiles and a latency toxic's effect per window.
import { describe, expect, it } from 'vitest';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { classifyEtcdError, EtcdRequestError, isNoSpaceError } from '../../harness/etcd-errors.js';
import { runHttpLoad } from '../../harness/workload/http-load.js';
import { checkLedger, readLedgerKeys } from '../../harness/workload/ledger-check.js';
import { LedgerWriter } from '../../harness/workload/ledger-writer.js';
import type { TimeWindow } from '../../harness/workload/windows.js';

const sleep = (durationMs: number) => new Promise((resolve) => setTimeout(resolve, durationMs));

describe('ledger workload', () => {
  it('loses no acknowledged write when a follower is SIGKILLed mid-run and restarted', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const leader = (await cluster.leader())!;
    const victim = cluster.members.find((member) => member !== leader)!;
    const writer = LedgerWriter.start(cluster, { writers: 6 });
    await sleep(800);
    const killedAt = Date.now();
    await victim.kill();
    await sleep(800);
    await victim.start();
    await victim.waitHealthy(20_000);
    const restartedAt = Date.now();
    await sleep(500);
    const ledger = await writer.stop();

    const check = checkLedger(ledger, await readLedgerKeys(leader.client(), ledger.prefix));
    const reasons = [...ledger.failed, ...ledger.ambiguous].map((write) => `${write.reason}`);
    const reasonCounts = Object.fromEntries(
      [...new Set(reasons)].map((reason) => [reason, reasons.filter((r) => r === reason).length]),
    );
    console.log(
      `ledger: ${ledger.acknowledged.length} acknowledged in ${ledger.endedAt - ledger.startedAt} ms ` +
        `(${((ledger.acknowledged.length * 1000) / (ledger.endedAt - ledger.startedAt)).toFixed(0)}/s), ` +
        `${ledger.failed.length} failed, ${ledger.ambiguous.length} ambiguous ${JSON.stringify(reasonCounts)}; ${check.summary}`,
    );
    expect(check.ok, check.summary).toBe(true);
    expect(ledger.acknowledged.length).toBeGreaterThan(100);
    // The victim's writers saw it go: failures (or ambiguous puts) from it, and only while it was down.
    const victimFailures = [...ledger.failed, ...ledger.ambiguous].filter(
      (write) => write.member === victim.name,
    );
    expect(victimFailures.length).toBeGreaterThan(0);
    for (const write of victimFailures) {
      expect(write.sentAt).toBeGreaterThanOrEqual(killedAt - 2_000);
      expect(write.failedAt).toBeLessThanOrEqual(restartedAt + 2_500);
      expect(['not-connected', 'connection-dropped', 'unavailable', 'deadline-exceeded']).toContain(
        write.reason,
      );
    }
    // Puts tried while it was down never left the client (its proxy accepts TCP and closes before the server's
    // SETTINGS): definite, as on grpc-js. Only the puts in flight at the kill may have applied.
    expect(victimFailures.filter((write) => write.reason === 'not-connected').length).toBeGreaterThan(0);
    expect(ledger.ambiguous.filter((write) => write.member === victim.name).length).toBeLessThanOrEqual(6);
    // The other members' writers went on undisturbed.
    const others = ledger.acknowledged.filter((write) => write.member !== victim.name);
    expect(others.some((write) => write.ackAt > killedAt && write.ackAt < restartedAt)).toBe(true);
    // After the restart the victim's writers are acknowledged again.
    expect(
      ledger.acknowledged.some((write) => write.member === victim.name && write.ackAt > restartedAt),
    ).toBe(true);
  });

  it('stops within its bound while a member is SIGSTOPped: its in-flight puts end ambiguous', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const leader = (await cluster.leader())!;
    const paused = cluster.members.find((member) => member !== leader)!;
    const callTimeoutMs = 500;
    const writer = LedgerWriter.start(cluster, { writers: 3, callTimeoutMs });
    await sleep(300);
    await paused.pause();
    await sleep(200);
    const stopAsked = Date.now();
    const ledger = await writer.stop();
    expect(Date.now() - stopAsked).toBeLessThan(callTimeoutMs + 1_000);
    expect(await writer.stop()).toBe(ledger);
    const fromPaused = ledger.ambiguous.filter((write) => write.member === paused.name);
    expect(fromPaused.length).toBeGreaterThan(0);
    expect(new Set(fromPaused.map((write) => write.reason))).toEqual(new Set(['deadline-exceeded']));
    await paused.resume();
    await paused.waitHealthy(10_000);
    const check = checkLedger(ledger, await readLedgerKeys(leader.client(), ledger.prefix));
    expect(check.ok, check.summary).toBe(true);
    expect(check.ambiguousPresent + check.ambiguousAbsent).toBe(ledger.ambiguous.length);
  });

  it('reports exactly the acknowledged key deleted behind its back (negative control)', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const writer = LedgerWriter.start(cluster, { writers: 3, maxWrites: 300 });
    await writer.whenFinished();
    const ledger = await writer.stop();
    expect(ledger.acknowledged).toHaveLength(300);
    const client = cluster.client();
    expect(checkLedger(ledger, await readLedgerKeys(client, ledger.prefix)).ok).toBe(true);

    const victim = ledger.acknowledged[137]!;
    await client.delete().key(victim.key);
    const check = checkLedger(ledger, await readLedgerKeys(client, ledger.prefix, { pageSize: 50 }));
    expect(check.ok).toBe(false);
    expect(check.missing).toEqual([victim]);
    expect(check.present).toBe(299);
    expect(check.wrongValue).toEqual([]);
    expect(check.unexpected).toEqual([]);
    expect(check.revisionMismatch).toEqual([]);
  });

  it('bounds the check to a revision: later writes are expected absent', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const writer = LedgerWriter.start(cluster, { writers: 2, maxWrites: 100 });
    await writer.whenFinished();
    const ledger = await writer.stop();
    const client = cluster.client();
    const bound = ledger.acknowledged[49]!.revision;
    // Stand-in for a restore to `bound`: delete what came after it.
    const later = ledger.acknowledged.filter((write) => write.revision > bound);
    for (const write of later) await client.delete().key(write.key);
    const check = checkLedger(ledger, await readLedgerKeys(client, ledger.prefix), {
      upToRevision: bound,
      expectAbsentAfterBound: true,
    });
    expect(check.ok, check.summary).toBe(true);
    expect(check.acknowledgedExpected).toBe(100 - later.length);
    // Present after the bound is reported (the revisions differ: the keys were deleted, now put again).
    await client.put(later[0]!.key).value(later[0]!.value);
    const leaked = checkLedger(ledger, await readLedgerKeys(client, ledger.prefix), {
      upToRevision: bound,
      expectAbsentAfterBound: true,
    });
    expect(leaked.ok).toBe(false);
    expect(leaked.presentAfterBound.map((entry) => entry.key)).toEqual([later[0]!.key]);
  });

  it('classifies NOSPACE on a small-quota cluster as ambiguous, and records it so, never as a definite failure', async () => {
    await using cluster = await ClusterSpec.etcd('default')
      .withFlags({ 'quota-backend-bytes': 16 * 1024 * 1024 })
      .start();
    const client = cluster.members[0]!.client({ callTimeoutMs: 5_000 });
    const filler = Buffer.alloc(1_000_000, 7);
    let refusal: unknown;
    for (let index = 0; index < 64 && refusal === undefined; index++) {
      await client
        .put(`/fill/${index}`)
        .value(filler)
        .catch((error: unknown) => {
          refusal = error;
        });
    }
    expect(refusal).toBeDefined();
    // Ambiguous: the put that crossed the quota was applied, the later ones were refused; the client cannot tell.
    expect(classifyEtcdError(refusal)).toEqual({
      kind: 'ambiguous',
      reason: 'no-space',
      message: '8 RESOURCE_EXHAUSTED: etcdserver: mvcc: database space exceeded',
    });
    expect(isNoSpaceError(refusal)).toBe(true);
    expect(EtcdRequestError.from(refusal, 'put').retryable).toBe(false);

    const writer = LedgerWriter.start(cluster, { writers: 3, maxWrites: 9 });
    await writer.whenFinished();
    const ledger = await writer.stop();
    expect(ledger.acknowledged).toEqual([]);
    expect(ledger.failed).toEqual([]);
    expect(ledger.ambiguous.map((write) => write.reason)).toEqual(Array(9).fill('no-space'));
    expect(checkLedger(ledger, await readLedgerKeys(client, ledger.prefix)).ok).toBe(true);

    // The gateway refuses the same way: every response counts as an error.
    const load = await runHttpLoad({ url: cluster.members[1]!.urls.client, durationMs: 500, connections: 2 });
    expect(load.requests).toBeGreaterThan(0);
    expect(load.successes).toBe(0);
    expect(load.errors).toBe(load.requests);
    expect(load.non2xx + load.errorBodies).toBe(load.requests);
  });
});

describe('HTTP load on the gRPC gateway', () => {
  it('measures throughput, percentiles, windows and a timeline through a client proxy', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const member = cluster.members[0]!;
    const startAt = Date.now();
    const result = await runHttpLoad({
      url: member.urls.client,
      durationMs: 2_000,
      connections: 8,
      keyPrefix: '/load/test/',
      windows: [
        { label: 'first second', from: startAt, to: startAt + 1_000 },
        { label: 'second second', from: startAt + 1_000, to: startAt + 2_000 },
      ],
    });
    const { p50, p90, p99, max, mean } = result.latencyMs;
    console.log(
      `gateway load (8 connections, one member's proxy): ${result.requests} requests, ` +
        `${result.throughputPerSecond.toFixed(0)}/s, p50 ${p50.toFixed(2)} p90 ${p90.toFixed(2)} ` +
        `p99 ${p99.toFixed(2)} max ${max.toFixed(2)} ms; generation ${result.generationMs.toFixed(1)} ms`,
    );
    expect(result.requests).toBeGreaterThan(100);
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.successes).toBe(result.requests);
    expect(result.durationMs).toBeGreaterThanOrEqual(1_900);
    expect(result.durationMs).toBeLessThan(4_000);
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p90);
    expect(p90).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    expect(max).toBeLessThan(5_000);
    expect(mean).toBeGreaterThan(0);
    expect(result.windows.map((window) => window.label)).toEqual(['first second', 'second second']);
    for (const window of result.windows) {
      expect(window.requests).toBeGreaterThan(0);
      expect(window.errors).toBe(0);
      expect(window.throughputPerSecond).toBeGreaterThan(0);
    }
    expect(result.timeline.length).toBeGreaterThanOrEqual(19);
    expect(result.timeline.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(result.requests);
    // Every request put its own key.
    const keys = await cluster.client().getAll().prefix('/load/test/').count();
    expect(keys).toBeGreaterThanOrEqual(result.successes);
    // The body generator is not what limits the load.
    expect(result.generationMs).toBeLessThan(result.durationMs * 0.1);
  });

  it('sees a 100 ms latency toxic on the client proxy as >= 100 ms more put latency', async () => {
    await using cluster = await ClusterSpec.etcd('default').start();
    const member = cluster.members[1]!;
    const proxy = await cluster.toxiproxy.client.get(member.proxies.client.name);
    const marks: { toxicAdded?: number; toxicRemoved?: number } = {};
    const toxicRun = (async () => {
      await sleep(1_000);
      const toxic = await proxy.addToxic({
        type: 'latency',
        name: 'test-latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 100, jitter: 0 },
      });
      marks.toxicAdded = Date.now();
      await sleep(1_500);
      marks.toxicRemoved = Date.now();
      await toxic.remove();
    })();
    let loadStartedAt = 0;
    const windows = (): TimeWindow[] => [
      { label: 'before', from: loadStartedAt, to: marks.toxicAdded! },
      // Skip the first 200 ms: responses already on their way when the toxic arrived.
      { label: 'during', from: marks.toxicAdded! + 200, to: marks.toxicRemoved! },
      { label: 'after', from: marks.toxicRemoved! + 200, to: Number.MAX_SAFE_INTEGER },
    ];
    loadStartedAt = Date.now();
    // One connection: no request ever waits for another in any window, so what differs is the toxic, not
    // queueing (with many connections the saturated 'before' queues and the toxic-throttled 'during' does not).
    const result = await runHttpLoad({ url: member.urls.client, durationMs: 3_300, connections: 1, windows });
    await toxicRun;
    const [before, during, after] = result.windows;
    expect(result.errors).toBe(0);
    expect(before!.requests).toBeGreaterThan(20);
    expect(during!.requests).toBeGreaterThan(5);
    expect(after!.requests).toBeGreaterThan(5);
    expect(during!.latencyMs.p50 - before!.latencyMs.p50).toBeGreaterThanOrEqual(100);
    expect(after!.latencyMs.p50).toBeLessThan(during!.latencyMs.p50 - 50);
    console.log(
      `latency toxic: p50 before ${before!.latencyMs.p50.toFixed(1)} ms, during ${during!.latencyMs.p50.toFixed(1)} ms, after ${after!.latencyMs.p50.toFixed(1)} ms`,
    );
  });

  it('drives a TLS cluster with the client certificate (gateway and ledger), and refuses https without one', async () => {
    await using cluster = await ClusterSpec.etcd('default').withTls().withMembers(1).start();
    const member = cluster.members[0]!;
    await expect(runHttpLoad({ url: member.urls.client, durationMs: 500 })).rejects.toThrow(/uses TLS/);
    const result = await runHttpLoad({
      url: member.urls.client,
      durationMs: 1_000,
      tls: cluster.clientTls(),
    });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
  });

  it('counts connection errors, and ends early on abort', async () => {
    await using cluster = await ClusterSpec.etcd('default').withMembers(1).start();
    const member = cluster.members[0]!;
    await cluster.toxiproxy.setEnabled(member.proxies.client.name, false);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 700);
    const result = await runHttpLoad({
      url: member.urls.client,
      durationMs: 5_000,
      signal: controller.signal,
    });
    expect(result.aborted).toBe(true);
    expect(result.durationMs).toBeLessThan(2_000);
    expect(result.requests).toBe(0);
    expect(result.connectionErrors).toBeGreaterThan(0);
    expect(result.errors).toBe(result.connectionErrors);
    expect(result.latencyMs.p50).toBeNaN();
  });
});
