// Reports from a real run: the schema accepts result.json, `etcd-chaos report` re-renders it, JUnit parses, and the
// HTML renders in headless Chromium with its charts and without a single network request.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJUnit } from 'junit2json';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { resultSchemaErrors } from '../../harness/report/schema.js';
import { runCli } from '../helpers/cli.js';

const reportDir = mkdtempSync(join(tmpdir(), 'etcd-chaos-report-it-'));
let summary: {
  resultPath: string;
  summary: { exitCode: number };
  reports: { html: string; junit: string; markdown: string; bundle: string };
};

beforeAll(() => {
  const result = runCli(['run', 'backup-restore', '--report-dir', reportDir, '--json']);
  expect(result.code, result.stderr).toBe(0);
  summary = JSON.parse(result.stdout.trim().split('\n').pop()!);
});

afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

describe('reports of a real run', () => {
  it('writes result.json that the published schema accepts, and every format next to it', async () => {
    const result = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8'));
    expect(resultSchemaErrors(result)).toEqual([]);
    expect(result.findings.map((finding: { claim: string }) => finding.claim).sort()).toEqual(
      [
        'backup.snapshot-status',
        'restore.complete',
        'restore.loses-after-snapshot',
        'restore.refuses-existing-dir',
      ].sort(),
    );
    for (const file of [
      summary.reports.html,
      summary.reports.markdown,
      summary.reports.junit,
      summary.reports.bundle,
    ]) {
      expect(existsSync(file), file).toBe(true);
    }
    const junit = (await parseJUnit(readFileSync(summary.reports.junit, 'utf8'))) as {
      tests: number;
      failures: number;
    };
    expect(junit.tests).toBe(4);
    expect(junit.failures).toBe(0);
  });

  it('re-renders every format from result.json alone, and refuses a broken one', () => {
    rmSync(join(reportDir, 'report.html'));
    const rerun = runCli(['report', reportDir]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(existsSync(join(reportDir, 'report.html'))).toBe(true);

    const broken = mkdtempSync(join(tmpdir(), 'etcd-chaos-report-broken-'));
    try {
      writeFileSync(join(broken, 'result.json'), JSON.stringify({ schemaVersion: 2, findings: 'none' }));
      const refused = runCli(['report', broken]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/does not match the result schema/);
      expect(runCli(['report', join(broken, 'nowhere')]).stderr).toMatch(/No result\.json in/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('renders in headless Chromium with charts and no network request', async () => {
    const browserPath = inject('chromium').path;
    if (!browserPath) {
      console.warn(`skipped: ${inject('chromium').reason}`);
      return;
    }
    const browser = await chromium.launch({
      executablePath: browserPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(`file://${summary.reports.html}`);
      const screenshot = join(reportDir, 'screenshot.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(readFileSync(screenshot).length).toBeGreaterThan(10_000);
      const pointsPerLine = await page.$$eval('svg polyline.series', (lines) =>
        lines.map((line) => Number(line.getAttribute('data-points'))),
      );
      expect(pointsPerLine.length).toBeGreaterThan(0);
      expect(Math.max(...pointsPerLine)).toBeGreaterThan(1);
      expect(await page.locator('.badge.pass').count()).toBeGreaterThanOrEqual(4);
      expect(requests).toEqual([`file://${summary.reports.html}`]);
    } finally {
      await browser.close();
    }
  });
});
