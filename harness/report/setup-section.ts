// The report header's account of the user's own setup: where the release came from, each flag of the manifest and
// what became of it, how the run's flags differ from etcd's defaults and the guide, and every flag a scenario replaced
// with its own (so each verdict says which of the user's settings it was measured with). Renderers only format this.
import type { FlagOverride, ManifestSection, RunResult } from '../result/format.js';

export interface SetupView {
  readonly manifest: ManifestSection | undefined;
  /** One line: the file, its kind, the release and where it came from. */
  readonly headline: string | undefined;
  readonly warnings: readonly string[];
  readonly flagRows: readonly (readonly string[])[];
  readonly differenceRows: readonly (readonly string[])[];
  /** Per scenario: the user's flags it replaced. */
  readonly overrides: readonly FlagOverride[];
}

export const FLAG_COLUMNS = ['flag', 'value', 'disposition', 'why'] as const;
export const DIFFERENCE_COLUMNS = ['flag', 'this run', "etcd's default", 'the guide'] as const;
export const OVERRIDE_COLUMNS = ['scenario', 'flag', 'yours', 'measured with'] as const;

export function setupView(result: RunResult): SetupView {
  const manifest = result.target.manifest;
  const overrides = dedupe(
    result.scenarios.flatMap((scenario) =>
      (scenario.flagOverrides ?? []).map((entry) => ({ ...entry, scenario: entry.scenario ?? scenario.id })),
    ),
  );
  if (!manifest)
    return { manifest, headline: undefined, warnings: [], flagRows: [], differenceRows: [], overrides };
  const headline = [
    manifest.path ? `${manifest.path} (${manifest.kind})` : undefined,
    `etcd ${manifest.etcdVersion} from ${manifest.versionSource}`,
    manifest.kubernetes
      ? `Kubernetes ${manifest.kubernetes.version}: kubeadm ${manifest.kubernetes.kubeadm} pins ${manifest.kubernetes.etcdImage}`
      : undefined,
    manifest.tlsReason,
  ]
    .filter(Boolean)
    .join(' · ');
  const flagRows = [
    ...manifest.flags.map((entry) => [
      `--${entry.name}`,
      entry.as ? `${entry.value} → ${entry.as}` : entry.value,
      entry.disposition,
      entry.etcdMessage ? `${entry.reason}; etcd: ${entry.etcdMessage}` : entry.reason,
    ]),
    ...manifest.overriddenByCommandLine.map((entry) => [
      `--${entry.flag}`,
      `${entry.manifest} → ${entry.used}`,
      'overridden',
      '--flag on the command line wins over the manifest',
    ]),
    ...manifest.dropped.map((entry) => [`--${entry.flag}`, entry.value, 'dropped', entry.reason]),
    ...(manifest.afterUpgrade?.translated ?? []).map((entry) => [
      `--${entry.flag}`,
      `${entry.value} → ${entry.as}`,
      `translated on ${manifest.afterUpgrade?.etcdVersion}`,
      'renamed by the release members move to',
    ]),
    ...(manifest.afterUpgrade?.restored ?? []).map((flag) => [
      `--${flag}`,
      '',
      `restored on ${manifest.afterUpgrade?.etcdVersion}`,
      'dropped on the old release, given back once members run the new one',
    ]),
  ];
  const differenceRows = manifest.differences.map((row) => [
    `--${row.flag}`,
    row.yours ?? '(unset)',
    row.etcdDefault,
    row.guide ?? '',
  ]);
  return { manifest, headline, warnings: manifest.warnings, flagRows, differenceRows, overrides };
}

function dedupe(overrides: readonly FlagOverride[]): FlagOverride[] {
  const seen = new Set<string>();
  return overrides.filter((entry) => {
    const key = `${entry.scenario}|${entry.flag}|${entry.used}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line for a finding measured without some of the user's flags. */
export function describeOverrides(overrides: readonly FlagOverride[] | undefined): string | undefined {
  if (!overrides || overrides.length === 0) return undefined;
  return `measured with the scenario's own ${overrides.map((entry) => `--${entry.flag}=${entry.used} (yours: ${entry.yours})`).join(', ')}`;
}
