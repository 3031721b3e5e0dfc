// The user's setup as the run's target: which etcd release (from `--etcd-version`, `--kubernetes-version` through
// kubeadm's table, or the manifest's image tag), which flags (the manifest's kept and translated ones, then `--flag`),
// TLS and key type, and the section every report shows (what was kept, mapped, translated, refused or dropped, and
// how the flags differ from etcd's defaults and the guide). Refuses before anything starts what etcd would refuse.
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import type { ProgressListener } from '../binaries/types.js';
import { PRESETS } from '../cluster/flags.js';
import { InputError, VersionUnavailableError } from '../errors.js';
import type { ManifestSection } from '../result/format.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { describeRefusals, type FlagRefusal, flagRefusals } from '../versions/flag-check.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import { type Classification, classifySetup, translateFlags } from './classify.js';
import { kubeadmEtcdPin } from './kubeadm-etcd.js';
import type { EtcdSetup } from './read-setup.js';

export interface ReleaseChoice {
  readonly version: EtcdVersion;
  /** Where the release came from, for people: `image tag registry.k8s.io/etcd:3.6.5-0`, `--etcd-version 3.6`. */
  readonly source: string;
  readonly kubernetes?: ManifestSection['kubernetes'];
}

/**
 * The release to run: `--etcd-version` when given, else kubeadm's pin for `--kubernetes-version`, else the manifest's
 * image tag, else the default line. A tag that names no release is refused only when the release must come from it.
 */
export function chooseRelease(input: {
  readonly etcdVersion?: string;
  readonly kubernetesVersion?: string;
  readonly setup?: EtcdSetup;
  /** What `--etcd-version` is called for this command (`--from` for a rehearsal). */
  readonly versionOption?: string;
}): ReleaseChoice {
  const option = input.versionOption ?? '--etcd-version';
  const explicit =
    input.etcdVersion !== undefined && input.etcdVersion !== 'default' ? input.etcdVersion : undefined;
  if (explicit && input.kubernetesVersion)
    throw new InputError(
      `Give \`${option}\` or \`--kubernetes-version\`, not both (got \`${explicit}\` and \`${input.kubernetesVersion}\`).`,
      { hint: '--kubernetes-version picks the etcd release kubeadm installs for that Kubernetes release.' },
    );
  if (explicit) return { version: resolveVersion(explicit), source: `${option} ${explicit}` };
  if (input.kubernetesVersion) {
    const pin = kubeadmEtcdPin(input.kubernetesVersion);
    return {
      version: resolveVersion(pin.etcd),
      source: `--kubernetes-version ${input.kubernetesVersion}: kubeadm ${pin.kubeadm} installs etcd ${pin.image}`,
      kubernetes: { version: pin.kubernetes, kubeadm: pin.kubeadm, etcdImage: pin.image },
    };
  }
  const setup = input.setup;
  if (setup?.imageVersion) return { version: setup.imageVersion, source: `image tag ${setup.image}` };
  if (setup?.kind === 'static-pod')
    throw new InputError(
      `\`--manifest ${setup.path}\`: ${setup.imageVersionProblem ?? 'no image'}, so the etcd release is unknown.`,
      { hint: `Give the release with ${option} (e.g. ${option} 3.6.16).` },
    );
  return { version: resolveVersion('default'), source: `the default release (no ${option})` };
}

/**
 * Provisions `version` (cache, release download, Go build); when that exact release cannot be supplied, the newest
 * release of its line, with a warning for every report.
 */
export async function supplyRelease(
  choice: ReleaseChoice,
  options: { readonly onProgress?: ProgressListener; readonly signal?: AbortSignal } = {},
): Promise<{ version: EtcdVersion; warning?: string }> {
  try {
    await resolveEtcd(choice.version, options);
    return { version: choice.version };
  } catch (error) {
    if (!(error instanceof VersionUnavailableError)) throw error;
    const newest = resolveVersion(choice.version.line);
    if (newest.equals(choice.version)) throw error;
    await resolveEtcd(newest, options);
    return {
      version: newest,
      warning: `etcd ${choice.version} (${choice.source}) could not be supplied on this machine (${error.attempts.map((attempt) => `${attempt.source}: ${attempt.reason}`).join('; ')}); ran on ${newest}, the newest ${choice.version.line} release`,
    };
  }
}

