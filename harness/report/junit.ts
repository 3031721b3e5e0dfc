// JUnit XML for CI: one test suite per scenario, one test case per finding (class = scenario, name = claim id);
// failed findings carry expected vs observed and the evidence paths, inconclusive ones are skipped with the reason.
import { create } from 'xmlbuilder2';
import type { RunResult } from '../result/run-result.js';

export function renderJUnit(result: RunResult): string {
  const totals = {
    tests: result.findings.length,
    failures: result.findings.filter((finding) => finding.verdict === 'fail').length,
    skipped: result.findings.filter((finding) => finding.verdict === 'inconclusive').length,
  };
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: `etcd-chaos etcd ${result.target.etcdVersion}`,
    tests: totals.tests,
    failures: totals.failures,
    skipped: totals.skipped,
    errors: result.summary.scenarioErrors,
    time: (result.run.durationMs / 1000).toFixed(3),
  });
  for (const scenario of result.scenarios) {
    const findings = result.findings.filter((finding) => finding.scenario === scenario.id);
    const suite = root.ele('testsuite', {
      name: scenario.id,
      tests: findings.length,
      failures: findings.filter((finding) => finding.verdict === 'fail').length,
      skipped: findings.filter((finding) => finding.verdict === 'inconclusive').length,
      errors: scenario.status === 'error' || scenario.status === 'timeout' ? 1 : 0,
      time: (scenario.durationMs / 1000).toFixed(3),
      timestamp: scenario.startedAt.replace(/\.\d+Z$/, ''),
    });
    const properties = suite.ele('properties');
    for (const [name, value] of [
      ['etcd.version', result.target.etcdVersion],
      ['scenario.title', scenario.title],
      ['scenario.status', scenario.status],
      ['run.id', result.run.id],
    ] as const) {
      properties.ele('property', { name, value });
    }
    const perClaim = new Map<string, number>();
    for (const finding of findings) perClaim.set(finding.claim, (perClaim.get(finding.claim) ?? 0) + 1);
    for (const finding of findings) {
      const name =
        (perClaim.get(finding.claim) ?? 0) > 1 ? `${finding.claim}: ${finding.check}` : finding.claim;
      const testcase = suite.ele('testcase', { classname: scenario.id, name, time: '0' });
      const details = [
        `claim: ${finding.title}`,
        `source: ${finding.source}`,
        `expected: ${finding.expected}`,
        `observed: ${finding.observed}`,
        `why: ${finding.reason}`,
        ...finding.measurements.map((entry) => `measured: ${entry.name} = ${entry.value} ${entry.unit}`),
        ...finding.evidence.map((path) => `evidence: ${path}`),
      ].join('\n');
      if (finding.verdict === 'fail')
        testcase.ele('failure', { message: finding.reason, type: 'claim-does-not-hold' }).txt(details);
      else if (finding.verdict === 'inconclusive') testcase.ele('skipped', { message: finding.reason });
      testcase.ele('system-out').txt(details);
    }
  }
  return root.end({ prettyPrint: true });
}
