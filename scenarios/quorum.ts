// Losing one member, then two. The ledger writers (spread over every member) run throughout. One member is
// SIGKILLed: the survivors must keep acknowledging writes. It returns; then both followers are SIGKILLed, one right
// after the other (a fault window each): the remaining member must time out linearizable requests and still answer
// serializable reads; one member returns: writes must resume, and the whole run's ledger must be intact (ambiguous
// writes are never counted lost).
import type { Etcd3 } from 'etcd3';
import {
  checkLedger,
  checkOneLoss,
  checkTwoLoss,
  classifyEtcdError,
  defineScenario,
  InputError,
  memberStatus,
  ONE_LOSS_MIN_RATE_RATIO,
  type ProbeOutcome,
  pollUntil,
  readLedgerKeys,
} from '../harness/index.js';

const MARKER_KEY = '/quorum/marker';

export default defineScenario({
  id: 'quorum',
  title: 'Losing one member, then two',
  claims: ['quorum.one-loss', 'quorum.two-loss'],
  params: {
    writers: {
      type: 'number',
      default: 6,
      unit: 'count',
      min: 3,
      max: 60,
      description: 'concurrent ledger writers (spread over the members)',
    },
    ratePerSecond: {
      type: 'number',
      default: 300,
      min: 10,
      description: 'ledger puts per second over all writers (a steady rate makes before/during comparable)',
    },
    baselineMs: {
      type: 'number',
      default: 3_000,
      unit: 'ms',
      min: 500,
      description: 'writes before the loss',
    },
    oneLossMs: {
      type: 'number',
      default: 8_000,
      unit: 'ms',
      min: 500,
      description: 'how long one member stays down',
    },
    oneLossTarget: {
      type: 'enum',
      choices: ['follower', 'leader'],
      default: 'follower',
      description: 'which member is lost first (the leader costs an election)',
    },
    probeTimeoutMs: {
      type: 'number',
      default: 1_500,
      unit: 'ms',
      min: 200,
      description: 'deadline of each request to the remaining member while two are down',
    },
    recoveryTimeoutMs: {
      type: 'number',
      default: 20_000,
      unit: 'ms',
      min: 2_000,
      description: 'how long to wait for writes after a member returns',
    },
    afterRecoveryMs: {
      type: 'number',
      default: 2_000,
      unit: 'ms',
      min: 200,
      description: 'writes after the recovery, before the ledger is checked',
    },
  },
  intensities: {
    quick: { baselineMs: 1_500, oneLossMs: 2_500, afterRecoveryMs: 800 },
    full: { baselineMs: 5_000, oneLossMs: 15_000, afterRecoveryMs: 3_000 },
  },
  async run(ctx) {
    const { params } = ctx;
    const cluster = await ctx.startCluster();
    if (cluster.members.length !== 3)
      throw new InputError(`the quorum scenario needs 3 members, got ${cluster.members.length}`);
    const faults = ctx.faults(cluster);
    ctx.leaderTimeline(cluster);
    const writer = ctx.ledger(cluster, {
      writers: params.writers,
      ratePerSecond: params.ratePerSecond,
      callTimeoutMs: params.probeTimeoutMs,
    });
    const startedAt = Date.now();
    await ctx.sleep(params.baselineMs);

    ctx.step(`one member lost: SIGKILL of the ${params.oneLossTarget}`);
    const first = await faults.inject('kill', {}, { target: params.oneLossTarget });
    const lost = first.window.targets[0]!;
    await ctx.sleep(params.oneLossMs);
    const oneLossEnd = Date.now();
    ctx.step(`${lost} returns`);
    await first.heal();
    const electionTimeoutMs = Number(cluster.flags['election-timeout'] ?? 1_000);
    // Losing a follower should not pause writes at all; losing the leader pauses them for an election: a randomized
    // election timeout of 1–2× the flag per round, and a split vote (~1 in 15 failovers here) costs a second round.
    const maxGapMs = params.oneLossTarget === 'leader' ? 1_000 + 4 * electionTimeoutMs : 1_000;

    ctx.step('two members lost: SIGKILL of both followers');
    const leader = await cluster.leader({ timeoutMs: 2_000 });
    const remaining = leader?.name ?? cluster.members[0]!.name;
    const [returned, stillLost] = cluster.members
      .map((member) => member.name)
      .filter((name) => name !== remaining) as [string, string];
    const probeClient = cluster.member(remaining).client({ callTimeoutMs: params.probeTimeoutMs });
    // The last value the remaining member acknowledged: a member answers a put only once it applied it itself.
    const marker = `marker-${Date.now()}`;
    await probeClient.put(MARKER_KEY).value(marker);
    // A runner that does not wait for every member after a heal: one member returns while the other stays down.
    const twoLoss = ctx.faults(cluster, { waitHealthyAfterHeal: false });
    const returning = await twoLoss.inject('kill', {}, { target: returned });
    const staying = await twoLoss.inject('kill', {}, { target: stillLost, requireHealthy: false });
    // One client per probe, so no probe's failure can affect another's channel. (The "Call cancelled" once seen
    // here under CPU contention was etcd cancelling a call at its deadline: classifyEtcdError reads it as a timeout.)
    const probeClientFor = () => cluster.member(remaining).client({ callTimeoutMs: params.probeTimeoutMs });
    const [linearizablePut, linearizableGet, serializableGet] = await Promise.all([
      probe(params.probeTimeoutMs, async () => {
        await probeClientFor().put('/quorum/probe').value(`probe-${Date.now()}`);
        return undefined;
      }),
      probe(params.probeTimeoutMs, () => probeClientFor().get(MARKER_KEY).string()),
      probe(params.probeTimeoutMs, () => probeClientFor().get(MARKER_KEY).serializable(true).string()),
    ]);

    // A leader without quorum steps down only at its next quorum check (CheckQuorum: every election timeout), so
    // wait until the remaining member reports no leader: the recovery below then always includes an election.
    let leaderlessAfterMs: number | undefined;
    const stepDownDeadline = Date.now() + 4 * electionTimeoutMs;
    while (Date.now() < stepDownDeadline) {
      const status = await memberStatus(cluster.member(remaining), {
        timeoutMs: 500,
        tls: cluster.clientTls(),
      });
      if (status.reachable && status.leaderId === undefined) {
        leaderlessAfterMs = Date.now() - staying.window.injectedAt;
        break;
      }
      await ctx.sleep(50);
    }

    ctx.step(`${returned} returns (two → one member lost)`);
    const recoveryStart = Date.now();
    let recoveryError: string | undefined;
    let healthyAfterMs: number | undefined;
    let firstWriteAfterMs: number | undefined;
    try {
      await returning.heal();
      [healthyAfterMs, firstWriteAfterMs] = await Promise.all([
        cluster
          .waitHealthy({
            members: [remaining, returned],
            timeoutMs: params.recoveryTimeoutMs,
            signal: ctx.signal,
          })
          .then(
            () => Date.now() - recoveryStart,
            () => undefined,
          ),
        firstSuccessfulWrite(probeClient, recoveryStart + params.recoveryTimeoutMs, ctx.signal).then((at) =>
          at === undefined ? undefined : at - recoveryStart,
        ),
      ]);
    } catch (error) {
      recoveryError = error instanceof Error ? error.message : String(error);
    }
    await ctx.sleep(params.afterRecoveryMs);
    const ledger = await writer.stop();
    const observed = await readLedgerKeys(cluster.member(remaining).client(), ledger.prefix);
    const ledgerCheck = checkLedger(ledger, observed);
    await ctx.evidence.json('quorum-record.json', {
      lostFirst: lost,
      oneLoss: { from: first.window.injectedAt, to: oneLossEnd },
      twoLoss: { lost: [returned, stillLost], remaining, injectedAt: staying.window.injectedAt },
      probes: { linearizablePut, linearizableGet, serializableGet, marker },
      leaderlessAfterMs,
      recovery: { returned, recoveryStart, healthyAfterMs, firstWriteAfterMs, recoveryError },
      ledger: {
        acknowledged: ledger.acknowledged.length,
        failed: ledger.failed.length,
        ambiguous: ledger.ambiguous.length,
        summary: ledgerCheck.summary,
        missing: ledgerCheck.missing.slice(0, 20),
      },
    });

    ctx.report(
      checkOneLoss({
        ledger,
        lost,
        lostRole: params.oneLossTarget === 'leader' ? 'leader' : 'follower',
        survivors: cluster.members.map((member) => member.name).filter((name) => name !== lost),
        // The first half second is connection set-up, not the cluster's steady rate.
        before: { from: startedAt + Math.min(500, params.baselineMs / 3), to: first.window.startedAt },
        during: { from: first.window.injectedAt, to: oneLossEnd },
        maxGapMs,
        minRateRatio: ONE_LOSS_MIN_RATE_RATIO,
        ledgerCheck,
      }),
    );
    ctx.report(
      checkTwoLoss({
        lost: [returned, stillLost],
        remaining,
        callTimeoutMs: params.probeTimeoutMs,
        linearizablePut,
        linearizableGet,
        serializableGet,
        expectedValue: marker,
        leaderlessAfterMs,
        recovery: {
          returned,
          healthyAfterMs,
          firstWriteAfterMs,
          boundMs: params.recoveryTimeoutMs,
          ledgerWritesAfter: ledger.acknowledged.filter((write) => write.ackAt >= recoveryStart).length,
          ...(recoveryError === undefined ? {} : { error: recoveryError }),
        },
        ledgerCheck,
      }),
    );
    // Back to three members.
    await staying.heal();
    await cluster.waitHealthy({ timeoutMs: params.recoveryTimeoutMs, signal: ctx.signal });
  },
});

