// The flag inventory, Go-style value parsing and the refusals etcd makes, with etcd's own messages (the messages were
// measured on the cached binaries; test/integration/etcd-flags.test.ts re-probes the inventory against them).
import { describe, expect, it } from 'vitest';
import { parseFlagArgument } from '../../harness/cluster/flags.js';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { InputError } from '../../harness/errors.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { ETCD_FLAGS } from '../../harness/versions/etcd-flags.js';
import { assertFlagsAccepted, flagRefusals } from '../../harness/versions/flag-check.js';
import { checkFlagValue, parseGoDuration, parseGoInteger } from '../../harness/versions/flag-values.js';
import { resolveVersion } from '../../harness/versions/version.js';

const caps = (version: string) => capabilitiesOf(resolveVersion(version));

describe('Go value parsing', () => {
  it('parses integers the way strconv does with base 0', () => {
    expect(parseGoInteger('8589934592', true, 64)).toBe(8589934592n);
    expect(parseGoInteger('0x10', false, 64)).toBe(16n);
    expect(parseGoInteger('010', false, 64)).toBe(8n);
    expect(parseGoInteger('1_000', false, 64)).toBe(1000n);
    expect(parseGoInteger('-1', false, 64)).toBeUndefined();
    expect(parseGoInteger('-1', true, 64)).toBe(-1n);
    expect(parseGoInteger('abc', true, 64)).toBeUndefined();
    expect(parseGoInteger('8G', true, 64)).toBeUndefined();
    expect(parseGoInteger(String(2 ** 32), false, 32)).toBeUndefined();
  });

  it('parses durations the way time.ParseDuration does', () => {
    expect(parseGoDuration('5s')).toBe(5000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('8x')).toBeUndefined();
  });

  it('quotes what etcd says about a value of the wrong type', () => {
    expect(checkFlagValue('quota-backend-bytes', 'abc')?.etcdMessage).toBe(
      'invalid value "abc" for flag -quota-backend-bytes: parse error',
    );
    expect(checkFlagValue('snapshot-count', '-1')?.etcdMessage).toBe(
      'invalid value "-1" for flag -snapshot-count: parse error',
    );
    expect(checkFlagValue('initial-cluster-state', 'foo')?.etcdMessage).toBe(
      'invalid value "foo" for flag -initial-cluster-state: invalid value',
    );
    expect(checkFlagValue('feature-gates', 'Foo=true', caps('3.6'))?.etcdMessage).toBe(
      'invalid value "Foo=true" for flag -feature-gates: unrecognized feature gate: Foo',
    );
    expect(checkFlagValue('auto-compaction-retention', '8x')?.etcdMessage).toBe(
      'error parsing CompactionRetention: time: unknown unit "x" in duration "8x"',
    );
    expect(checkFlagValue('log-level', 'loud')?.etcdMessage).toBe('panic: unrecognized level: "loud"');
    // Negative controls: what etcd accepts.
    for (const [flag, value] of [
      ['quota-backend-bytes', '8589934592'],
      ['auto-compaction-retention', '8h'],
      ['auto-compaction-retention', '1'],
      ['watch-progress-notify-interval', '5s'],
      ['listen-metrics-urls', 'http://0.0.0.0:2381'],
      ['client-cert-auth', 'true'],
      ['log-level', ''],
    ] as const)
      expect(checkFlagValue(flag, value), `${flag}=${value}`).toBeUndefined();
  });
});

describe('which release knows which flag', () => {
  it('knows removals, additions and renames', () => {
    expect(caps('3.5').flag('enable-v2').accepted).toBe(true);
    expect(caps('3.6').flag('enable-v2')).toMatchObject({ accepted: false, why: 'removed' });
    expect(caps('3.5').flag('watch-progress-notify-interval')).toMatchObject({
      accepted: false,
      why: 'not-yet',
    });
    expect(caps('3.6').flag('experimental-watch-progress-notify-interval')).toMatchObject({
      accepted: true,
      deprecatedFor: { flag: 'watch-progress-notify-interval' },
    });
    expect(caps('3.7').flag('experimental-initial-corrupt-check')).toMatchObject({
      accepted: false,
      why: 'removed',
      successor: { featureGate: 'InitialCorruptCheck' },
    });
    expect(caps('3.7').flag('no-such-flag')).toMatchObject({ accepted: false, why: 'unknown' });
    expect(caps('3.4').featureGates).toEqual([]);
    expect(caps('3.7').featureGates).toContain('FastLeaseKeepAlive');
  });

  it('agrees with the capability table on the flags each release removed', () => {
    for (const line of ['3.6', '3.7']) {
      for (const entry of caps(line).removedFlags.filter((name) => !name.includes('='))) {
        expect(caps(line).flag(entry).accepted, `${entry} on ${line}`).toBe(false);
        expect(ETCD_FLAGS[entry]?.removedIn).toBeDefined();
      }
    }
  });
});

