// The HTML report: one self-contained file (inline CSS and SVG, no scripts fetched, no network), readable offline and
// attachable to a ticket. Header with versions, flags and verdict counts; failed findings expanded with evidence;
// per scenario: latency timelines with fault windows shaded and leader changes marked, series such as db size vs
// quota, and tables (the tuning comparison) with a chart.
import type { Finding, RunResult, ScenarioResult } from '../result/format.js';
import {
  belongsTo,
  describeStability,
  findingsOf,
  findingWord,
  formatDuration,
  leaderMarkersFor,
  orderedFindings,
  runCaveat,
  scenarioLabel,
  stabilityWord,
  verdictWord,
  windowsFor,
} from './model.js';
import {
  DIFFERENCE_COLUMNS,
  describeOverrides,
  FLAG_COLUMNS,
  OVERRIDE_COLUMNS,
  setupView,
} from './setup-section.js';
import { escapeXml as esc, groupedBarChart, timeChart } from './svg.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2937;background:#f8fafc}
main{max-width:1000px;margin:0 auto;padding:20px}
header{background:#0f172a;color:#e2e8f0;padding:20px}header h1{margin:0 0 6px;font-size:22px}
header .meta{color:#94a3b8}header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0 0}
header dt{color:#94a3b8}header dd{margin:0;font-family:ui-monospace,monospace;font-size:13px;overflow-wrap:anywhere}
.counts{display:flex;gap:10px;margin-top:12px}.count{padding:6px 12px;border-radius:6px;font-weight:600}
.count.pass,.badge.pass{background:#dcfce7;color:#166534}.count.fail,.badge.fail{background:#fee2e2;color:#991b1b}
.count.inconclusive,.badge.inconclusive{background:#fef3c7;color:#92400e}
.badge{display:inline-block;padding:1px 7px;border-radius:4px;font-size:12px;font-weight:700}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px;margin:16px 0}
h2{margin:0 0 10px;font-size:18px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f1f5f9}code{font-family:ui-monospace,monospace;font-size:12.5px}
.finding{border-left:4px solid #cbd5e1;padding:6px 10px;margin:8px 0;background:#f8fafc}
.finding.fail{border-color:#dc2626}.finding.inconclusive{border-color:#d97706}.finding.pass{border-color:#16a34a}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}.finding dt{color:#64748b}.finding dd{margin:0}
.evidence a{margin-right:10px;font-family:ui-monospace,monospace;font-size:12px}
.chart{display:block;max-width:100%;height:auto;margin:6px 0}.chart-title{font-size:13px;font-weight:600;fill:#1f2937}
.axis-label,.legend,.marker-label,.bar-label,.threshold-label{font-size:11px;fill:#475569}
.grid{stroke:#e5e7eb}.fault-window{fill:#f97316;fill-opacity:.13}.fault-lane{fill:#f97316;fill-opacity:.75}.lane-label{font-size:9.5px;fill:#9a3412}.legend-window{fill:#f97316;fill-opacity:.5}
.marker{stroke:#7c3aed;stroke-dasharray:3 3}.threshold{stroke:#dc2626;stroke-dasharray:6 4}.threshold-label{fill:#dc2626}
.chart-empty{font-size:12px;fill:#64748b}.status-error,.status-timeout{color:#991b1b;font-weight:600}
footer{color:#64748b;font-size:12px;text-align:center;padding:20px}
.caveat{background:#fef3c7;border-color:#d97706;color:#92400e;font-weight:600}.flip{color:#991b1b;font-weight:600}
`;

export function renderHtml(result: RunResult): string {
  const { claims } = result.summary;
  const title = `etcd-chaos: etcd ${result.target.etcdVersion}: ${claims.pass} pass, ${claims.fail} fail, ${claims.inconclusive} inconclusive`;
  const flags = Object.entries(result.target.flags);
  const notPassing = orderedFindings(result.findings).filter(
    (finding) => finding.verdict !== 'pass' && !finding.notRun,
  );
  const notRun = result.findings.filter((finding) => finding.notRun);
  const caveat = runCaveat(result);
  const repeat = result.run.repeat;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
<header><h1>etcd-chaos report: etcd ${esc(result.target.etcdVersion)}</h1>
<div class="meta">${esc(result.run.suite)} suite${repeat > 1 ? ` × ${repeat} repetitions` : ''} · ${esc(result.run.startedAt)} · ${esc(formatDuration(result.run.durationMs))} · exit code ${result.summary.exitCode}</div>
<div class="counts"><span class="count pass">${claims.pass} pass</span><span class="count fail">${claims.fail} fail</span><span class="count inconclusive">${claims.inconclusive} inconclusive</span></div>
<dl>
<dt>etcd</dt><dd>${esc(result.versions.etcd)} (requested ${esc(result.target.requestedVersion)})</dd>
<dt>Toxiproxy</dt><dd>${esc(result.versions.toxiproxy)}</dd>
<dt>network · TLS</dt><dd>${esc(result.run.network)} · ${result.target.tls ? 'mTLS' : 'off'}</dd>
<dt>flags</dt><dd>${flags.length ? flags.map(([name, value]) => `--${esc(name)}=${esc(value)}`).join(' ') : 'etcd defaults (scenarios add their own)'}${result.target.presets.length ? ` (preset ${esc(result.target.presets.join(', '))})` : ''}</dd>
<dt>host</dt><dd>${esc(result.run.host.hostname)}, ${result.run.host.cpus} CPUs, ${esc(result.run.host.platform)}/${esc(result.run.host.arch)}, Node ${esc(result.versions.node)}</dd>
<dt>run</dt><dd>${esc(result.run.id)}</dd>
</dl>${htmlSetup(result)}</header>
<main>
${caveat ? `<section class="caveat" id="caveat">${esc(caveat)}</section>` : ''}
${notPassing.length ? `<section id="not-passing"><h2>Failed and inconclusive</h2>${notPassing.map((finding) => findingBlock(finding, true)).join('\n')}</section>` : ''}
<section id="claims"><h2>Claims</h2><table><thead><tr><th></th><th>claim</th><th>title</th><th>checks</th><th>source</th></tr></thead><tbody>
${result.claims.map((entry) => `<tr><td><span class="badge ${entry.verdict}">${entry.notRun ? 'NOT RUN' : verdictWord(entry.verdict)}</span></td><td><code>${esc(entry.id)}</code></td><td>${esc(entry.title)}</td><td>${entry.findings}</td><td>${esc(entry.source)}</td></tr>`).join('\n')}
</tbody></table></section>
${repeat > 1 ? stabilitySection(result) : ''}
${notRun.length ? `<section id="not-run"><h2>Not run</h2><table><thead><tr><th>claim</th><th>scenario</th><th>why</th></tr></thead><tbody>${notRun.map((finding) => `<tr><td><code>${esc(finding.claim)}</code></td><td>${esc(finding.scenario)}${repeat > 1 ? ` (repetition ${finding.repetition})` : ''}</td><td>${esc(finding.reason)}</td></tr>`).join('')}</tbody></table></section>` : ''}
${result.scenarios.map((scenario) => scenarioSection(result, scenario)).join('\n')}
</main>
<footer>etcd-chaos ${esc(result.tool.version)} · result schema v${result.schemaVersion} · data: result.json, evidence/</footer>
</body></html>
`;
}

function findingBlock(finding: Finding, open: boolean): string {
  const measurements = finding.measurements.length
    ? `<dt>measured</dt><dd>${finding.measurements.map((entry) => `${esc(entry.name)}: ${entry.value === null ? 'n/a' : entry.value} ${esc(entry.unit)}`).join('; ')}</dd>`
    : '';
  const evidence = finding.evidence.length
    ? `<dt>evidence</dt><dd class="evidence">${finding.evidence.map((path) => `<a href="${esc(path)}">${esc(path)}</a>`).join(' ')}</dd>`
    : '';
  return `<details class="finding ${finding.verdict}"${open ? ' open' : ''}><summary><span class="badge ${finding.verdict}">${findingWord(finding)}</span> <code>${esc(finding.claim)}</code> — ${esc(finding.check)} <small>(${esc(finding.scenario)}${finding.repetition > 1 ? `, repetition ${finding.repetition}` : ''}${finding.environmentDependent ? ', environment-dependent' : ''})</small></summary>
<dl><dt>expected</dt><dd>${esc(finding.expected)}</dd><dt>observed</dt><dd>${esc(finding.observed)}</dd><dt>why</dt><dd>${esc(finding.reason)}</dd>${finding.flagOverrides ? `<dt>flags</dt><dd>${esc(describeOverrides(finding.flagOverrides) ?? '')}</dd>` : ''}${measurements}<dt>source</dt><dd>${esc(finding.source)}</dd>${evidence}</dl></details>`;
}

function stabilitySection(result: RunResult): string {
  const repeat = result.run.repeat;
  const rows = result.stability
    .map(
      (row) =>
        `<tr><td>${row.flipped ? `<span class="flip">${esc(stabilityWord(row))}</span>` : 'stable'}</td><td><code>${esc(row.claim)}</code></td><td>${esc(row.check)}</td><td>${row.verdicts.pass}</td><td>${row.verdicts.fail}</td><td>${row.verdicts.inconclusive}</td><td>${(row.flipRate * 100).toFixed(0)} %</td><td>${esc(describeStability(row, repeat))}</td></tr>`,
    )
    .join('\n');
  return `<section id="stability"><h2>Stability over ${repeat} repetitions</h2><p><small>A check flips when its repetitions did not all get the same verdict; the flip rate is the share of repetitions that differ from the most common verdict. Only environment-dependent checks (which measure this host on purpose) may flip without failing the run.</small></p><table><thead><tr><th></th><th>claim</th><th>check</th><th>pass</th><th>fail</th><th>inconclusive</th><th>flip rate</th><th></th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

function scenarioSection(result: RunResult, scenario: ScenarioResult): string {
  const findings = orderedFindings(findingsOf(result, scenario));
  const charts = scenario.series.map((series) =>
    timeChart({
      title: series.name,
      unit: series.unit,
      lines: [{ label: series.name, points: series.points }],
      windows: windowsFor(result, scenario, series),
      markers: leaderMarkersFor(scenario, series),
      thresholds: series.thresholds,
    }),
  );
  const tables = scenario.tables.map((table) => {
    const chart = table.chart
      ? groupedBarChart({
          title: table.name,
          metrics: table.chart.columns,
          groups: table.rows.map((row) => ({
            label: String(row[0] ?? ''),
            values: table.chart!.columns.map((column) => {
              const value = row[table.columns.indexOf(column)];
              return typeof value === 'number' ? value : null;
            }),
          })),
        })
      : '';
    return `<h3>${esc(table.name)}</h3>${chart}<table><thead><tr>${table.columns.map((column) => `<th>${esc(column)}</th>`).join('')}</tr></thead><tbody>${table.rows.map((row) => `<tr>${row.map((value) => `<td>${value === null ? 'n/a' : esc(String(value))}</td>`).join('')}</tr>`).join('')}</tbody></table>${table.note ? `<p><small>${esc(table.note)}</small></p>` : ''}`;
  });
  const windows = result.faultWindows.filter((window) => belongsTo(window, window.cell, scenario));
  const windowTable = windows.length
    ? `<details><summary>${windows.length} fault window(s)</summary><table><thead><tr><th>fault</th><th>targets</th><th>params</th><th>start</th><th>active</th></tr></thead><tbody>${windows
        .map(
          (window) =>
            `<tr><td>${esc(window.fault)}</td><td>${esc(window.targets.join(', '))}</td><td><code>${esc(JSON.stringify(window.params))}</code></td><td>+${((window.startedAt - Date.parse(scenario.startedAt)) / 1000).toFixed(1)} s</td><td>${window.endedAt ? formatDuration(window.endedAt - window.injectedAt) : 'not healed'}${window.healError ? ` — ${esc(window.healError)}` : ''}</td></tr>`,
        )
        .join('')}</tbody></table></details>`
    : '';
  const anchor = result.run.repeat > 1 ? `${scenario.id}-${scenario.repetition}` : scenario.id;
  return `<section class="scenario" id="scenario-${esc(anchor)}"><h2>${esc(scenario.title)} <small><code>${esc(scenarioLabel(result, scenario))}</code></small></h2>
<p class="status-${scenario.status}">${esc(scenario.status)} in ${esc(formatDuration(scenario.durationMs))}${scenario.message ? ` — ${esc(scenario.message)}` : ''}</p>
${charts.join('\n')}
${tables.join('\n')}
${findings.map((finding) => findingBlock(finding, finding.verdict !== 'pass')).join('\n')}
${windowTable}
</section>`;
}

/** The user's setup (--manifest, --kubernetes-version) and every flag a scenario replaced with its own. */
function htmlSetup(result: RunResult): string {
  const view = setupView(result);
  const table = (id: string, columns: readonly string[], rows: readonly (readonly string[])[]) =>
    `<table id="${id}"><thead><tr>${columns.map((column) => `<th>${esc(column)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((value) => `<td>${esc(value)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const parts: string[] = [];
  if (view.headline) {
    parts.push(`<h2>Your setup</h2><p>${esc(view.headline)}</p>`);
    for (const warning of view.warnings) parts.push(`<p class="caveat">${esc(warning)}</p>`);
    if (view.flagRows.length > 0) parts.push(table('setup-flags', FLAG_COLUMNS, view.flagRows));
    if (view.differenceRows.length > 0)
      parts.push(
        `<h3>Against etcd's defaults and the guide</h3>${table('setup-differences', DIFFERENCE_COLUMNS, view.differenceRows)}`,
      );
  }
  if (view.overrides.length > 0)
    parts.push(
      `<h3>Flags a scenario replaced with its own</h3>${table(
        'setup-overrides',
        OVERRIDE_COLUMNS,
        view.overrides.map((entry) => [entry.scenario ?? '', `--${entry.flag}`, entry.yours, entry.used]),
      )}`,
    );
  return parts.length > 0 ? `<section id="setup">${parts.join('')}</section>` : '';
}
