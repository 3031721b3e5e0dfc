// The API-under-faults, CRD-recovery and version-matrix checks over recorded data, with negative controls.
import { describe, expect, it } from 'vitest';
import { type CrdRecoveryRecord, checkCrdRecovery, storedFormatOf } from '../../harness/checks/kube-crd.js';
import {
  checkApiNoSpace,
  checkCertificateMismatch,
  checkLeaderLoss,
  checkQuorumLoss,
  checkSlowFsync,
  outageAround,
  statusCounts,
} from '../../harness/checks/kube-faults.js';
import { checkMatrixCell, matrixTable } from '../../harness/checks/kube-matrix.js';
import type { ProbeSample } from '../../harness/kube/api-probe.js';
import type { MatrixCell } from '../../harness/kube/version-matrix.js';

const sample = (
  kind: ProbeSample['kind'],
  at: number,
  status: number,
  latencyMs = 10,
  message = '',
): ProbeSample => ({
  kind,
  at,
  latencyMs,
  status,
  message,
});

describe('outageAround', () => {
  it('measures from the last answered success before to the first answered success after', () => {
    const samples = [
      sample('write', 0, 200),
      sample('write', 200, 504, 3_000),
      sample('write', 3_300, 200, 20),
    ];
    expect(outageAround(samples, 'write', 100)).toEqual({ gapMs: 3_310, firstOkAt: 3_320 });
    expect(outageAround([sample('write', 0, 200)], 'write', 100).gapMs).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('checkLeaderLoss', () => {
  const samples = [
    sample('write', 0, 200),
    sample('write', 200, 504, 3_000, 'Timeout'),
    sample('write', 3_300, 200),
  ];
  it('passes a 3.3 s outage under a 15 s bound (measured: 3.4 s)', () => {
    expect(
      checkLeaderLoss({ samples, killedAt: 100, until: 4_000, boundMs: 15_000, killedMember: 'm1' }).verdict,
    ).toBe('pass');
  });
  it('fails when no write succeeded after the kill', () => {
    expect(
      checkLeaderLoss({
        samples: samples.slice(0, 2),
        killedAt: 100,
        until: 4_000,
        boundMs: 15_000,
        killedMember: 'm1',
      }).verdict,
    ).toBe('fail');
  });
});

describe('checkQuorumLoss', () => {
  const record = (samples: ProbeSample[]) => ({
    samples,
    lostAt: 0,
    restoredAt: 12_000,
    until: 14_000,
    requestTimeoutMs: 3_000,
    recoveryBoundMs: 30_000,
  });
  const measured = [
    sample('write', 1_500, 504, 3_000, 'Timeout: request did not complete within the allotted timeout'),
    sample('write', 4_700, 504, 3_000, 'Timeout: request did not complete within the allotted timeout'),
    sample('readyz', 2_000, 500, 2_000, 'etcd failed: reason withheld'),
    sample('livez', 2_000, 500, 2_000, 'etcd failed: reason withheld'),
    // sent during the loss, answered after quorum returned: evidence of neither
    sample('write', 11_000, 200, 2_000),
    sample('write', 13_000, 200, 30),
  ];
  it('passes the measured run: 504s, /readyz names etcd, writes back 1 s after quorum', () => {
    const outcome = checkQuorumLoss(record(measured));
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observed).toMatch(/writes: 2× 504/);
  });
  it('fails a write that succeeded without quorum (negative control)', () => {
    const outcome = checkQuorumLoss(record([...measured, sample('write', 5_000, 200, 10)]));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.reason).toMatch(/1 writes succeeded without quorum/);
  });
  it('fails when /readyz never reported etcd, or writes never came back', () => {
    expect(checkQuorumLoss(record(measured.filter((entry) => entry.kind !== 'readyz'))).reason).toMatch(
      /never reported etcd/,
    );
    expect(checkQuorumLoss(record(measured.filter((entry) => entry.at < 11_000))).reason).toMatch(
      /no write succeeded within/,
    );
  });
  it('counts statuses in a window', () => {
    expect(statusCounts([sample('read', 1, 0), sample('read', 2, 200)], 'read', 0, 10)).toEqual({
      'no answer': 1,
      '200': 1,
    });
  });
});

describe('checkApiNoSpace and checkSlowFsync', () => {
  const nospace = {
    quotaBytes: 67_108_864,
    write: { status: 500, message: 'etcdserver: mvcc: database space exceeded' },
    read: { status: 200 },
    afterRecovery: { status: 200, message: '' },
    recoveryMs: 4_000,
  };
  it('passes the measured NOSPACE run and fails other answers', () => {
    expect(checkApiNoSpace(nospace).verdict).toBe('pass');
    expect(checkApiNoSpace({ ...nospace, write: { status: 200, message: '' } }).verdict).toBe('fail');
    expect(
      checkApiNoSpace({ ...nospace, afterRecovery: { status: 500, message: 'database space exceeded' } })
        .verdict,
    ).toBe('fail');
  });
  const fsync = {
    delayMs: 100,
    baselineP50Ms: 3,
    faultP50Ms: 150,
    baselineP99Ms: 24,
    faultP99Ms: 199,
    clientP50Ms: 125,
    walFsyncP50Ms: 96,
  };
  it('passes when the API server latency rises by at least half the delay (measured: +147 ms for 100 ms)', () => {
    expect(checkSlowFsync(fsync).verdict).toBe('pass');
    expect(checkSlowFsync({ ...fsync, faultP50Ms: 20 }).verdict).toBe('fail');
  });
});

describe('checkCertificateMismatch', () => {
  const record = {
    windowMs: 45_000,
    readyAfterMs: undefined,
    processState: 'exited (code 1)',
    exitedAfterMs: 20_921,
    lastLogLine: 'run.go:72] "command failed" err="context deadline exceeded"',
    clientSaw: 'ECONNREFUSED',
    tlsLogLines: [
      'Err: connection error: desc = "error reading server preface: remote error: tls: unknown certificate authority"',
    ],
    healthWithItsCert: {
      exitCode: 1,
      output: 'is unhealthy: failed to commit proposal: context deadline exceeded',
    },
    healthWithClusterCert: { exitCode: 0 },
  };
  it('passes the measured run and quotes the exit and the TLS error', () => {
    const outcome = checkCertificateMismatch(record);
    expect(outcome.verdict).toBe('pass');
    expect(outcome.reason).toMatch(/unknown certificate authority/);
    expect(outcome.reason).toMatch(/ECONNREFUSED/);
  });
  it('fails when it became ready, or its log names nothing', () => {
    expect(checkCertificateMismatch({ ...record, readyAfterMs: 5_000 }).verdict).toBe('fail');
    expect(checkCertificateMismatch({ ...record, tlsLogLines: [] }).verdict).toBe('fail');
    expect(checkCertificateMismatch({ ...record, healthWithClusterCert: { exitCode: 1 } }).verdict).toBe(
      'fail',
    );
  });
});

function crd(overrides: Partial<CrdRecoveryRecord> = {}): CrdRecoveryRecord {
  return {
    crd: 'widgets.chaos.etcd-chaos.io',
    guideCommand: { exitCode: 4, error: "Error: unknown shorthand flag: 'o' in -o", outputBytes: 0 },
    correctedRead: { exitCode: 0, keysFound: 0 },
    storedFormat: 'json',
    customResources: 5,
    customResourceKeysAfterDelete: 0,
    crdRecovered: true,
    crdEstablishedAfterMs: 210,
    customResourcesAfterCrdOnly: 0,
    customResourcesRestored: 5,
    customResourcesIntact: 5,
    ...overrides,
  };
}

describe('checkCrdRecovery', () => {
  it("fails the guide's command and the CRD-only recovery, passes the working way (measured)", () => {
    const [guide, working, resources] = checkCrdRecovery(crd());
    expect(guide?.verdict).toBe('fail');
    expect(guide?.reason).toMatch(/unknown shorthand flag/);
    expect(working?.verdict).toBe('pass');
    expect(resources?.verdict).toBe('fail');
    expect(resources?.reason).toMatch(
      /serves 0 of 5; applying them from the same throwaway restore brought 5 back, 5 intact/,
    );
  });
  it('would pass if re-applying the CRD brought the resources back', () => {
    const [, , resources] = checkCrdRecovery(crd({ customResourcesAfterCrdOnly: 5 }));
    expect(resources?.verdict).toBe('pass');
  });
  it('tells the stored format', () => {
    expect(storedFormatOf(Buffer.from('{"kind":"CustomResourceDefinition"}'))).toBe('json');
    expect(storedFormatOf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 1, 2]))).toBe('protobuf');
    expect(storedFormatOf(Buffer.from('k8s:enc:aescbc:v1:key1:x'))).toBe('encrypted');
  });
});

