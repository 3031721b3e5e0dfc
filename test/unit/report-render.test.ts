import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJUnit } from 'junit2json';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { writeBundle } from '../../harness/report/bundle.js';
import { renderHtml } from '../../harness/report/html.js';
import { renderJUnit } from '../../harness/report/junit.js';
import { renderMarkdown } from '../../harness/report/markdown.js';
import { renderReports } from '../../harness/report/render.js';
import { parseRunResult, resultSchemaErrors } from '../../harness/report/schema.js';
import { fixtureResult } from '../fixtures/run-result.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-chaos-report-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env.GITHUB_STEP_SUMMARY;
});

describe('result.json schema', () => {
  it('accepts a complete result', () => {
    expect(resultSchemaErrors(JSON.parse(JSON.stringify(fixtureResult())))).toEqual([]);
  });

  it('names what is wrong with a malformed one', () => {
    const broken = JSON.parse(JSON.stringify(fixtureResult()));
    broken.findings[0].verdict = 'maybe';
    delete broken.summary;
    broken.findings[1].evidence = ['/etc/passwd'];
    const errors = resultSchemaErrors(broken);
    expect(errors.join('\n')).toMatch(/\/findings\/0\/verdict must be equal to one of the allowed values/);
    expect(errors.join('\n')).toMatch(/must have required property 'summary'/);
    expect(errors.join('\n')).toMatch(/\/findings\/1\/evidence\/0 must match pattern/);
    expect(() => parseRunResult(JSON.stringify(broken), 'x/result.json')).toThrow(
      /does not match the result schema/,
    );
  });

  it('refuses other schema versions and non-JSON', () => {
    for (const version of [1, 3])
      expect(() =>
        parseRunResult(JSON.stringify({ ...fixtureResult(), schemaVersion: version }), 'r.json'),
      ).toThrow(new RegExp(`schemaVersion ${version}`));
    expect(() => parseRunResult('{ nope', 'r.json')).toThrow(/not JSON/);
  });
});

describe('JUnit XML', () => {
  it('has one test case per finding, a failure with expected and observed, and skipped inconclusive ones', async () => {
    const parsed = (await parseJUnit(renderJUnit(fixtureResult()))) as {
      tests: number;
      failures: number;
      testsuite: {
        name: string;
        testcase: {
          classname: string;
          name: string;
          failure?: { message: string; inner: string }[];
          skipped?: { message: string }[];
        }[];
      }[];
    };
    expect(parsed.tests).toBe(4);
    expect(parsed.failures).toBe(1);
    const cases = parsed.testsuite.flatMap((suite) => suite.testcase ?? []);
    expect(cases).toHaveLength(4);
    const failing = cases.find((testcase) => testcase.failure);
    expect(failing?.classname).toBe('metrics-exposed');
    expect(failing?.name).toBe('metrics.exposed: etcd_disk_writes_total'); // two findings for the claim: the check names it
    expect(failing?.failure?.[0]?.message).toMatch(/never had <one>/);
    expect(failing?.failure?.[0]?.inner).toMatch(
      /expected: etcd_disk_writes_total is served[\s\S]*observed: absent on m1, m2, m3[\s\S]*evidence: evidence\/metrics-exposed\/metrics-m1\.txt/,
    );
    const skipped = cases.find((testcase) => testcase.skipped);
    expect(skipped?.name).toBe('restore.bump-revision');
    expect(cases.find((testcase) => testcase.classname === 'tuning')?.name).toBe('tuning.churn');
  });
});