export interface SetupTarget {
  readonly flags: Record<string, string>;
  /** The flags for the release a rehearsal moves to, with its renames applied (only when they differ). */
  readonly upgradeFlags?: Record<string, string>;
  readonly tls: boolean;
  readonly classification: Classification;
  readonly section: ManifestSection;
}

/**
 * The setup applied to a release: refused (InputError quoting etcd) when the release would not start with it, unless
 * `dropUnsupported` drops the flags it does not know (each drop recorded). `extraFlags` (`--flag`, `--preset`) win
 * over the manifest's.
 */
export function applySetup(
  setup: EtcdSetup,
  release: ReleaseChoice,
  options: {
    readonly extraFlags?: Readonly<Record<string, string>>;
    readonly dropUnsupported?: boolean;
    readonly warnings?: readonly string[];
    /** The release the members move to (a rehearsal's `--to`): its renames are applied when they are swapped. */
    readonly alsoOn?: EtcdVersion;
    readonly dropHint?: string;
  } = {},
): SetupTarget {
  // Forward only: a setup written for an older release (or for none it names) gets etcd's renames; one written for a
  // newer release than the target is not rewritten backwards (its new names are reported with the old ones to use).
  const translate = !setup.imageVersion || release.version.compare(setup.imageVersion) > 0;
  const first = classifySetup(setup, release.version, { translate });
  const dropped: ManifestSection['dropped'][number][] = [];
  let effective = setup;
  if (options.dropUnsupported && first.refusals.some(droppable)) {
    const names = new Set(first.refusals.filter(droppable).flatMap((refusal) => refusal.flags));
    for (const flag of setup.flags.filter((entry) => names.has(entry.name)))
      dropped.push({
        flag: flag.name,
        value: flag.value,
        reason: first.refusals.find((refusal) => refusal.flags.includes(flag.name))?.explanation ?? '',
      });
    effective = { ...setup, flags: setup.flags.filter((entry) => !names.has(entry.name)) };
  }
  const classification =
    dropped.length > 0 ? classifySetup(effective, release.version, { translate }) : first;
  if (classification.refusals.length > 0) {
    const droppableOnly = classification.refusals.every(droppable);
    throw new InputError(
      `${droppableOnly ? 'Must change: ' : ''}etcd ${release.version} (${release.source}) would refuse to start with \`--manifest ${setup.path}\`:\n${describeRefusals(classification.refusals)}`,
      {
        hint: droppableOnly
          ? (options.dropHint ??
            'Change these flags in the manifest (`etcd-chaos validate --manifest FILE` reviews it).')
          : 'Fix the manifest first: `etcd-chaos validate --manifest FILE` reviews it.',
        context: { manifest: setup.path, version: release.version.toString() },
      },
    );
  }
  const extra = options.extraFlags ?? {};
  let flags = { ...classification.flags, ...extra };
  let afterUpgrade: ManifestSection['afterUpgrade'];
  let upgradeFlags: Record<string, string> | undefined;
  if (options.alsoOn && !options.alsoOn.equals(release.version)) {
    const to = options.alsoOn;
    const { flags: translated, translations } = translateFlags(flags, to);
    const later = flagRefusals(capabilitiesOf(to), translated);
    const mustChange = later.filter(droppable);
    if (mustChange.length > 0 && !options.dropUnsupported)
      throw new InputError(
        `Must change before moving to ${to.line}: etcd ${to} (the release to move to) would refuse to start with \`--manifest ${setup.path}\`:\n${describeRefusals(mustChange)}`,
        {
          hint: options.dropHint ?? 'Change these flags first.',
          context: { manifest: setup.path, version: to.toString() },
        },
      );
    const gone = new Set(mustChange.flatMap((refusal) => refusal.flags));
    for (const name of gone) {
      if (flags[name] === undefined) continue;
      dropped.push({
        flag: name,
        value: flags[name]!,
        reason: `must change before moving to ${to.line}: ${mustChange.find((refusal) => refusal.flags.includes(name))?.explanation ?? ''}`,
      });
    }
    flags = Object.fromEntries(Object.entries(flags).filter(([name]) => !gone.has(name)));
    let next: Record<string, string> = Object.fromEntries(
      Object.entries(translated).filter(([name]) => !gone.has(name)),
    );
    // Flags dropped because the old release does not know them yet come back once members run the new one, when it
    // accepts them: after the upgrade the cluster runs the setup as written.
    const restored: string[] = [];
    for (const entry of dropped) {
      if (gone.has(entry.flag) || next[entry.flag] !== undefined) continue;
      const candidate: Record<string, string> = { ...next, [entry.flag]: entry.value };
      if (flagRefusals(capabilitiesOf(to), candidate).length === 0) {
        next = candidate;
        restored.push(entry.flag);
      }
    }
    const same =
      Object.keys(next).length === Object.keys(flags).length &&
      Object.entries(next).every(([name, value]) => flags[name] === value);
    upgradeFlags = same ? undefined : next;
    afterUpgrade = {
      etcdVersion: to.toString(),
      translated: [...translations].map(([flag, as]) => ({ flag, value: flags[flag] ?? '', as })),
      restored,
    };
    const other = later.filter((refusal) => !droppable(refusal));
    if (other.length > 0)
      throw new InputError(
        `etcd ${to} would refuse to start with the translated flags:\n${describeRefusals(other)}`,
      );
  }
  const section: ManifestSection = {
    path: setup.path,
    kind: setup.kind,
    ...(setup.image ? { image: setup.image } : {}),
    ...(setup.imageVersion ? { imageVersion: setup.imageVersion.toString() } : {}),
    etcdVersion: release.version.toString(),
    versionSource: release.source,
    ...(release.kubernetes ? { kubernetes: release.kubernetes } : {}),
    warnings: [...(options.warnings ?? [])],
    tls: classification.tls,
    tlsReason: classification.tlsReason,
    keyType: classification.keyType,
    keyTypeReason: classification.keyTypeReason,
    flags: classification.entries.map((entry) => ({
      name: entry.name,
      value: entry.value,
      origin: entry.origin,
      disposition: entry.disposition,
      reason: entry.reason,
      ...(entry.as ? { as: entry.as } : {}),
      ...(entry.etcdMessage ? { etcdMessage: entry.etcdMessage } : {}),
    })),
    overriddenByCommandLine: Object.keys(extra)
      .filter(
        (name) => classification.flags[name] !== undefined && classification.flags[name] !== extra[name],
      )
      .map((name) => ({ flag: name, manifest: classification.flags[name]!, used: extra[name]! })),
    dropped,
    // The metrics listener is mapped (each member gets its own), but it is the user's setting all the same.
    differences: differencesOf(
      {
        ...flags,
        ...(setup.flags.some((entry) => entry.name === 'listen-metrics-urls')
          ? {
              'listen-metrics-urls': `${setup.flags.findLast((entry) => entry.name === 'listen-metrics-urls')?.value} (a listener per member)`,
            }
          : {}),
      },
      release.version,
    ),
    ...(afterUpgrade ? { afterUpgrade } : {}),
  };
  return {
    flags,
    ...(upgradeFlags ? { upgradeFlags } : {}),
    tls: classification.tls,
    classification,
    section,
  };
}

