import { describe, expect, it } from 'vitest';
import {
  expandingNotation,
  promtoolTestFile,
  rulesForPromtool,
} from '../../harness/alerting/promtool-tests.js';
import { readShippedRules } from '../../harness/alerting/rules.js';

describe("promtool's expanding notation for recorded series", () => {
  it('folds constant steps, keeps irregular values, marks a series stale when it stops', () => {
    expect(expandingNotation([1, 2, 3, 4])).toBe('1+1x3');
    expect(expandingNotation([5, 5, 5])).toBe('5+0x2');
    expect(expandingNotation([1, 3, 4])).toBe('1+2x1 4');
    expect(expandingNotation([7, null, null, null, 9])).toBe('7 stale _x2 9');
    expect(expandingNotation([null, null, 1])).toBe('_x2 1');
    expect(expandingNotation([10, 8, 6])).toBe('10-2x2');
    expect(expandingNotation([0.1, 0.2])).toBe('0.1+0.1x1');
  });
});

describe('promtool test files from a run', () => {
  it('replays at the production interval and expects what Prometheus reported', () => {
    const text = promtoolTestFile({
      rulesFile: 'rules.yml',
      window: {
        fromMs: 0,
        stepMs: 1500,
        steps: 3,
        series: [{ labels: { __name__: 'up', job: 'etcd', instance: 'a:1' }, values: [1, 1, 0] }],
      },
      productionStepMs: 30_000,
      checkpoints: [
        { step: 2, alert: 'X', firing: [{ instance: 'a:1', job: 'etcd' }] },
        { step: 0, alert: 'X', firing: [] },
      ],
      comment: ['from a test'],
    });
    expect(text).toContain('# from a test');
    expect(text).toContain('interval: 30s');
    expect(text).toContain('series: up{instance="a:1",job="etcd"}');
    expect(text).toContain('values: 1+0x1 0');
    expect(text).toMatch(/eval_time: 1m\n\s+alertname: X\n\s+exp_alerts:\n\s+- exp_labels:/);
    expect(text).toMatch(/eval_time: 1ms\n\s+alertname: X\n\s+exp_alerts: \[\]/);
  });

  it('tests the shipped rules without their annotations, everything else as written', async () => {
    const guide = await readShippedRules('guide');
    const stripped = rulesForPromtool(guide);
    const rules = stripped.groups[0]!.rules as readonly { expr: string; annotations?: unknown }[];
    expect(rules.every((rule) => rule.annotations === undefined)).toBe(true);
    expect(rules.map((rule) => rule.expr)).toEqual(guide.groups[0]!.rules.map((rule) => rule.expr));
  });
});
