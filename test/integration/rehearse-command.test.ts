// `etcd-chaos rehearse-upgrade` as an operator runs it: a 3.6 → 3.7 rehearsal with their flags, written in every
// report format (schema-valid result.json with per-step availability and versions over time, JUnit, Markdown, HTML);
// bad input is refused with exit 2 before anything starts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJUnit } from 'junit2json';
import { afterAll, describe, expect, it } from 'vitest';
import { resultSchemaErrors } from '../../harness/report/schema.js';
import { runCli } from '../helpers/cli.js';

const reportDir = mkdtempSync(join(tmpdir(), 'etcd-chaos-rehearse-it-'));
afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

describe('etcd-chaos rehearse-upgrade', () => {
  it('rehearses 3.6 → 3.7 with a kill mid-way and writes every report', async () => {
    const result = runCli([
      'rehearse-upgrade',
      '--from=3.6',
      '--to=3.7',
      '--flag=snapshot-count=5000',
      '--seed-keys=300',
      '--fault=kill',
      '--no-skip-check',
      `--report-dir=${reportDir}`,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      reports: { html: string; junit: string; markdown: string };
    };
    const document = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8'));
    expect(resultSchemaErrors(document)).toEqual([]);
    expect(document.target).toMatchObject({ etcdVersion: '3.7.3', requestedVersion: 'upgrade 3.6 → 3.7' });
    expect(document.target.flags).toEqual({ 'snapshot-count': '5000' });
    const verdicts = Object.fromEntries(
      document.findings.map((finding: { check: string; verdict: string }) => [
        finding.check,
        finding.verdict,
      ]),
    );
    expect(verdicts).toMatchObject({
      'documented preconditions before the upgrade': 'pass',
      'rolling upgrade 3.6.16 → 3.7.3 keeps quorum and every acknowledged write': 'pass',
      'the cluster version moves only when every member runs the new version': 'pass',
      'a 3.6.16 snapshot restores with etcdutl 3.7.3': 'pass',
    });
    const tables = document.scenarios[0].tables.map((table: { name: string }) => table.name);
    expect(tables).toEqual([
      'upgrade 3.6.16 → 3.7.3: availability per step',
      'upgrade 3.6.16 → 3.7.3: versions over time',
    ]);
    expect(document.faultWindows.map((window: { fault: string }) => window.fault)).toEqual(['kill']);
    expect(readFileSync(summary.reports.markdown, 'utf8')).toMatch(/availability per step/);
    expect(readFileSync(summary.reports.html, 'utf8')).toMatch(/members running 3\.7\.3/);
    const junit = (await parseJUnit(readFileSync(summary.reports.junit, 'utf8'))) as {
      tests: number;
      failures: number;
    };
    expect(junit.failures).toBe(0);
    expect(existsSync(summary.reports.html)).toBe(true);
  }, 120_000);

  it.each([
    [['--from=3.6', '--to=3.6'], /both 3\.6\.16: nothing to rehearse/],
    [['--from=3.6', '--to=3.5'], /older than `--to` for an upgrade[\s\S]*add --downgrade/],
    [['--from=3.5', '--to=3.6', '--downgrade'], /newer than `--to` for a downgrade/],
    [['--from=3.9', '--to=3.6'], /Unknown etcd version `3\.9`/],
    [['--from=3.5.30', '--to=3.6'], /Expected `--from` to be a known release, got `3\.5\.30`/],
    [
      ['--from=3.5', '--to=3.6', '--fault=meteor'],
      /Expected `--fault` to be one of none, jitter, kill, got `meteor`/,
    ],
    [['--from=3.5', '--to=3.6', '--seed-keys=many'], /--seed-keys/],
  ])('refuses %j with exit 2', (args, message) => {
    const result = runCli(['rehearse-upgrade', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
