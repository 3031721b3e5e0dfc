import { describe, expect, it } from 'vitest';
import { UnknownVersionError } from '../../harness/errors.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { newestKnownRelease } from '../../harness/versions/catalog.js';
import {
  parseExactVersion,
  parseVersionRequest,
  resolveVersion,
  versionFromToolOutput,
} from '../../harness/versions/version.js';

describe('version parser', () => {
  it.each([
    ['3.6', '3.6.16'],
    ['v3.6', '3.6.16'],
    ['3.6.x', '3.6.16'],
    ['3.5', newestKnownRelease('3.5')],
    ['3.4', '3.4.23'],
    ['3.6.12', '3.6.12'],
    ['v3.7.1', '3.7.1'],
    ['default', newestKnownRelease('3.6')],
    ['latest', newestKnownRelease('3.7')],
  ])('resolves %s to %s', (input, expected) => {
    expect(resolveVersion(input).toString()).toBe(expected);
  });

  it.each(['3.9', '4.0.1', '2.3', 'banana', '3', '3.6.16-rc.0', '3.x'])(
    'refuses %s, listing the supported versions',
    (input) => {
      const attempt = () => parseVersionRequest(input);
      expect(attempt).toThrow(UnknownVersionError);
      try {
        attempt();
      } catch (error) {
        expect((error as UnknownVersionError).message).toContain(`\`${input}\``);
        expect((error as UnknownVersionError).hint).toContain('3.6.16 (default)');
      }
    },
  );

  it('distinguishes line requests from exact ones', () => {
    expect(parseVersionRequest('3.5')).toEqual({ kind: 'line', line: '3.5' });
    expect(parseVersionRequest('3.5.21').kind).toBe('exact');
  });

  it('compares versions', () => {
    expect(parseExactVersion('3.5.10').atLeast('3.5.9')).toBe(true);
    expect(parseExactVersion('3.5.9').atLeast('3.5.10')).toBe(false);
    expect(parseExactVersion('3.6.0').compare(parseExactVersion('3.5.35'))).toBeGreaterThan(0);
  });

  it('reads versions from tool output', () => {
    expect(versionFromToolOutput('etcd Version: 3.4.23\nGit SHA: x')?.toString()).toBe('3.4.23');
    expect(versionFromToolOutput('etcdctl version: 3.6.16\nAPI version: 3.6')?.toString()).toBe('3.6.16');
    expect(versionFromToolOutput('etcdutl version: 3.5.35')?.toString()).toBe('3.5.35');
    expect(versionFromToolOutput('nothing here')).toBeUndefined();
  });
});

describe('capability table', () => {
  it('uses etcdctl for snapshots on 3.4 and etcdutl from 3.5', () => {
    expect(capabilitiesOf(resolveVersion('3.4')).snapshotTool).toBe('etcdctl');
    expect(capabilitiesOf(resolveVersion('3.4')).hasEtcdutl).toBe(false);
    expect(capabilitiesOf(resolveVersion('3.5')).snapshotTool).toBe('etcdutl');
    expect(capabilitiesOf(resolveVersion('3.6')).snapshotTool).toBe('etcdutl');
  });

  it('knows which releases can bump revisions on restore', () => {
    expect(capabilitiesOf(parseExactVersion('3.5.9')).restoreBumpRevision).toBe(false);
    expect(capabilitiesOf(parseExactVersion('3.5.10')).restoreBumpRevision).toBe(true);
    expect(capabilitiesOf(parseExactVersion('3.6.0')).restoreBumpRevision).toBe(true);
  });

  it('only asks 3.4 for the zap logger flag', () => {
    expect(capabilitiesOf(resolveVersion('3.4')).logFlags).toContain('--logger=zap');
    expect(capabilitiesOf(resolveVersion('3.6')).logFlags).toEqual([]);
  });

  it('marks the v2 flags as removed from 3.6', () => {
    expect(capabilitiesOf(resolveVersion('3.5')).removedFlags).not.toContain('enable-v2');
    expect(capabilitiesOf(resolveVersion('3.6')).removedFlags).toContain('enable-v2');
  });
});