describe('Markdown summary', () => {
  it('puts failed and inconclusive findings first, then every claim and the tuning table', () => {
    const markdown = renderMarkdown(fixtureResult());
    expect(markdown).toMatch(/^# etcd-chaos: etcd 3\.6\.16 — ✅ 1 pass · ❌ 1 fail · ⚠️ 1 inconclusive/);
    const failed = markdown.indexOf('## Failed and inconclusive');
    expect(failed).toBeGreaterThan(0);
    expect(markdown.indexOf('FAIL')).toBeLessThan(markdown.indexOf('INCONCLUSIVE'));
    expect(failed).toBeLessThan(markdown.indexOf('## Claims'));
    expect(markdown).toMatch(/\| etcd defaults \| 15 \| 1\.4 \| 1965 \|/);
    expect(markdown).toMatch(/\| guide-tuned \| 0 \| 4\.8 \| n\/a \|/);
  });

  it('is appended to $GITHUB_STEP_SUMMARY when set', async () => {
    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, 'before\n');
    process.env.GITHUB_STEP_SUMMARY = summary;
    await renderReports(fixtureResult(), dir, { bundle: false });
    expect(readFileSync(summary, 'utf8')).toMatch(/^before\n# etcd-chaos: etcd 3\.6\.16/);
  });
});

describe('HTML report', () => {
  const html = renderHtml(fixtureResult());

  it('is self-contained: no scripts, stylesheets or images fetched from anywhere', () => {
    expect(html).not.toMatch(/<script[^>]*src=|<link[^>]*href=|<img[^>]*src=|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('draws the series with fault windows, leader changes and thresholds, and the tuning chart', () => {
    expect(html).toMatch(/<polyline class="series"[^>]*data-points="60"/);
    expect(html).toMatch(/class="fault-window"/);
    expect(html).toMatch(/class="fault-lane"/);
    expect(html).toMatch(/class="marker"[\s\S]*?→ m2/);
    expect(html).toMatch(/class="threshold"[\s\S]*?quota/);
    expect((html.match(/class="bar"/g) ?? []).length).toBe(6);
  });

  it('escapes text from findings', () => {
    expect(html).toContain('never had &lt;one&gt;');
    expect(html).not.toContain('never had <one>');
  });
});

describe('bundle', () => {
  it('holds the report and evidence but never private keys', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'evidence', 'tls-mismatch', 'tls'), { recursive: true });
    writeFileSync(join(dir, 'result.json'), '{}');
    writeFileSync(join(dir, 'evidence', 'tls-mismatch', 'commands.log'), 'etcdctl ...');
    writeFileSync(join(dir, 'evidence', 'tls-mismatch', 'client.key'), 'PRIVATE');
    writeFileSync(join(dir, 'evidence', 'tls-mismatch', 'tls', 'ca.crt'), 'CERT');
    const bundle = await writeBundle(dir, 'run-1');
    expect(bundle).toMatch(/etcd-chaos-run-1\.tar\.gz$/);
    const entries: string[] = [];
    await tar.t({ file: bundle, onReadEntry: (entry) => entries.push(entry.path) });
    expect(entries).toContain('result.json');
    expect(entries).toContain('evidence/tls-mismatch/commands.log');
    expect(entries.some((entry) => entry.endsWith('.key'))).toBe(false);
    expect(entries).toContain('evidence/tls-mismatch/tls/ca.crt'); // certificates are public
  });
});

describe('accepted deviations', () => {
  it('keep a failure in the result but not in the exit code', async () => {
    const { exitCodeFor } = await import('../../harness/result/run-result.js');
    const findings = fixtureResult().findings;
    const judge = (scenarioErrors: number, strict: boolean, accepted: string[] = []) =>
      exitCodeFor({ findings, stability: [], scenarioErrors, strict, accepted });
    expect(judge(0, false)).toBe(1);
    expect(judge(0, false, ['metrics.exposed'])).toBe(0);
    expect(judge(0, false, ['metrics.exposed:etcd_disk_writes_total'])).toBe(0);
    expect(judge(0, false, ['metrics.exposed:some other check'])).toBe(1);
    expect(judge(0, true, ['metrics.exposed'])).toBe(1); // strict: the inconclusive one still counts
    expect(judge(1, false, ['metrics.exposed'])).toBe(2);
  });
});
