// The documented preconditions from the capability table alone, the per-step availability arithmetic, the
// Kubernetes-like keyspace layout, and etcd's refusal lines as the rehearsal quotes them.
import { describe, expect, it } from 'vitest';
import { availabilityByStep } from '../../harness/upgrade/availability.js';
import { describeKeyspace, planKeyspace } from '../../harness/upgrade/keyspace.js';
import {
  preconditionsOf,
  rehearsalPath,
  removedFlagsIn,
  v2storeCheckOutcome,
} from '../../harness/upgrade/preconditions.js';
import { refusalLine } from '../../harness/upgrade/rehearsal.js';
import { rehearsalVersions } from '../../harness/upgrade/rehearsal-run.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { parseExactVersion, resolveVersion } from '../../harness/versions/version.js';

const v = resolveVersion;

describe('rehearsalPath', () => {
  it('names the direction and counts minors; refuses the same version and the wrong direction', () => {
    expect(rehearsalPath(v('3.5'), v('3.6'))).toMatchObject({ direction: 'upgrade', minorSteps: 1 });
    expect(rehearsalPath(v('3.4'), v('3.6')).minorSteps).toBe(2);
    expect(rehearsalPath(v('3.6'), v('3.5'), { downgrade: true }).direction).toBe('downgrade');
    expect(() => rehearsalPath(v('3.6'), v('3.6'))).toThrow(/both 3\.6\.16: nothing to rehearse/);
    expect(() => rehearsalPath(v('3.6'), v('3.5'))).toThrow(/older than `--to` for an upgrade/);
    expect(() => rehearsalPath(v('3.5'), v('3.6'), { downgrade: true })).toThrow(/newer than `--to`/);
  });
});

