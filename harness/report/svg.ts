// Small SVG charts for the HTML report, as strings (no DOM, no network): a time chart with shaded fault windows,
// leader-change markers and threshold lines, and a grouped bar chart. Escapes every text it embeds.

export interface TimeSeriesLine {
  readonly label: string;
  readonly points: readonly { readonly at: number; readonly value: number | null }[];
}

export interface TimeWindow {
  readonly from: number;
  readonly to: number;
  readonly label: string;
  /** Windows of the same lane (e.g. the fault's name) share a row under the plot. */
  readonly lane: string;
}

export interface TimeMarker {
  readonly at: number;
  readonly label: string;
}

export interface TimeChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly lines: readonly TimeSeriesLine[];
  readonly windows?: readonly TimeWindow[];
  readonly markers?: readonly TimeMarker[];
  readonly thresholds?: readonly { readonly label: string; readonly value: number }[];
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2'];
const MARGIN = { top: 28, right: 16, bottom: 34, left: 92 };
/** Height of the line a grouped bar chart's legend takes under its title. */
const LEGEND_LINE = 18;
const BAR_LABEL_ROOM = 14;

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char,
  );
}

/**
 * "Nice" ticks (1, 2, 5 × 10^k steps) inside [min, max], for labelling an axis whose ends are fixed (time); with
 * `cover`, the last tick is the first one at or above `max`, for a value axis that must hold every value.
 */
export function niceTicks(min: number, max: number, count = 5, cover = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) max = min + 1;
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const last = cover ? Math.ceil(max / step - 1e-9) * step : max;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= last + step * 1e-9; tick += step)
    ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'bytes') {
    if (Math.abs(value) >= 1048576) return `${(value / 1048576).toFixed(value >= 10 * 1048576 ? 0 : 1)} MiB`;
    if (Math.abs(value) >= 1024) return `${(value / 1024).toFixed(0)} KiB`;
    return `${value} B`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 1 : 0);
}

export function timeChart(spec: TimeChartSpec): string {
  const width = spec.width ?? 860;
  const lanes = [...new Set((spec.windows ?? []).map((window) => window.lane))];
  const laneHeight = 11;
  const height = (spec.height ?? 240) + lanes.length * laneHeight;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom - lanes.length * laneHeight;
  const points = spec.lines.flatMap((line) =>
    line.points.filter((point) => point.value !== null && Number.isFinite(point.value)),
  );
  const times = [
    ...points.map((point) => point.at),
    ...(spec.windows ?? []).flatMap((window) => [window.from, window.to]),
    ...(spec.markers ?? []).map((marker) => marker.at),
  ].filter(Number.isFinite);
  if (points.length === 0 || times.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="60" role="img" aria-label="${escapeXml(spec.title)}: no data"><text x="8" y="34" class="chart-empty">${escapeXml(spec.title)}: no data</text></svg>`;
  }
  const start = Math.min(...times);
  const end = Math.max(...times, start + 1);
  const values = [
    ...points.map((point) => point.value as number),
    ...(spec.thresholds ?? []).map((threshold) => threshold.value),
  ];
  const yTicks = niceTicks(0, Math.max(...values, 0) * 1.05 || 1, 5, true);
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const x = (at: number) => MARGIN.left + ((at - start) / (end - start)) * plotWidth;
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="16" class="chart-title">${escapeXml(spec.title)}</text>`);
  // Short windows are shaded over the plot; every window also gets a bar in its lane under the plot, so long ones
  // (a jitter toxic for the whole run) do not wash the chart out.
  for (const window of spec.windows ?? []) {
    const left = x(window.from);
    const right = Math.max(left + 1, x(window.to));
    if (window.to - window.from < (end - start) * 0.5) {
      parts.push(
        `<rect class="fault-window" x="${left.toFixed(1)}" y="${MARGIN.top}" width="${(right - left).toFixed(1)}" height="${plotHeight}"><title>${escapeXml(window.label)}</title></rect>`,
      );
    }
    const laneTop = MARGIN.top + plotHeight + 4 + lanes.indexOf(window.lane) * laneHeight;
    parts.push(
      `<rect class="fault-lane" x="${left.toFixed(1)}" y="${laneTop}" width="${(right - left).toFixed(1)}" height="${laneHeight - 3}"><title>${escapeXml(window.label)}</title></rect>`,
    );
  }
  lanes.forEach((lane, index) => {
    const laneTop = MARGIN.top + plotHeight + 4 + index * laneHeight;
    parts.push(
      `<text class="lane-label" x="${MARGIN.left - 6}" y="${laneTop + laneHeight - 4}" text-anchor="end">${escapeXml(lane)}</text>`,
    );
  });
  for (const tick of yTicks) {
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/>`,
    );
    parts.push(
      `<text class="axis-label" x="${MARGIN.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${escapeXml(formatValue(tick, spec.unit))}</text>`,
    );
  }
  for (const tick of niceTicks(0, (end - start) / 1000, 8)) {
    const at = start + tick * 1000;
    parts.push(
      `<text class="axis-label" x="${x(at).toFixed(1)}" y="${height - 14}" text-anchor="middle">${tick}s</text>`,
    );
  }
  parts.push(`<text class="axis-label" x="8" y="${MARGIN.top - 8}">${escapeXml(spec.unit)}</text>`);
  for (const threshold of spec.thresholds ?? []) {
    parts.push(
      `<line class="threshold" x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(threshold.value).toFixed(1)}" y2="${y(threshold.value).toFixed(1)}"/><text class="threshold-label" x="${MARGIN.left + plotWidth - 4}" y="${(y(threshold.value) - 4).toFixed(1)}" text-anchor="end">${escapeXml(threshold.label)}</text>`,
    );
  }
  spec.lines.forEach((line, index) => {
    const color = PALETTE[index % PALETTE.length];
    const segments: string[][] = [[]];
    for (const point of line.points) {
      if (point.value === null || !Number.isFinite(point.value)) {
        segments.push([]);
        continue;
      }
      segments[segments.length - 1]?.push(`${x(point.at).toFixed(1)},${y(point.value).toFixed(1)}`);
    }
    for (const segment of segments.filter((entry) => entry.length > 0)) {
      parts.push(
        segment.length === 1
          ? `<circle class="series" cx="${segment[0]?.split(',')[0]}" cy="${segment[0]?.split(',')[1]}" r="2" fill="${color}" data-series="${escapeXml(line.label)}"/>`
          : `<polyline class="series" fill="none" stroke="${color}" stroke-width="1.6" points="${segment.join(' ')}" data-series="${escapeXml(line.label)}" data-points="${segment.length}"/>`,
      );
    }
  });
  for (const marker of spec.markers ?? []) {
    const at = x(marker.at);
    // A label near the right edge goes to the left of its line, so it is not cut off.
    const label =
      at > MARGIN.left + plotWidth - 60
        ? `x="${(at - 3).toFixed(1)}" text-anchor="end"`
        : `x="${(at + 3).toFixed(1)}"`;
    parts.push(
      `<line class="marker" x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}"><title>${escapeXml(marker.label)}</title></line><text class="marker-label" ${label} y="${MARGIN.top + 10}">${escapeXml(marker.label)}</text>`,
    );
  }
  const legend = spec.lines
    .map(
      (line, index) => `<tspan fill="${PALETTE[index % PALETTE.length]}">■</tspan> ${escapeXml(line.label)}`,
    )
    .join('   ');
  parts.push(
    `<text class="legend" x="${MARGIN.left + plotWidth}" y="16" text-anchor="end">${legend}${(spec.windows?.length ?? 0) > 0 ? '   <tspan class="legend-window">▮</tspan> fault' : ''}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">${parts.join('')}</svg>`;
}

