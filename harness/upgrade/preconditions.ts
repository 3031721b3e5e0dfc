// The documented preconditions of an upgrade or downgrade, decided from the capability table alone (pure): one minor
// at a time, the minimum patch release of the old line, flags the new release removed, and which procedure applies.
import type { EtcdFlags } from '../cluster/flags.js';
import { InputError } from '../errors.js';
import type { ToolRun } from '../procedures/tool-run.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import type { EtcdVersion } from '../versions/version.js';

export type Direction = 'upgrade' | 'downgrade';

export type PreconditionId =
  | 'one-minor'
  | 'minimum-patch'
  | 'removed-flags'
  | 'check-v2store'
  | 'downgrade-procedure';

export interface Precondition {
  readonly id: PreconditionId;
  /** `undefined`: not decided yet (a tool must run, e.g. `etcdutl check v2store`). */
  readonly ok: boolean | undefined;
  readonly detail: string;
  /** The etcd document that states it. */
  readonly source: string;
}

export interface RehearsalPath {
  readonly from: EtcdVersion;
  readonly to: EtcdVersion;
  readonly direction: Direction;
  /** Minor versions crossed (1 for a supported step; 2 for a skip such as 3.4 → 3.6). */
  readonly minorSteps: number;
}

/**
 * Validates what a user asked for and names the direction. Refuses the same version, an upgrade that goes down and a
 * downgrade that goes up, and major version changes; a skip (two minors) is allowed here: rehearsing it shows etcd
 * refusing it.
 */
export function rehearsalPath(
  from: EtcdVersion,
  to: EtcdVersion,
  options: { downgrade?: boolean } = {},
): RehearsalPath {
  const downgrade = Boolean(options.downgrade);
  if (from.equals(to))
    throw new InputError(`\`--from\` and \`--to\` are both ${from}: nothing to rehearse.`, {
      hint: 'Name two releases, e.g. --from 3.5 --to 3.6.',
    });
  if (from.major !== to.major)
    throw new InputError(
      `Expected \`--from\` and \`--to\` of the same major version, got ${from} and ${to}.`,
    );
  if (!downgrade && from.compare(to) > 0)
    throw new InputError(
      `Expected \`--from\` to be older than \`--to\` for an upgrade, got ${from} → ${to}.`,
      {
        hint: `To rehearse going back, add --downgrade (etcd supports ${from.line} → ${to.line} only one minor at a time).`,
      },
    );
  if (downgrade && from.compare(to) < 0)
    throw new InputError(
      `Expected \`--from\` to be newer than \`--to\` for a downgrade, got ${from} → ${to}.`,
      {
        hint: 'Drop --downgrade to rehearse an upgrade.',
      },
    );
  return {
    from,
    to,
    direction: downgrade ? 'downgrade' : 'upgrade',
    minorSteps: Math.abs(to.minor - from.minor),
  };
}

const UPGRADE_POLICY = 'etcd docs upgrades/upgrading-etcd.md "Upgrade policy"';