describe('preconditionsOf', () => {
  const byId = (list: ReturnType<typeof preconditionsOf>) =>
    Object.fromEntries(list.map((entry) => [entry.id, entry]));

  it('3.5.35 → 3.6: one minor, minimum patch 3.5.26 met, v2store check still to run with etcdutl 3.5', () => {
    const list = byId(preconditionsOf(rehearsalPath(v('3.5'), v('3.6')), {}));
    expect(list['one-minor']?.ok).toBe(true);
    expect(list['minimum-patch']).toMatchObject({ ok: true });
    expect(list['check-v2store']?.ok).toBeUndefined();
    expect(list['removed-flags']?.ok).toBe(true);
  });

  it('3.5.21 → 3.6 is below the minimum patch; 3.6.4 → 3.7 below 3.6.11', () => {
    expect(byId(preconditionsOf(rehearsalPath(v('3.5.21'), v('3.6')), {}))['minimum-patch']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/older than 3\.5\.26/),
    });
    expect(byId(preconditionsOf(rehearsalPath(v('3.6.4'), v('3.7')), {}))['minimum-patch']?.detail).toMatch(
      /3\.6\.11/,
    );
  });

  it('3.4 → 3.6 and 3.5 → 3.7 are skips', () => {
    for (const [from, to] of [
      ['3.4', '3.6'],
      ['3.5', '3.7'],
    ] as const) {
      const oneMinor = byId(preconditionsOf(rehearsalPath(v(from), v(to)), {}))['one-minor'];
      expect(oneMinor?.ok).toBe(false);
      expect(oneMinor?.detail).toMatch(/crosses 2 minor versions; etcd supports one at a time/);
    }
  });

  it('detects flags removed in the new release before anything starts', () => {
    expect(removedFlagsIn({ 'enable-v2': 'true', 'snapshot-count': '5000' }, v('3.6'))).toEqual([
      'enable-v2',
    ]);
    expect(removedFlagsIn({ logger: 'capnslog' }, v('3.6'))).toEqual(['logger=capnslog']);
    expect(removedFlagsIn({ logger: 'zap' }, v('3.6'))).toEqual([]);
    expect(removedFlagsIn({ 'experimental-compact-hash-check-enabled': 'true' }, v('3.7'))).toEqual([
      'experimental-compact-hash-check-enabled',
    ]);
    expect(removedFlagsIn({ 'experimental-compact-hash-check-enabled': 'true' }, v('3.6'))).toEqual([]);
    const list = byId(preconditionsOf(rehearsalPath(v('3.5'), v('3.6')), { 'enable-v2': 'true' }));
    expect(list['removed-flags']?.detail).toMatch(
      /--enable-v2 is removed in 3\.6: etcd 3\.6\.16 would refuse to start/,
    );
  });

  it('downgrades: the API from 3.6; 3.5 → 3.4 needs a 3.4.32+ binary (Debian ships 3.4.23)', () => {
    const api = byId(preconditionsOf(rehearsalPath(v('3.6'), v('3.5'), { downgrade: true }), {}));
    expect(api['downgrade-procedure']).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/downgrade validate\/enable 3\.5/),
    });
    const old = byId(preconditionsOf(rehearsalPath(v('3.5'), v('3.4'), { downgrade: true }), {}));
    expect(old['downgrade-procedure']).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/3\.4\.32 or later/),
    });
    expect(capabilitiesOf(parseExactVersion('3.4.32')).nextClusterVersionCompatible).toBe(true);
  });

  it('reads etcdutl check v2store as etcd 3.5.35 prints it', () => {
    const clean = {
      command: 'etcdutl check v2store',
      exitCode: 0,
      stdout: 'No custom content found in both v2store and WAL records.\n',
      stderr: '',
      durationMs: 5,
    };
    expect(v2storeCheckOutcome(clean)).toBe(true);
    expect(v2storeCheckOutcome({ ...clean, exitCode: 1, stdout: 'detected custom content in v2store' })).toBe(
      false,
    );
    // Measured: only 3.5's etcdutl has the command.
    expect([v('3.5'), v('3.6'), v('3.7')].map((version) => capabilitiesOf(version).checkV2store)).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('rehearsalVersions', () => {
  it('follows the run target: the previous minor up to it, or the next one from 3.4; downgrades go one minor down', () => {
    const pair = (target: string, direction: 'upgrade' | 'downgrade', from = 'auto', to = 'auto') => {
      const { from: a, to: b } = rehearsalVersions(v(target), from, to, direction);
      return `${a} → ${b}`;
    };
    expect(pair('3.6', 'upgrade')).toBe('3.5.35 → 3.6.16');
    expect(pair('3.4', 'upgrade')).toBe('3.4.23 → 3.5.35');
    expect(pair('3.6', 'downgrade')).toBe('3.6.16 → 3.5.35');
    expect(pair('3.6', 'upgrade', '3.4.23', '3.5')).toBe('3.4.23 → 3.5.35');
    expect(pair('3.6', 'upgrade', 'auto', '3.7')).toBe('3.6.16 → 3.7.3');
  });
});

describe('availabilityByStep', () => {
  it('counts outcomes per step by the time they ended, and finds the longest gap', () => {
    const write = (ackAt: number) => ({
      key: `k${ackAt}`,
      value: 'v',
      revision: ackAt,
      writer: 0,
      seq: ackAt,
      sentAt: ackAt - 1,
      ackAt,
    });
    const ledger = {
      prefix: '/l/',
      startedAt: 0,
      endedAt: 3_000,
      acknowledged: [100, 200, 900, 1_100, 2_600].map(write),
      failed: [
        {
          key: 'f',
          value: 'v',
          writer: 1,
          seq: 0,
          sentAt: 400,
          failedAt: 500,
          reason: 'not-connected',
          message: '',
        },
      ],
      ambiguous: [],
    };
    const report = availabilityByStep(ledger, [
      { name: 'a', startedAt: 0, endedAt: 1_000 },
      { name: 'b', startedAt: 1_000, endedAt: 3_000 },
    ]);
    expect(report.steps[0]).toMatchObject({
      acknowledged: 3,
      failed: 1,
      successShare: 0.75,
      longestGapMs: 700,
    });
    expect(report.steps[1]).toMatchObject({ acknowledged: 2, longestGapMs: 1_500 });
    // Measured whole: the gap 900 → 1100 overlaps both steps (200 ms), the longest of a is 200 → 900.
    expect(report.steps[0]?.longestGap).toEqual({ from: 200, to: 900 });
    expect(report.longestOutage).toEqual({ ms: 1_500, from: 1_100, to: 2_600 });
  });
});

describe('planKeyspace', () => {
  it('lays keys out as the API server does, deterministically, with every resource type', () => {
    const plan = planKeyspace({ keys: 200, valueBytes: 64 });
    expect(plan.size).toBe(200);
    expect(
      [...plan.keys()].every((key) => /^\/registry\/[a-z0-9./]+\/([a-z-]+\/)?[a-z]+-[0-9a-z]{5}$/.test(key)),
    ).toBe(true);
    const described = describeKeyspace('/registry/', plan);
    expect(Object.keys(described.byResource)).toEqual(
      expect.arrayContaining([
        'pods',
        'secrets',
        'leases',
        'nodes',
        'apiextensions.k8s.io/customresourcedefinitions',
      ]),
    );
    expect(describeKeyspace('/registry/', planKeyspace({ keys: 200, valueBytes: 64 })).digest).toBe(
      described.digest,
    );
    expect(() => planKeyspace({ keys: 0 })).toThrow(
      /Expected `--seed-keys` to be an integer from 1 to 1000000, got `0`/,
    );
  });
});

describe('refusalLine', () => {
  it("quotes etcd's fatal entry with its fields, or the Go panic line", () => {
    const fatal =
      '{"level":"info","msg":"starting"}\n{"level":"fatal","ts":"2026-11-24T12:29:34.058Z","caller":"membership/cluster.go:795","msg":"invalid downgrade; server version is lower than determined cluster version","current-server-version":"3.4.23","determined-cluster-version":"3.5","stacktrace":"..."}';
    expect(refusalLine(fatal)).toBe(
      'fatal: invalid downgrade; server version is lower than determined cluster version (current-server-version=3.4.23, determined-cluster-version=3.5)',
    );
    expect(refusalLine('flag provided but not defined: -enable-v2\nUsage:\n  etcd [flags]')).toBe(
      'flag provided but not defined: -enable-v2',
    );
  });
});
