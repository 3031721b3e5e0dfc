// How a run is judged: stability rows over repetitions (flip rate, environment-dependent flips, checks that went
// missing in a repetition), and the exit code (interruptions, incomplete runs, flips, accepted failures).
import { describe, expect, it } from 'vitest';
import type { Finding, Verdict } from '../../harness/result/format.js';
import { exitCodeFor, stabilityOf } from '../../harness/result/run-result.js';

function finding(check: string, verdict: Verdict, repetition: number, extra: Partial<Finding> = {}): Finding {
  return {
    claim: 'tls.mismatch',
    scenario: 'tls-mismatch',
    check,
    title: 'a client with the wrong CA or certificate is refused, and health checks say why',
    source: 'guide',
    verdict,
    reason: '',
    expected: '',
    observed: '',
    measurements: [],
    evidence: [],
    etcdVersion: '3.6.16',
    repetition,
    ...extra,
  };
}

describe('stability over repetitions', () => {
  it('is one row per check with verdict counts adding up to the repetitions', () => {
    const findings = [1, 2, 3, 4, 5].flatMap((repetition) => [
      finding('wrong CA', 'pass', repetition),
      finding('no client certificate', repetition <= 3 ? 'fail' : 'pass', repetition),
    ]);
    const rows = stabilityOf(findings, 5);
    expect(rows).toHaveLength(2);
    const stable = rows.find((row) => row.check === 'wrong CA');
    expect(stable).toMatchObject({
      verdicts: { pass: 5, fail: 0, inconclusive: 0 },
      flipRate: 0,
      flipped: false,
    });
    const flipping = rows.find((row) => row.check === 'no client certificate');
    // 3 fail, 2 pass: the two passes differ from the most common verdict.
    expect(flipping).toMatchObject({
      verdicts: { pass: 2, fail: 3, inconclusive: 0 },
      flipRate: 0.4,
      flipped: true,
    });
  });

  it('counts a repetition where the scenario errored (one claim-wide inconclusive) against every check', () => {
    const title = finding('x', 'pass', 1).title;
    const findings = [
      finding('wrong CA', 'pass', 1),
      finding('no client certificate', 'pass', 1),
      finding(title, 'inconclusive', 2, { reason: 'scenario error' }),
    ];
    const rows = stabilityOf(findings, 2);
    expect(rows.map((row) => [row.check, row.verdicts.pass, row.verdicts.inconclusive, row.flipped])).toEqual(
      [
        ['wrong CA', 1, 1, true],
        ['no client certificate', 1, 1, true],
      ],
    );
  });

  it('counts a check missing from a repetition (never reported) as inconclusive, so it cannot hide a flip', () => {
    const rows = stabilityOf([finding('wrong CA', 'pass', 1)], 3);
    expect(rows[0]).toMatchObject({ verdicts: { pass: 1, fail: 0, inconclusive: 2 }, flipped: true });
  });

  it('marks a row environment-dependent when its findings say so', () => {
    const rows = stabilityOf(
      [
        finding('quiet commit p99', 'pass', 1, { environmentDependent: true }),
        finding('quiet commit p99', 'fail', 2, { environmentDependent: true }),
      ],
      2,
    );
    expect(rows[0]).toMatchObject({ flipped: true, environmentDependent: true, flipRate: 0.5 });
  });
});

describe('exit code', () => {
  const passing = [finding('wrong CA', 'pass', 1)];
  const base = { findings: passing, stability: stabilityOf(passing, 1), scenarioErrors: 0, strict: false };

  it('is 0 for a run whose checks all passed, and 1 when one failed', () => {
    expect(exitCodeFor(base)).toBe(0);
    const failed = [finding('wrong CA', 'fail', 1)];
    expect(exitCodeFor({ ...base, findings: failed, stability: stabilityOf(failed, 1) })).toBe(1);
  });

  it('is 130/143 for an interrupted run, whatever passed before the signal', () => {
    expect(exitCodeFor({ ...base, interruptedBy: 'SIGINT' })).toBe(130);
    expect(exitCodeFor({ ...base, interruptedBy: 'SIGTERM' })).toBe(143);
  });

  it('is 2 for a result written before the run ended', () => {
    expect(exitCodeFor({ ...base, complete: false })).toBe(2);
  });

  it('is 1 when a check flipped, unless it is environment-dependent', () => {
    const flipping = [finding('wrong CA', 'pass', 1), finding('wrong CA', 'inconclusive', 2)];
    expect(exitCodeFor({ ...base, findings: flipping, stability: stabilityOf(flipping, 2) })).toBe(1);
    const environmental = flipping.map((entry) => ({ ...entry, environmentDependent: true }));
    expect(exitCodeFor({ ...base, findings: environmental, stability: stabilityOf(environmental, 2) })).toBe(
      0,
    );
  });
});
