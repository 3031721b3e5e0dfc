// The rules files users deploy, checked by Prometheus' own tool: promtool check rules on every shipped and exported
// file; etcd's mixin rendered again from its jsonnet source must equal the committed render; etcd's own promtool
// test file for the mixin (contrib/mixin/test.yaml, unchanged) must pass against it.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  MIXIN_RULES_FILE,
  mixinSourceDir,
  renderMixinAlerts,
  renderMixinDashboardQueries,
} from '../../harness/alerting/mixin.js';
import { metricNamesOf } from '../../harness/alerting/promql.js';
import { checkRules, testRules } from '../../harness/alerting/promtool.js';
import { rulesForPromtool } from '../../harness/alerting/promtool-tests.js';
import { alertNames, rulesOf, rulesToYaml, shippedRulesPath } from '../../harness/alerting/rules.js';
import { resolveJsonnet } from '../../harness/binaries/resolve-jsonnet.js';
import { ETCD_MIXIN_DASHBOARD } from '../../harness/claims/dashboards.js';
import { CLI, runCli } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'etcd-chaos-rules-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('rules files under promtool', () => {
  const { promtool } = inject('binaries');

  it('promtool check rules accepts both shipped files', async () => {
    const outcome = await checkRules(promtool, [shippedRulesPath('guide'), shippedRulesPath('mixin')]);
    expect(outcome.ok, outcome.output).toBe(true);
    expect(outcome.output).toMatch(/etcd-guide\.rules\.yml\s+SUCCESS: 5 rules found/);
    expect(outcome.output).toMatch(/etcd-mixin\.rules\.yml\s+SUCCESS: 15 rules found/);
  });

  it.each([
    [['--set', 'all'], 20],
    [['--set', 'guide', '--etcd-version', '3.5'], 5],
    [['--set', 'mixin', '--time-factor', '20'], 15],
  ])('etcd-chaos alerts export %j | promtool check rules /dev/stdin', (args, rules) => {
    // A shell pipeline, as a user types it: promtool opens /dev/stdin, which must be a pipe (Node gives a child a
    // socket for stdin, which /dev/stdin cannot open).
    const pipeline = `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} alerts export ${args.join(' ')} | ${JSON.stringify(promtool)} check rules /dev/stdin`;
    const check = spawnSync('bash', ['-c', pipeline], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(check.stdout).toContain(`SUCCESS: ${rules} rules found`);
  });

  it('refuses an unknown rule set, quoting it', () => {
    const result = runCli(['alerts', 'export', '--set', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Expected `--set` to be one of guide, mixin, all, got `nope`');
  });
});

describe("etcd's mixin, from its jsonnet source", () => {
  it('renders to exactly the committed alerts/etcd-mixin.rules.yml, and its dashboard to the catalogue facts', async () => {
    const [jsonnet, mixinDir] = await Promise.all([resolveJsonnet(), mixinSourceDir()]);
    const render = await renderMixinAlerts({
      jsonnet: jsonnet.path,
      jsonnetVersion: jsonnet.version,
      mixinDir,
    });
    expect(render.rulesYaml).toBe(readFileSync(shippedRulesPath('mixin'), 'utf8'));
    const queries = await renderMixinDashboardQueries({ jsonnet: jsonnet.path, mixinDir });
    expect(queries.map((variant) => variant.expressions.length)).toEqual([19, 16]);
    const names = [
      ...new Set(queries.flatMap((variant) => variant.expressions.flatMap(metricNamesOf))),
    ].sort();
    expect(names).toEqual([...ETCD_MIXIN_DASHBOARD.metrics].sort());
  });

  it("passes etcd's own contrib/mixin/test.yaml, unchanged, under promtool test rules", async () => {
    const { promtool, mixin } = inject('binaries');
    const mixinDir = await mixinSourceDir();
    const original = readFileSync(join(mixinDir, 'test.yaml'));
    expect(readFileSync(mixin.test)).toEqual(original);
    const dir = join(scratch, 'etcd-mixin-test');
    mkdirSync(join(dir, 'manifests'), { recursive: true });
    copyFileSync(join(mixinDir, 'test.yaml'), join(dir, 'test.yaml'));
    copyFileSync(shippedRulesPath('mixin'), join(dir, 'manifests', MIXIN_RULES_FILE));
    const outcome = await testRules(promtool, join(dir, 'test.yaml'));
    expect(outcome.ok, outcome.output).toBe(true);
    expect(outcome.output).toMatch(/Unit Testing:\s+\S*test\.yaml\s+SUCCESS/);
  });

  it('promtool test rules fails a wrong expectation (the harness reads its verdict, not its exit alone)', async () => {
    const { promtool } = inject('binaries');
    const dir = join(scratch, 'negative');
    mkdirSync(dir, { recursive: true });
    copyFileSync(shippedRulesPath('guide'), join(dir, 'rules.yml'));
    writeFileSync(
      join(dir, 'test.yml'),
      [
        'rule_files: [rules.yml]',
        'evaluation_interval: 30s',
        'tests:',
        '  - interval: 30s',
        '    input_series:',
        '      - series: etcd_server_leader_changes_seen_total{job="etcd",instance="a"}',
        "        values: '1 1 1 1'",
        '    alert_rule_test:',
        '      - eval_time: 1m',
        '        alertname: etcdGuideLeaderChanges',
        '        exp_alerts:',
        '          - exp_labels: {job: etcd, severity: critical, source: etcd-operations-guide}',
        '',
      ].join('\n'),
    );
    const outcome = await testRules(promtool, join(dir, 'test.yml'));
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toMatch(/FAILED/);
  });
});

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alerting');
// Recorded runs are large (every series of every member at every scrape): kept gzipped.
const fixtures = readdirSync(FIXTURES).filter((name) => /\.test\.yml(\.gz)?$/.test(name));
const fixtureText = (name: string) => {
  const bytes = readFileSync(join(FIXTURES, name));
  return (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
};

describe('promtool unit tests from real runs (test/fixtures/alerting)', () => {
  it("with etcd's own test.yaml, cover every shipped alert (firing where a recorded run fired it)", async () => {
    // etcdExcessiveDatabaseGrowth rests on a 4 h window (4 min compressed), longer than a recording: etcd's file
    // tests it.
    const text = [...fixtures.map(fixtureText), readFileSync(inject('binaries').mixin.test, 'utf8')].join(
      '\n',
    );
    const tested = new Set([...text.matchAll(/alertname: (\S+)/g)].map((match) => match[1]));
    const all = alertNames(await rulesOf('all'));
    expect(all.filter((alert) => !tested.has(alert))).toEqual([]);
  });

  it.each(fixtures)('%s passes against the shipped rules, uncompressed', async (name) => {
    const { promtool } = inject('binaries');
    const dir = join(scratch, name.replace(/\W/g, '-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rules.yml'), rulesToYaml(rulesForPromtool(await rulesOf('all'))));
    writeFileSync(join(dir, 'test.yml'), fixtureText(name));
    const outcome = await testRules(promtool, join(dir, 'test.yml'));
    expect(outcome.ok, outcome.output).toBe(true);
    expect(outcome.output).toMatch(/SUCCESS/);
  });
});
