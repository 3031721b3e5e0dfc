// `--manifest` and `--kubernetes-version` for `run`, `up` and `tune`: the user's own setup as the target. Read and
// checked first (bad input exits 2 before anything is provisioned), then the release is supplied (the exact one, or
// the newest of its line with a warning) and the setup applied to it.
import type { Command } from 'commander';
import { type EtcdSetup, readEtcdSetup } from '../manifest/read-setup.js';
import { applySetup, chooseRelease, type ReleaseChoice, supplyRelease } from '../manifest/setup-target.js';
import { setupView } from '../report/setup-section.js';
import type { RunResult } from '../result/format.js';
import type { RunTarget } from '../scenario/types.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { assertFlagsAccepted } from '../versions/flag-check.js';
import { type TargetOptions, targetFlags, targetFromOptions } from './cluster-options.js';
import { lineProgress } from './progress.js';

export interface SetupOptions extends TargetOptions {
  manifest?: string;
  kubernetesVersion?: string;
}

export function addSetupOptions(command: Command): Command {
  return command
    .option(
      '--manifest <path>',
      'your etcd setup: a kubeadm static-pod manifest (/etc/kubernetes/manifests/etcd.yaml), an etcd config file or a list of flags; its flags are kept, mapped or refused, and the release comes from its image tag',
    )
    .option(
      '--kubernetes-version <1.N>',
      "run the etcd release kubeadm installs for this Kubernetes release (kubeadm's pinned image). It starts no API server: the API server's version is `--kube-apiserver V` (on `up`)",
    );
}

/** The setup read and checked against its release; `target()` then supplies the release and builds the target. */
export interface PreparedSetup {
  readonly setup: EtcdSetup | undefined;
  readonly release: ReleaseChoice | undefined;
  target(signal?: AbortSignal): Promise<RunTarget>;
}

export async function prepareSetup(options: SetupOptions): Promise<PreparedSetup> {
  const plain = targetFromOptions(options); // validates --flag, --preset, --backend, --network
  if (!options.manifest && !options.kubernetesVersion) {
    // What the release refuses (a 3.6-only flag on 3.5, election < 5 × heartbeat) fails here, not mid-suite.
    assertFlagsAccepted(plain.version, plain.flags, '`--flag`/`--preset`');
    return { setup: undefined, release: undefined, target: async () => plain };
  }
  const setup = options.manifest ? await readEtcdSetup(options.manifest) : undefined;
  const release = chooseRelease({
    etcdVersion: options.etcdVersion,
    kubernetesVersion: options.kubernetesVersion,
    setup,
  });
  const extraFlags = targetFlags(options);
  // Refused here, before anything is provisioned, when the release would not start with the setup (or --flag).
  if (setup) applySetup(setup, release, { extraFlags });
  else assertFlagsAccepted(release.version, extraFlags, '`--flag`');
  return {
    setup,
    release,
    target: async (signal) => {
      const supplied = await supplyRelease(release, { onProgress: lineProgress(), signal });
      const warnings = supplied.warning ? [supplied.warning] : [];
      if (supplied.warning) process.stderr.write(`warning: ${supplied.warning}\n`);
      const effective: ReleaseChoice = { ...release, version: supplied.version };
      const applied = setup ? applySetup(setup, effective, { extraFlags, warnings }) : undefined;
      const flags = applied?.flags ?? extraFlags;
      return {
        ...plain,
        version: supplied.version,
        capabilities: capabilitiesOf(supplied.version),
        flags,
        tls: plain.tls || Boolean(applied?.tls),
        ...(applied?.tls && applied.classification.keyType !== 'ecdsa-p256'
          ? { tlsKeyType: applied.classification.keyType }
          : {}),
        manifest: applied?.section ?? {
          etcdVersion: supplied.version.toString(),
          versionSource: release.source,
          ...(release.kubernetes ? { kubernetes: release.kubernetes } : {}),
          warnings,
          tls: plain.tls,
          tlsReason: plain.tls ? '--tls' : 'TLS off',
          keyType: 'ecdsa-p256',
          keyTypeReason: 'certificates generated per run',
          flags: [],
          overriddenByCommandLine: [],
          dropped: [],
          differences: [],
        },
      };
    },
  };
}

/** What `requestedVersion` says in the report: the release and where it came from. */
export function describeRequest(prepared: PreparedSetup, fallback: string): string {
  return prepared.release ? `${prepared.release.version} (${prepared.release.source})` : fallback;
}

/** Lines for the terminal summary: the setup's release and flags, and every flag a scenario replaced. */
export function setupSummaryLines(result: RunResult): string[] {
  const view = setupView(result);
  const lines: string[] = [];
  if (view.headline) lines.push(`setup: ${view.headline}`);
  for (const warning of view.warnings) lines.push(`warning: ${warning}`);
  const manifest = view.manifest;
  if (manifest?.path) {
    const count = (disposition: string) =>
      manifest.flags.filter((entry) => entry.disposition === disposition).length;
    lines.push(
      `  flags: ${count('kept')} kept, ${count('translated')} translated, ${count('mapped')} mapped${manifest.dropped.length > 0 ? `, ${manifest.dropped.length} dropped (${manifest.dropped.map((entry) => `--${entry.flag}`).join(', ')})` : ''}`,
    );
  }
  for (const entry of view.overrides)
    lines.push(`  ${entry.scenario}: measured with --${entry.flag}=${entry.used} (yours: ${entry.yours})`);
  return lines;
}
