import { describe, expect, it } from 'vitest';
import {
  parseFlagArgument,
  parseFlagArguments,
  presetFlags,
  renderFlags,
  timingOf,
} from '../../harness/cluster/flags.js';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { InputError } from '../../harness/errors.js';

describe('flag arguments', () => {
  it('parses name=value, leading dashes and bare booleans', () => {
    expect(parseFlagArgument('quota-backend-bytes=2147483648')).toEqual([
      'quota-backend-bytes',
      '2147483648',
    ]);
    expect(parseFlagArgument('--snapshot-count=5000')).toEqual(['snapshot-count', '5000']);
    expect(parseFlagArgument('enable-pprof')).toEqual(['enable-pprof', 'true']);
    expect(parseFlagArgument('log-level=')).toEqual(['log-level', '']);
  });

  it.each(['=5', 'Bad=1', 'has space=1', '', '--'])('refuses %j with a message quoting it', (argument) => {
    expect(() => parseFlagArgument(argument)).toThrow(InputError);
    expect(() => parseFlagArgument(argument)).toThrow(`\`${argument}\``);
  });

  it('refuses the flags the harness manages', () => {
    expect(() => parseFlagArgument('data-dir=/var/lib/etcd')).toThrow(/managed by the harness/);
    expect(() => parseFlagArgument('initial-cluster=a=b')).toThrow(/managed by the harness/);
  });

  it('lets a later value win and renders flags for etcd', () => {
    const flags = parseFlagArguments(['snapshot-count=1', 'snapshot-count=2', 'max-wals=3']);
    expect(renderFlags(flags)).toEqual(['--snapshot-count=2', '--max-wals=3']);
  });

  it('carries the guide-tuned preset from the operations guide', () => {
    const preset = presetFlags('guide-tuned');
    expect(preset).toMatchObject({
      'quota-backend-bytes': '8589934592',
      'election-timeout': '5000',
      'heartbeat-interval': '500',
      'snapshot-count': '10000',
      'auto-compaction-mode': 'periodic',
      'auto-compaction-retention': '8h',
    });
    expect(timingOf(preset)).toEqual({ heartbeatIntervalMs: 500, electionTimeoutMs: 5000 });
    expect(timingOf({})).toEqual({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000 });
  });
});

describe('cluster spec validation', () => {
  it.each([0, 2, 4, 8, 1.5, -1])('refuses %s members', (count) => {
    expect(() => ClusterSpec.etcd('3.6').withMembers(count)).toThrow(/odd integer from 1 to 7/);
  });

  it('accepts odd sizes and explicit flags; user flags win over the preset', () => {
    const spec = ClusterSpec.etcd('3.6')
      .withMembers(5)
      .withFlags({ 'election-timeout': 3000 })
      .withPreset('guide-tuned')
      .toSpec();
    expect(spec.members).toBe(5);
    expect(spec.flags['election-timeout']).toBe('3000');
    expect(spec.flags['heartbeat-interval']).toBe('500');
  });

  it('refuses flags for members the cluster does not have', () => {
    expect(() =>
      ClusterSpec.etcd('3.6').withMembers(3).withMemberFlags('m5', { 'snapshot-count': 1 }).toSpec(),
    ).toThrow(/m5/);
  });
});