export interface BarGroup {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** Grouped bars: one group per item (e.g. a tuning configuration), one bar per metric, each metric its own scale. */
export function groupedBarChart(spec: {
  readonly title: string;
  readonly metrics: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly width?: number;
  readonly height?: number;
}): string {
  const width = spec.width ?? 860;
  // The legend gets a line of its own under the title: long group labels (the defrag strategies) ran into the title.
  const height = spec.height ?? 240 + LEGEND_LINE;
  const plotTop = MARGIN.top + LEGEND_LINE;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - plotTop - MARGIN.bottom - 16;
  const panelWidth = plotWidth / Math.max(1, spec.metrics.length);
  const parts: string[] = [
    `<text x="${MARGIN.left}" y="16" class="chart-title">${escapeXml(spec.title)}</text>`,
  ];
  spec.metrics.forEach((metric, metricIndex) => {
    const panelLeft = MARGIN.left + metricIndex * panelWidth;
    const values = spec.groups.map((group) => group.values[metricIndex] ?? null);
    const max = Math.max(...values.map((value) => value ?? 0), 0) || 1;
    const barWidth = Math.min(60, (panelWidth - 30) / Math.max(1, spec.groups.length));
    parts.push(
      `<text class="axis-label" x="${(panelLeft + panelWidth / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${escapeXml(metric)}</text>`,
    );
    values.forEach((value, groupIndex) => {
      const left = panelLeft + 15 + groupIndex * barWidth;
      // The tallest bar leaves room above it for its value label.
      const barHeight = value === null ? 0 : (value / max) * (plotHeight - BAR_LABEL_ROOM);
      const top = plotTop + plotHeight - barHeight;
      const color = PALETTE[groupIndex % PALETTE.length];
      parts.push(
        `<rect class="bar" x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 6).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${color}" data-value="${value ?? ''}"><title>${escapeXml(`${spec.groups[groupIndex]?.label}: ${value ?? 'n/a'}`)}</title></rect>`,
        `<text class="bar-label" x="${(left + (barWidth - 6) / 2).toFixed(1)}" y="${(top - 3).toFixed(1)}" text-anchor="middle">${value === null ? 'n/a' : escapeXml(formatValue(value, ''))}</text>`,
      );
    });
  });
  const legend = spec.groups
    .map(
      (group, index) =>
        `<tspan fill="${PALETTE[index % PALETTE.length]}">■</tspan> ${escapeXml(group.label)}`,
    )
    .join('   ');
  parts.push(`<text class="legend" x="${MARGIN.left}" y="${16 + LEGEND_LINE}">${legend}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}">${parts.join('')}</svg>`;
}
