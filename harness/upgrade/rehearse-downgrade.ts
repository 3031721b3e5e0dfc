// The downgrade rehearsal's procedure, following etcd's downgrade guides: from 3.6 on, `etcdctl downgrade validate` and
// `enable` for the previous minor, wait for the storage version, then member-by-member binary swap with the leader
// last, under the ledger workload; 3.5 → 3.4 restarts members on a 3.4.32+ binary with
// `--next-cluster-version-compatible`. Where the binaries cannot follow the documented procedure (Debian's 3.4.23),
// one member is started on the old binary anyway, to record what etcd does.
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { type DowngradeRecord, runDowngrade } from './downgrade.js';
import { type Precondition, preconditionsOf, type RehearsalPath } from './preconditions.js';
import { waitForClusterVersion } from './rehearsal.js';
import type { RehearsalHost } from './rehearsal-host.js';
import { closeRehearsal, type RehearsalLoad, startRehearsalCluster } from './rehearsal-run.js';
import { attemptSkip } from './skip-attempt.js';

export interface DowngradeRehearsalOptions extends RehearsalLoad {
  readonly path: RehearsalPath;
  readonly maxOutageMs: number;
  readonly clusterVersionTimeoutMs: number;
}

/** What a downgrade rehearsal records. */
export type DowngradeRehearsalRecord =
  /** The documented procedure cannot be followed with these binaries; what etcd did when tried anyway. */
  | {
      readonly kind: 'not-followable';
      readonly path: RehearsalPath;
      readonly precondition: Precondition;
      readonly attempt: { readonly exited: boolean; readonly refusal: string | undefined } | undefined;
    }
  | { readonly kind: 'downgrade'; readonly record: DowngradeRecord };

export async function rehearseDowngrade(
  host: RehearsalHost,
  options: DowngradeRehearsalOptions,
): Promise<DowngradeRehearsalRecord> {
  const { path } = options;
  const preconditions = preconditionsOf(path, host.target.flags);
  const target = await resolveEtcd(path.to, { signal: host.signal });
  const run = await startRehearsalCluster(host, path.from, options);
  const blocked = preconditions.find((entry) => entry.ok === false);
  if (blocked) {
    host.step(
      `the documented procedure cannot be followed (${blocked.id}); starting one member on ${path.to} to see`,
    );
    const attempt =
      path.minorSteps === 1
        ? await attemptSkip({
            cluster: run.cluster,
            path,
            binaries: target,
            harnessRefused: true,
            observeMs: 10_000,
          })
        : undefined;
    await run.writer.stop();
    await run.sampler.stop();
    return {
      kind: 'not-followable',
      path,
      precondition: blocked,
      attempt: attempt && { exited: attempt.exited, refusal: attempt.refusal },
    };
  }
  const downgrade = await runDowngrade({
    cluster: run.cluster,
    path,
    target,
    sampler: run.sampler,
    flags: host.target.flags,
    onStep: (message) => host.step(message),
    recordTool: (label, tool) => host.recordTool(label, tool),
    signal: host.signal,
  });
  if (downgrade.steps.every((step) => !step.error)) {
    host.step(`waiting for the cluster version ${path.to.line} on every member`);
    // Whether and when it moved is in the version readings the check judges.
    await waitForClusterVersion(run.sampler, path.to.line, options.clusterVersionTimeoutMs, host.signal);
  }
  const { record } = await closeRehearsal(host, run, {
    path,
    steps: downgrade.steps,
    maxOutageMs: options.maxOutageMs,
    clusterVersionTimeoutMs: options.clusterVersionTimeoutMs,
  });
  return {
    kind: 'downgrade',
    record: {
      ...record,
      procedure: downgrade.procedure,
      apiRuns: downgrade.apiRuns,
      storageMigratedAfterMs: downgrade.storageMigratedAfterMs,
    },
  };
}
