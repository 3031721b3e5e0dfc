// The alert record: state changes read from what Prometheus' API answers (a fake API here: pure bookkeeping).
import { afterEach, describe, expect, it } from 'vitest';
import { AlertWatch } from '../../harness/alerting/alert-watch.js';
import type { ActiveAlert, PrometheusApi } from '../../harness/alerting/prometheus-api.js';

/** Answers /api/v1/rules and /api/v1/alerts from a script of alert lists, one per poll. */
function scriptedApi(polls: ActiveAlert[][]): PrometheusApi {
  let index = 0;
  const current = () => polls[Math.min(index, polls.length - 1)] ?? [];
  return {
    rules: async () => {
      const alerts = current();
      const names = ['A', 'B'];
      const data = {
        groups: [
          {
            name: 'g',
            file: 'f',
            interval: 1,
            rules: names.map((name) => ({
              type: 'alerting' as const,
              name,
              query: 'x',
              duration: 0,
              state: 'inactive' as const,
              health: name === 'B' ? 'err' : 'ok',
              lastError: name === 'B' ? 'bad' : '',
              lastEvaluation: '',
              alerts: alerts.filter((alert) => alert.labels.alertname === name),
            })),
          },
        ],
      };
      return { data, body: JSON.stringify({ status: 'success', data }), receivedAt: Date.now() };
    },
    alerts: async () => {
      const data = { alerts: current() };
      index += 1;
      return { data, body: JSON.stringify({ status: 'success', data }), receivedAt: Date.now() };
    },
  } as unknown as PrometheusApi;
}

function alert(name: string, instance: string, state: 'pending' | 'firing', activeAt: string): ActiveAlert {
  return { labels: { alertname: name, instance }, annotations: {}, state, activeAt, value: '1' };
}

const watches: AlertWatch[] = [];
afterEach(async () => {
  for (const watch of watches.splice(0)) await watch.stop();
});

async function pollsAt(watch: AlertWatch, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await watch.poll();
    times.push(Date.now());
  }
  return times;
}

describe('AlertWatch', () => {
  it('records inactive → pending → firing → inactive per instance, with activeAt', async () => {
    const t = '2026-01-01T00:00:00Z';
    const watch = AlertWatch.start(
      scriptedApi([[], [alert('A', 'm1', 'pending', t)], [alert('A', 'm1', 'firing', t)], []]),
      { intervalMs: 60_000 },
    );
    watches.push(watch);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the immediate first poll
    const times = await pollsAt(watch, 3);
    expect(watch.transitionsOf('A').map((entry) => `${entry.from}>${entry.to}`)).toEqual([
      'inactive>pending',
      'pending>firing',
      'firing>inactive',
    ]);
    expect(watch.transitionsOf('A')[0]!.activeAt).toBe(Date.parse(t));
    const window = watch.windowState('A', 0, times[2]! + 1);
    expect(window.state).toBe('firing');
    expect(window.atStart).toBe('inactive');
    expect(window.firedInstances).toEqual([{ instance: 'm1' }]);
    expect(watch.currentState('A')).toBe('inactive');
    expect(watch.ruleHealth().find((entry) => entry.alert === 'B')).toEqual({
      alert: 'B',
      health: 'err',
      lastError: 'bad',
    });
    // Evidence: the responses whenever the set of active alerts changed.
    expect(watch.evidenceJsonl().trim().split('\n').length).toBe(8);
  });

  it('tells a state carried into a window from one that began inside it', async () => {
    const t = '2026-01-01T00:00:00Z';
    const watch = AlertWatch.start(
      scriptedApi([
        [alert('A', 'm1', 'firing', t)],
        [alert('A', 'm1', 'firing', t)],
        [alert('A', 'm1', 'firing', t), alert('A', 'm2', 'pending', t)],
        [alert('A', 'm1', 'firing', t), alert('A', 'm2', 'firing', t)],
      ]),
      { intervalMs: 60_000 },
    );
    watches.push(watch);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const times = await pollsAt(watch, 3);
    const window = watch.windowState('A', times[0]! + 1, times[2]! + 1);
    expect(window.atStart).toBe('firing');
    expect(window.carriedFiring).toEqual([{ instance: 'm1' }]);
    expect(window.firedInstances).toEqual([{ instance: 'm2' }]);
    expect(window.firingAt).toBeGreaterThan(times[0]!);
    const steps = watch.stateSteps('A', times[0]! + 1, times[2]! + 1);
    expect(steps[0]!.value).toBe(2);
    expect(steps.at(-1)!.value).toBe(2);
  });

  it('waits until a condition holds after a poll, or gives up at the timeout', async () => {
    const t = '2026-01-01T00:00:00Z';
    const watch = AlertWatch.start(scriptedApi([[], [], [alert('A', 'm1', 'firing', t)]]), {
      intervalMs: 10,
    });
    watches.push(watch);
    expect(await watch.waitUntil(() => watch.currentState('A') === 'firing', 5_000)).toBe(true);
    expect(await watch.waitUntil(() => watch.currentState('B') === 'firing', 50)).toBe(false);
  });
});
