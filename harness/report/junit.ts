// JUnit XML for CI: one test suite per scenario, one test case per finding (class = scenario, name = claim id);
// failed findings carry expected vs observed and the evidence paths, inconclusive ones are skipped with the reason.
import { create } from 'xmlbuilder2';
import type { RunResult } from '../result/format.js';
import { describeStability, findingsOf, isMatrix, runCaveat, scenarioLabel, targetLabel } from './model.js';
import { describeOverrides } from './setup-section.js';

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
  const caveat = runCaveat(result);
  const manifest = result.target.manifest;
  const runProperties = [
    ...(caveat ? [['run.caveat', caveat]] : []),
    ...(manifest
      ? [
          ['setup.manifest', manifest.path ?? ''],
          ['setup.etcd', `${manifest.etcdVersion} (${manifest.versionSource})`],
          ...manifest.warnings.map((warning) => ['setup.warning', warning]),
          ...manifest.flags.map((entry) => [
            `setup.flag.${entry.name}`,
            `${entry.disposition}: ${entry.value}${entry.as ? ` → ${entry.as}` : ''}`,
          ]),
          ...manifest.dropped.map((entry) => [
            `setup.dropped.${entry.flag}`,
            `${entry.value}: ${entry.reason}`,
          ]),
        ]
      : []),
  ];
  if (runProperties.length > 0) {
    const properties = root.ele('properties');
    for (const [name, value] of runProperties) properties.ele('property', { name, value });
  }
  for (const scenario of result.scenarios) {
    const findings = findingsOf(result, scenario);
    const suite = root.ele('testsuite', {
      name: scenarioLabel(result, scenario),
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
      ['run.repetition', String(scenario.repetition)],
      ...(scenario.flagOverrides ?? []).map(
        (entry) => [`flag.override.${entry.flag}`, `${entry.used} (yours: ${entry.yours})`] as const,
      ),
      ...(scenario.target
        ? ([
            ['target.version', scenario.target.version],
            ['target.backend', scenario.target.backend],
          ] as const)
        : []),
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
        ...(finding.flagOverrides ? [`flags: ${describeOverrides(finding.flagOverrides)}`] : []),
        ...finding.measurements.map((entry) => `measured: ${entry.name} = ${entry.value} ${entry.unit}`),
        ...finding.evidence.map((path) => `evidence: ${path}`),
      ].join('\n');
      if (finding.verdict === 'fail')
        testcase.ele('failure', { message: finding.reason, type: 'claim-does-not-hold' }).txt(details);
      else if (finding.verdict === 'inconclusive')
        testcase.ele('skipped', { message: finding.notRun ? `NOT RUN: ${finding.reason}` : finding.reason });
      testcase.ele('system-out').txt(details);
    }
  }
  if (result.run.repeat > 1) {
    // One case per check: a flip fails it (unless the check measures this host on purpose), as it fails the run.
    const flipped = result.stability.filter((row) => row.flipped && !row.environmentDependent);
    const suite = root.ele('testsuite', {
      name: `stability over ${result.run.repeat} repetitions`,
      tests: result.stability.length,
      failures: flipped.length,
      skipped: 0,
      errors: 0,
      time: '0',
    });
    for (const row of result.stability) {
      const testcase = suite.ele('testcase', {
        classname: `stability.${row.scenario}`,
        name: `${row.claim}: ${row.check}${isMatrix(result) && row.target ? ` [${targetLabel(row.target)}]` : ''}`,
        time: '0',
      });
      const line = describeStability(row, result.run.repeat);
      if (row.flipped && !row.environmentDependent)
        testcase.ele('failure', { message: `verdict flipped: ${line}`, type: 'unstable-verdict' }).txt(line);
      testcase
        .ele('system-out')
        .txt(`${line}${row.environmentDependent ? ' (environment-dependent: measures this host)' : ''}`);
    }
  }
  return root.end({ prettyPrint: true });
}