describe('the version matrix', () => {
  const ok: MatrixCell = {
    kubernetes: '1.34.4',
    etcd: '3.6.16',
    readyAfterMs: 5_800,
    startError: undefined,
    serves: true,
    serveError: undefined,
    watchEventAfterMs: 12,
    watchError: undefined,
    etcdNotes: [],
    logPath: undefined,
  };
  const broken: MatrixCell = {
    ...ok,
    etcd: '3.4.23',
    readyAfterMs: undefined,
    startError: 'not ready after 90000 ms',
    serves: false,
    watchEventAfterMs: undefined,
  };
  it('passes a cell that starts, serves and watches; fails one that does not start', () => {
    expect(checkMatrixCell(ok)).toMatchObject({ verdict: 'pass', check: 'kubernetes-1.34/etcd-3.6' });
    expect(checkMatrixCell(broken)).toMatchObject({ verdict: 'fail', check: 'kubernetes-1.34/etcd-3.4' });
    expect(
      checkMatrixCell({ ...ok, watchEventAfterMs: undefined, watchError: 'no ADDED event' }).reason,
    ).toMatch(/no watch event/);
  });
  it('lays the cells out as a table', () => {
    const table = matrixTable([ok, broken]);
    expect(table.columns).toEqual(['kube-apiserver', 'etcd 3.6.16', 'etcd 3.4.23']);
    expect(table.rows).toEqual([['1.34.4', 'ok (ready 5.8 s)', 'does not start']]);
    // What 1.34.4 logged against 3.4.23 (measured): the feature support checker's line goes into the cell.
    const note =
      'feature_support_checker.go:133] RequestWatchProgress feature is not supported by "https://127.0.0.1:42121" endpoint';
    expect(matrixTable([{ ...ok, etcd: '3.4.23', etcdNotes: [note, note] }]).rows).toEqual([
      ['1.34.4', 'ok (ready 5.8 s; RequestWatchProgress not supported)'],
    ]);
  });
});