/** Refusals `--drop-unsupported-flags` may drop: flags the release does not know (not bad values or combinations). */
function droppable(refusal: FlagRefusal): boolean {
  return refusal.kind === 'unknown' || refusal.kind === 'removed' || refusal.kind === 'not-yet';
}

/** The settings the guide tunes: the user's value next to etcd's default and the guide's (report header). */
export function differencesOf(
  flags: Readonly<Record<string, string>>,
  version: EtcdVersion,
): ManifestSection['differences'] {
  const guide: Record<string, string> = {
    ...PRESETS['guide-tuned'],
    'listen-metrics-urls': 'http://0.0.0.0:2381',
  };
  const defaults: Record<string, string> = {
    'quota-backend-bytes': '0 (2 GiB)',
    'auto-compaction-mode': 'periodic',
    'auto-compaction-retention': '0 (off)',
    'max-snapshots': '5',
    'max-wals': '5',
    'election-timeout': '1000',
    'heartbeat-interval': '100',
    'snapshot-count': version.atLeast('3.6.0') ? '10000' : '100000',
    'listen-metrics-urls': '(none)',
  };
  const names = [
    ...new Set([...Object.keys(guide), ...Object.keys(flags).filter((name) => name in defaults)]),
  ];
  return names.map((flag) => ({
    flag,
    yours: flags[flag] ?? null,
    etcdDefault: defaults[flag] ?? '',
    guide: guide[flag] ?? null,
  }));
}
