// tls-mismatch against real etcd. Measured: every wrong credential is refused. 3.4's etcdctl never says why ("all
// SubConns are in TransientFailure"). 3.5/3.6 name a wrong CA every time (x509, in the client warning on stderr); a
// client certificate the server refuses surfaces as "remote error: tls: ..." or, at random, as "write: broken pipe" /
// "connection reset by peer" (TLS 1.3 reports a refused client certificate after the handshake), so those findings
// fail whenever one run said only that: asserted as consistent with the counts, not as a fixed verdict.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../harness/findings/finding.js';
import tlsMismatch from '../../scenarios/tls-mismatch.js';
import { removeReport, runScenarioForTest } from '../helpers/scenario.js';

const CASES = ['wrong CA', 'foreign client certificate', 'no client certificate'];

function value(finding: Finding, name: string): number {
  return finding.measurements.find((entry) => entry.name === name)?.value ?? Number.NaN;
}

describe.each(['default', '3.5', '3.4'])('tls-mismatch on etcd %s', (version) => {
  it('refuses every wrong credential; reports whether health checks said why', async () => {
    const run = await runScenarioForTest(tlsMismatch, { version });
    try {
      expect(run.result.status, run.result.message).toBe('completed');
      for (const name of CASES) {
        const finding = run.findings.find((entry) => entry.check === name);
        if (!finding) throw new Error(`no finding "${name}"`);
        expect(value(finding, 'get exit code'), name).not.toBe(0);
        expect(value(finding, 'health runs unhealthy'), name).toBe(value(finding, 'health runs'));
        const allNamed = value(finding, 'health runs naming the cause') === value(finding, 'health runs');
        expect(finding.verdict, `${name}: ${finding.reason}`).toBe(allNamed ? 'pass' : 'fail');
        if (version === '3.4') {
          expect(finding.verdict, name).toBe('fail');
          expect(finding.observed).toContain('all SubConns are in TransientFailure');
        } else if (name === 'wrong CA') {
          expect(finding.verdict, finding.reason).toBe('pass');
          expect(finding.observed).toContain('x509: certificate signed by unknown authority');
        }
      }
    } finally {
      removeReport(run);
    }
  });
});