describe('refusals, as etcd words them', () => {
  it('refuses an election timeout under 5× the heartbeat and over 50 s', () => {
    expect(flagRefusals(caps('3.6'), { 'heartbeat-interval': '500', 'election-timeout': '2000' })).toEqual([
      expect.objectContaining({
        kind: 'combination',
        etcdMessage:
          '--election-timeout[2000ms] should be at least as 5 times as --heartbeat-interval[500ms]',
      }),
    ]);
    expect(flagRefusals(caps('3.6'), { 'election-timeout': '60000' })[0]?.etcdMessage).toBe(
      '--election-timeout[60000ms] is too long, and should be set less than 50000ms',
    );
    expect(flagRefusals(caps('3.6'), { 'heartbeat-interval': '500', 'election-timeout': '5000' })).toEqual(
      [],
    );
  });

  it('refuses an experimental flag next to the feature gate that replaced it (3.6)', () => {
    const [refusal] = flagRefusals(caps('3.6'), {
      'experimental-initial-corrupt-check': 'true',
      'feature-gates': 'InitialCorruptCheck=true',
    });
    expect(refusal?.etcdMessage).toBe(
      'cannot specify both flags: --experimental-initial-corrupt-check=true and --feature-gates=InitialCorruptCheck=true at the same time, please just use --feature-gates=InitialCorruptCheck=true',
    );
  });

  it('refuses https listeners without certificates', () => {
    expect(flagRefusals(caps('3.6'), { 'listen-client-urls': 'https://10.0.0.1:2379' })[0]?.etcdMessage).toBe(
      'TLS key/cert (--cert-file, --key-file) must be provided for client url https://10.0.0.1:2379 with HTTPS scheme',
    );
  });

  it('names the older flag when a release does not know a new one yet', () => {
    const [watch, gates] = flagRefusals(caps('3.5'), {
      'watch-progress-notify-interval': '5s',
      'feature-gates': 'InitialCorruptCheck=true',
    });
    expect(watch).toMatchObject({
      kind: 'not-yet',
      etcdMessage: 'flag provided but not defined: -watch-progress-notify-interval',
      replacement: '--experimental-watch-progress-notify-interval=5s',
    });
    expect(gates?.replacement).toBe('--experimental-initial-corrupt-check=true');
  });

  it('refuses before anything starts: --flag with a value of the wrong type, or an unknown name', () => {
    expect(() => parseFlagArgument('quota-backend-bytes=abc')).toThrow(InputError);
    expect(() => parseFlagArgument('quota-backend-bytes=abc')).toThrow(
      /Expected `--quota-backend-bytes` to be an integer \(int64\), got `abc`: etcd would refuse it \(invalid value "abc" for flag -quota-backend-bytes: parse error\)/,
    );
    expect(() => parseFlagArgument('no-such-flag=1')).toThrow(
      /no etcd release from 3.4 to 3.7 has `--no-such-flag`/,
    );
    expect(() =>
      ClusterSpec.etcd('3.5').withFlags({ 'feature-gates': 'InitialCorruptCheck=true' }).toSpec(),
    ).toThrow(
      /etcd 3\.5\.\d+ would refuse to start with the etcd flags:\n {2}- flag provided but not defined: -feature-gates/,
    );
    expect(() => assertFlagsAccepted(resolveVersion('3.6'), { 'heartbeat-interval': '500' })).toThrow(
      /should be at least as 5 times/,
    );
  });
});