/** The preconditions of `path` known before anything runs (check-v2store stays undecided until its tool ran). */
export function preconditionsOf(path: RehearsalPath, flags: EtcdFlags): Precondition[] {
  const { from, to } = path;
  const list: Precondition[] = [];
  list.push({
    id: 'one-minor',
    ok: path.minorSteps <= 1,
    detail:
      path.minorSteps <= 1
        ? `${from.line} → ${to.line} is ${path.minorSteps === 0 ? 'a patch change' : 'one minor version'}`
        : `${from.line} → ${to.line} crosses ${path.minorSteps} minor versions; etcd supports one at a time (go through ${between(from, to)})`,
    source:
      path.direction === 'upgrade'
        ? UPGRADE_POLICY
        : 'etcd docs downgrades/downgrade_3_6.md "validate downgrade target version"',
  });
  if (path.direction === 'upgrade') {
    const target = capabilitiesOf(to);
    if (target.upgradeFromMinimum && path.minorSteps === 1) {
      const ok = from.atLeast(target.upgradeFromMinimum);
      list.push({
        id: 'minimum-patch',
        ok,
        detail: ok
          ? `${from} is at least ${target.upgradeFromMinimum}, the oldest ${from.line} release the guide allows to upgrade to ${to.line}`
          : `${from} is older than ${target.upgradeFromMinimum}: update every member to ${target.upgradeFromMinimum} or later before upgrading to ${to.line}`,
        source: `etcd docs upgrades/upgrade_${to.major}_${to.minor}.md "Update ${from.line}"`,
      });
    }
    const removed = removedFlagsIn(flags, to);
    list.push({
      id: 'removed-flags',
      ok: removed.length === 0,
      detail:
        removed.length === 0
          ? `no flag of the configuration is removed in ${to}`
          : `${removed.map((flag) => `--${flag}`).join(', ')} ${removed.length === 1 ? 'is' : 'are'} removed in ${to.line}: etcd ${to} would refuse to start ("flag provided but not defined"); remove or rename before upgrading`,
      source: `etcd docs upgrades/upgrade_${to.major}_${to.minor}.md "Flags removed"`,
    });
    if (target.upgradeNeedsV2storeCheck && path.minorSteps === 1) {
      const tool = capabilitiesOf(from).checkV2store;
      list.push({
        id: 'check-v2store',
        ok: tool ? undefined : false,
        detail: tool
          ? `etcdutl ${from} check v2store must find no custom v2 content`
          : `etcdutl ${from} has no \`check v2store\` (3.5.20+): the guide's check cannot run; update ${from.line} first`,
        source: `etcd docs upgrades/upgrade_${to.major}_${to.minor}.md "V2 Store"`,
      });
    }
  } else {
    list.push(downgradeProcedure(from, to));
  }
  return list;
}

/** Which documented downgrade procedure applies, and whether these binaries can follow it. */
function downgradeProcedure(from: EtcdVersion, to: EtcdVersion): Precondition {
  const source = `etcd docs downgrades/downgrade_${from.major}_${from.minor}.md`;
  if (capabilitiesOf(from).downgradeApi)
    return {
      id: 'downgrade-procedure',
      ok: true,
      detail: `etcdctl downgrade validate/enable ${to.line}, then member by member binary swap, leader last`,
      source,
    };
  if (capabilitiesOf(to).nextClusterVersionCompatible)
    return {
      id: 'downgrade-procedure',
      ok: true,
      detail: `member by member binary swap to ${to} with --next-cluster-version-compatible (no downgrade API in ${from.line})`,
      source,
    };
  return {
    id: 'downgrade-procedure',
    ok: false,
    detail: `${from.line} has no downgrade API and etcd ${to} lacks --next-cluster-version-compatible (the guide needs ${to.line}.32 or later); the documented procedure cannot be followed with these binaries`,
    source,
  };
}

/** The user's flags that `version` no longer accepts (`name` entries match any value, `name=value` only that one). */
export function removedFlagsIn(flags: EtcdFlags, version: EtcdVersion): string[] {
  const removed = capabilitiesOf(version).removedFlags;
  return Object.entries(flags)
    .filter(([name, value]) => removed.includes(name) || removed.includes(`${name}=${value}`))
    .map(([name, value]) => (removed.includes(name) ? name : `${name}=${value}`));
}

/** Reads `etcdutl check v2store` output: clean when it exits 0 and reports no custom content. */
export function v2storeCheckOutcome(run: ToolRun): Precondition['ok'] {
  return run.exitCode === 0 && /no custom content/i.test(`${run.stdout}\n${run.stderr}`);
}

/** The lines between two versions (`3.5` for 3.4 → 3.6). */
function between(from: EtcdVersion, to: EtcdVersion): string {
  const step = from.minor < to.minor ? 1 : -1;
  const lines: string[] = [];
  for (let minor = from.minor + step; minor !== to.minor; minor += step) lines.push(`${from.major}.${minor}`);
  return lines.join(', ');
}
