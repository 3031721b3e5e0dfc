// The SVG chart primitives: axis ticks, a value axis that holds every value, and lines broken at missing data.
import { describe, expect, it } from 'vitest';
import { niceTicks, timeChart } from '../../harness/report/svg.js';

describe('niceTicks', () => {
  it('labels inside the range for a fixed axis, and covers the maximum for a value axis', () => {
    expect(niceTicks(0, 1365)).toEqual([0, 500, 1000]);
    expect(niceTicks(0, 1365, 5, true)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0, 1000, 5, true)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0, 12.5, 8)).toEqual([0, 2, 4, 6, 8, 10, 12]);
  });
});

describe('timeChart', () => {
  const chart = timeChart({
    title: 'put latency',
    unit: 'ms',
    lines: [
      {
        label: 'p99',
        points: [
          { at: 0, value: 10 },
          { at: 250, value: 12 },
          { at: 500, value: null },
          { at: 2_000, value: 1_300 },
          { at: 2_250, value: 11 },
        ],
      },
    ],
  });

  it('scales the value axis to the largest value (no line leaves the plot)', () => {
    const labels = [...chart.matchAll(/class="axis-label"[^>]*text-anchor="end">([^<]+)</g)].map((m) => m[1]);
    expect(labels.at(-1)).toBe('1500');
    const ys = [...chart.matchAll(/\spoints="([^"]+)"/g)].flatMap((m) =>
      m[1]!.split(' ').map((pair) => Number(pair.split(',')[1])),
    );
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(28); // the plot's top margin
  });

  it('breaks the line at a null point instead of drawing across the gap', () => {
    expect(chart.match(/<polyline class="series"[^>]*data-points="2"/g)).toHaveLength(2);
  });
});
