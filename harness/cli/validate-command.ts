// `etcd-chaos validate --manifest PATH`: the static review of the user's etcd setup, before any cluster starts.
// Exit 0 (etcd would start; advice may follow), 1 (a finding failed: etcd would refuse, or a rule such as client
// certificate auth on https failed), 2 (not a manifest, config file or flag list).
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { readEtcdSetup } from '../manifest/read-setup.js';
import { type Review, reviewSetup } from '../manifest/review.js';
import { chooseRelease } from '../manifest/setup-target.js';
import { describeSupportedVersions } from '../versions/catalog.js';
import { EXIT, printJsonLine } from './output.js';

interface ValidateOptions {
  manifest: string;
  etcdVersion?: string;
  kubernetesVersion?: string;
  peerRttMs?: string;
  json?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      "review your etcd setup before anything starts: etcd's flag rules, the guide's recommendations, flags removed or renamed in the target release (an upgrade pre-check with --etcd-version); exit 0 ok, 1 a finding failed, 2 not a manifest",
    )
    .requiredOption(
      '--manifest <path>',
      'a kubeadm static-pod manifest, an etcd config file (--config-file YAML) or a list of etcd flags',
    )
    .option(
      '--etcd-version <version>',
      `review for this release instead of the image tag's (${describeSupportedVersions()}): flags it removed are translated or must change`,
    )
    .option(
      '--kubernetes-version <1.N>',
      'review for the etcd release kubeadm installs for this Kubernetes release (not an API server version: that is `--kube-apiserver V` on `up`)',
    )
    .option(
      '--peer-rtt-ms <ms>',
      "expected peer round-trip time for the timing rules (default: the guide's 10 ms ceiling)",
    )
    .option('--json', 'print the review as one JSON line')
    .action(async (options: ValidateOptions) => {
      const peerRttMs = options.peerRttMs === undefined ? undefined : Number(options.peerRttMs);
      if (peerRttMs !== undefined && (!Number.isFinite(peerRttMs) || peerRttMs <= 0))
        throw new InputError(
          `Expected \`--peer-rtt-ms\` to be a positive number of milliseconds, got \`${options.peerRttMs}\`.`,
        );
      const setup = await readEtcdSetup(options.manifest);
      const release = chooseRelease({
        etcdVersion: options.etcdVersion,
        kubernetesVersion: options.kubernetesVersion,
        setup,
      });
      const review = reviewSetup(setup, {
        version: release.version,
        versionSource: release.source,
        crossVersion: !setup.imageVersion || release.version.compare(setup.imageVersion) > 0,
        ...(peerRttMs !== undefined ? { peerRttMs } : {}),
      });
      const failed = review.findings.some((finding) => finding.verdict === 'fail');
      if (options.json)
        printJsonLine({
          manifest: setup.path,
          kind: setup.kind,
          image: setup.image ?? null,
          etcdVersion: review.version.toString(),
          versionSource: review.versionSource,
          verdict: review.verdict,
          exitCode: failed ? EXIT.findingsFailed : EXIT.ok,
          flags: review.classification.entries,
          tls: { on: review.classification.tls, reason: review.classification.tlsReason },
          findings: review.findings,
        });
      else printReview(setup.path, setup.kind, review);
      process.exitCode = failed ? EXIT.findingsFailed : EXIT.ok;
    });
}

const VERDICT_LINE: Readonly<Record<Review['verdict'], string>> = {
  refused: 'REFUSED: etcd would not start with this setup',
  failed: 'FAILS: etcd would start, but a rule failed',
  advice: 'OK: etcd would start; recommendations below are not met',
  clean: 'OK: etcd would start and every rule passes',
};

function printReview(path: string, kind: string, review: Review): void {
  const { classification } = review;
  const count = (disposition: string) =>
    classification.entries.filter((entry) => entry.disposition === disposition).length;
  const lines = [
    `${path} (${kind}): etcd ${review.version} (${review.versionSource})`,
    `flags: ${count('kept')} kept, ${count('translated')} translated, ${count('mapped')} mapped to the throwaway cluster, ${count('refused')} refused; ${classification.tlsReason}`,
    '',
  ];
  for (const entry of classification.entries)
    lines.push(
      `  ${entry.disposition.padEnd(10)} --${entry.name}=${entry.value}${entry.as ? ` → ${entry.as}` : ''}  (${entry.reason})`,
    );
  lines.push('');
  const order = { fail: 0, warn: 1, pass: 2 } as const;
  for (const finding of [...review.findings].sort((a, b) => order[a.verdict] - order[b.verdict])) {
    lines.push(`  ${finding.verdict.toUpperCase().padEnd(5)} ${finding.title}`);
    if (finding.verdict !== 'pass')
      lines.push(
        `        expected: ${finding.expected}`,
        `        observed: ${finding.observed}`,
        `        source:   ${finding.source}`,
      );
  }
  lines.push('', VERDICT_LINE[review.verdict]);
  process.stdout.write(`${lines.join('\n')}\n`);
}