/**
 * Runs one request made by a client with a `callTimeoutMs` deadline and records how it ended, classified at the one
 * boundary (`classifyEtcdError`).
 */
async function probe(
  callTimeoutMs: number,
  request: () => Promise<string | null | undefined>,
): Promise<ProbeOutcome> {
  const deadlineAt = Date.now() + callTimeoutMs;
  const started = performance.now();
  try {
    const value = await request();
    return {
      ok: true,
      durationMs: Math.round(performance.now() - started),
      ...(value === undefined ? {} : { value }),
    };
  } catch (error) {
    const outcome = classifyEtcdError(error, { deadlineAt });
    return {
      ok: false,
      durationMs: Math.round(performance.now() - started),
      failure: { kind: outcome.kind, reason: outcome.reason, message: outcome.message },
    };
  }
}

/** Epoch ms of the first acknowledged put through `client` (1 s deadline each), or undefined by `deadline`. */
async function firstSuccessfulWrite(
  client: Etcd3,
  deadline: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  let attempt = 0;
  // A failed put means no quorum yet (or the election is still running): try again.
  return pollUntil(
    async () => {
      await client
        .put('/quorum/recovery-probe')
        .value(String(attempt++))
        .options({ deadline: Math.min(deadline, Date.now() + 1_000) })
        .exec();
      return Date.now();
    },
    {
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: 50,
      signal,
      what: 'a write to be acknowledged',
    },
  );
}
