import { describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors.js';
import { builtInFaults } from '../../harness/faults/registry.js';
import { parseTarget } from '../../harness/faults/targets.js';
import { describeParam, parseParams } from '../../harness/params.js';

const latency = builtInFaults().get('network-latency');

describe('fault parameters', () => {
  it('applies defaults and parses CLI strings into typed values', () => {
    expect(parseParams('network-latency', latency.params, {})).toEqual({
      latencyMs: 100,
      jitterMs: 0,
      proxy: 'peer',
      direction: 'downstream',
    });
    expect(
      parseParams('network-latency', latency.params, { latencyMs: '250', proxy: 'client' }),
    ).toMatchObject({ latencyMs: 250, proxy: 'client' });
    const disk = builtInFaults().get('disk-latency');
    expect(
      parseParams('disk-latency', disk.params, { syscalls: 'fdatasync,fsync', percent: '25' }),
    ).toMatchObject({
      syscalls: ['fdatasync', 'fsync'],
      percent: 25,
    });
  });

  it.each([
    [
      { latencyMs: 'slow' },
      /Expected `network-latency` parameter `latencyMs` to be a number \(ms\), got `slow`/,
    ],
    [{ latencyMs: -5 }, /within \[0, ∞\], got `-5`/],
    [{ proxy: 'both-ways' }, /one of peer, client, both, got `both-ways`/],
    [{ latency: 100 }, /has no parameter `latency`/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseParams('network-latency', latency.params, raw)).toThrow(InputError);
    expect(() => parseParams('network-latency', latency.params, raw)).toThrow(message);
  });

  it('refuses unknown syscalls for the fsync delay', () => {
    const disk = builtInFaults().get('disk-latency');
    expect(() => parseParams('disk-latency', disk.params, { syscalls: 'write' })).toThrow(
      /among fdatasync, fsync, sync_file_range, syncfs, got `write`/,
    );
  });

  it('describes every parameter of every fault for the CLI', () => {
    for (const fault of builtInFaults().list()) {
      for (const [name, spec] of Object.entries(fault.params))
        expect(describeParam(name, spec)).toMatch(new RegExp(`^${name}=`));
      expect(fault.description.length).toBeGreaterThan(20);
    }
  });
});

describe('fault targets', () => {
  it.each(['leader', 'follower', 'followers', 'quorum', 'minority', 'all', 'm2', 'm1,m3'])(
    'accepts %s',
    (target) => {
      expect(parseTarget(target)).toBe(target);
    },
  );

  it.each(['boss', 'm8', 'm1;m2', ''])('refuses %j', (target) => {
    expect(() => parseTarget(target)).toThrow(/Expected a fault target/);
  });
});
