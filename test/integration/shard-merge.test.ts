// A matrix split into shards and merged again, through the CLI as CI runs it: `run --shard 1/3`, `2/3`, `3/3` of
// `--etcd-version 3.5,3.6` over a real scenario (metrics-exposed, whose claim fails on every release) and a user
// scenario whose verdict depends on the release, then `report merge`: the same claims, checks and verdicts as the
// unsharded run, the same exit code, every shard's evidence in the merged bundle. An empty shard exits 0 at once.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../harness/result/format.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'etcd-chaos-shard-test-'));
const scenarios = join(work, 'scenarios');

const SCENARIO = `
export default {
  id: 'by-release',
  title: 'a verdict that depends on the release',
  claims: ['shardtest.by-release'],
  ownClaims: [{ id: 'shardtest.by-release', title: 'holds on 3.6 only', source: 'etcd-chaos shard test' }],
  params: {},
  async run(ctx) {
    const version = ctx.target.version.toString();
    ctx.report({
      claim: 'shardtest.by-release',
      check: 'release line',
      verdict: version.startsWith('3.6.') ? 'pass' : 'fail',
      reason: 'the test scenario passes on 3.6 only',
      expected: '3.6',
      observed: version + ' on ' + ctx.target.backend,
    });
  },
};
`;

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** What "the same verdicts" means: every finding's verdict by scenario, cell, claim and check. */
function verdicts(result: RunResult): Record<string, string> {
  return Object.fromEntries(
    result.findings.map((finding) => [
      `${finding.scenario} ${finding.target?.version}/${finding.target?.backend} ${finding.claim}: ${finding.check}`,
      finding.verdict,
    ]),
  );
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('run --shard I/N and report merge', () => {
  it('merged shards give the unsharded run’s claims, verdicts and exit code', () => {
    mkdirSync(scenarios, { recursive: true });
    writeFileSync(join(scenarios, 'by-release.mjs'), SCENARIO);
    const selection = [
      'run',
      'metrics-exposed',
      'by-release',
      '--scenario-dir',
      scenarios,
      '--etcd-version',
      '3.5,3.6',
    ];
    const whole = runCli([...selection, '--report-dir', join(work, 'whole'), '--json']);
    expect(whole.code, whole.stderr).toBe(1); // metrics.exposed fails everywhere, by-release on 3.5
    const shards = [1, 2, 3].map((index) => {
      const dir = join(work, `shard-${index}`);
      const shard = runCli([...selection, '--shard', `${index}/3`, '--report-dir', dir, '--json']);
      expect([0, 1], shard.stderr).toContain(shard.code);
      return dir;
    });
    // Four units (2 scenarios × 2 releases) dealt round-robin: 2, 1 and 1.
    expect(shards.map((dir) => readResult(dir).scenarios.length)).toEqual([2, 1, 1]);
    const merged = runCli(['report', 'merge', ...shards, '--report-dir', join(work, 'merged'), '--json']);
    expect(merged.code, merged.stderr).toBe(1);

    const expected = readResult(join(work, 'whole'));
    const actual = readResult(join(work, 'merged'));
    expect(Object.keys(verdicts(expected))).toHaveLength(expected.findings.length);
    expect(verdicts(actual)).toEqual(verdicts(expected));
    expect(actual.claims.map((claim) => [claim.id, claim.verdict]).sort()).toEqual(
      expected.claims.map((claim) => [claim.id, claim.verdict]).sort(),
    );
    expect(actual.summary.exitCode).toBe(expected.summary.exitCode);
    expect(actual.run.matrix?.targets.map((target) => target.version.slice(0, 3))).toEqual(['3.5', '3.6']);
    expect(actual.run.matrix?.mergedFrom?.map((entry) => entry.shard)).toEqual(['1/3', '2/3', '3/3']);
    // Each cell's evidence is under its own dir, and all of it came along.
    for (const finding of actual.findings)
      for (const path of finding.evidence) {
        expect(path).toMatch(/^evidence\/3\.[56]\.\d+-process\//);
        expect(existsSync(join(work, 'merged', path)), path).toBe(true);
      }
    expect(readFileSync(join(work, 'merged', 'report.md'), 'utf8')).toMatch(/\[etcd 3\.5\.\d+ \(process\)\]/);
  });

  it('an empty shard writes a valid result with no findings and exits 0 without starting anything', () => {
    const startedAt = Date.now();
    const empty = runCli(['run', 'metrics-exposed', '--shard', '2/2', '--report-dir', join(work, 'empty')]);
    expect(empty.code, empty.stderr).toBe(0);
    const result = readResult(join(work, 'empty'));
    expect(result.findings).toEqual([]);
    expect(result.complete).toBe(true);
    expect(result.run.matrix?.shard).toEqual({ index: 2, count: 2 });
    // Measured 2.3 s on a loaded 2-core host (Node start, option checks, the reports): no binary, session or cluster.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
  });

  it('refuses a shard that does not exist and a merge of shards that do not belong together', () => {
    const bad = runCli(['run', 'metrics-exposed', '--shard', '4/3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--shard.*I from 1 to N, got `4\/3`/);
    const partial = runCli([
      'report',
      'merge',
      join(work, 'shard-1'),
      join(work, 'shard-2'),
      '--report-dir',
      join(work, 'partial'),
    ]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/Shard 3\/3 missing/);
    const scale = runCli(['run', 'metrics-exposed', '--scale', 'nope']);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toMatch(/--scale.*got `nope`/);
  });
});
