// `etcd-chaos run` as users meet it: their own scenario files, selection by claim, bad input, exit codes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'etcd-chaos-run-cmd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const USER_SCENARIO = `
export default {
  id: 'put-survives-restart',
  title: 'A put survives a graceful restart of every member',
  claims: ['quorum.one-loss'],
  params: { rounds: { type: 'number', default: 3, min: 1, description: 'restarts' } },
  intensities: { quick: { rounds: 1 } },
  async run(ctx) {
    const cluster = await ctx.startCluster(ctx.clusterSpec());
    await cluster.client().put('/k').value('v');
    for (let round = 0; round < ctx.params.rounds; round++) {
      for (const member of cluster.members) {
        ctx.step('restarting ' + member.name);
        await member.restart();
        await cluster.waitHealthy();
      }
    }
    const value = await cluster.client().get('/k').string();
    ctx.report({ claim: 'quorum.one-loss', check: 'value after rolling restarts', verdict: value === 'v' ? 'pass' : 'fail',
      reason: value === 'v' ? 'kept' : 'lost', expected: 'v', observed: String(value) });
  },
};
`;

describe('user scenarios', () => {
  it('runs a scenario file dropped into --scenario-dir (no import needed), with --param overrides', () => {
    const dir = join(work, 'mine');
    const reportDir = join(work, 'report-mine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'put-survives-restart.mjs'), USER_SCENARIO);
    const result = runCli([
      'run',
      'put-survives-restart',
      '--scenario-dir',
      dir,
      '--param',
      'put-survives-restart.rounds=2',
      '--report-dir',
      reportDir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8'));
    expect(report.run.suite).toBe('custom');
    expect(report.scenarios[0]).toMatchObject({
      id: 'put-survives-restart',
      params: { rounds: 2 },
      status: 'completed',
    });
    expect(report.findings[0]).toMatchObject({
      claim: 'quorum.one-loss',
      verdict: 'pass',
      check: 'value after rolling restarts',
    });
    expect(result.stderr).toMatch(/restarting m3/);
    expect(runCli(['list', '--scenario-dir', dir]).stdout).toMatch(/put-survives-restart/);
  });

  it('refuses a malformed scenario file with what is wrong', () => {
    const dir = join(work, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.mjs'), "export default { id: 'Bad Id', claims: ['made.up'], run: 42 };");
    const result = runCli(['run', '--scenario-dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /malformed: id must be kebab-case, got `Bad Id`; title must be a non-empty string; unknown claim `made\.up`.*; run must be a function/,
    );
  });
});

describe('run: selection and bad input', () => {
  it.each([
    [['run', 'no-such-scenario'], /Unknown scenario or claim `no-such-scenario`/],
    [['run', '--suite', 'medium'], /Expected `--suite` to be quick or full, got `medium`/],
    [['run', 'quorum', '--param', 'quorum'], /Expected `--param` as scenario\.name=value, got `quorum`/],
    [['run', 'quorum', '--param', 'tuning.spikes=1'], /names scenario `tuning`, which is not selected/],
    [['run', 'quorum', '--param', 'quorum.nope=1'], /`scenario quorum` has no parameter `nope`/],
    [['run', '--accept', 'not.a-claim'], /Expected `--accept` to name a claim/],
    [['run', '--etcd-version', '2.0'], /Unknown etcd version `2\.0`/],
    [['run', '--scenario-dir', '/no/such/dir'], /Cannot read --scenario-dir `\/no\/such\/dir`/],
  ])('%j', (args, message) => {
    const result = runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('selects scenarios by claim id, and --accept keeps a known failure out of the exit code', () => {
    const reportDir = join(work, 'report-metrics');
    const failing = runCli(['run', 'metrics.exposed', '--report-dir', reportDir]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/FAIL\s+metrics\.exposed/);
    const accepted = runCli([
      'run',
      'metrics.exposed',
      '--accept',
      'metrics.exposed',
      '--report-dir',
      reportDir,
      '--json',
    ]);
    expect(accepted.code).toBe(0);
    const summary = JSON.parse(accepted.stdout.trim().split('\n').pop()!).summary;
    expect(summary.acceptedFailures).toBeGreaterThan(0);
    expect(summary.claims.fail).toBe(1); // still reported as failing
  });
});
