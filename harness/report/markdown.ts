// The Markdown summary: headline, failed and inconclusive findings first (expected vs observed), every claim's
// verdict, and the scenarios' tables (the tuning comparison). Short enough for a CI job summary.
import type { RunResult, Target } from '../result/format.js';
import {
  describeStability,
  findingWord,
  formatDuration,
  isMatrix,
  orderedFindings,
  runCaveat,
  scenarioLabel,
  stabilityWord,
  targetLabel,
} from './model.js';
import {
  DIFFERENCE_COLUMNS,
  describeOverrides,
  FLAG_COLUMNS,
  OVERRIDE_COLUMNS,
  setupView,
} from './setup-section.js';

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const;

function cell(text: string | number | null | undefined): string {
  return String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

export function renderMarkdown(result: RunResult): string {
  const { claims } = result.summary;
  const matrix = isMatrix(result);
  const on = (target: Target | undefined) => (matrix && target ? ` [${targetLabel(target)}]` : '');
  const lines: string[] = [
    `# etcd-chaos: ${matrix ? (result.run.matrix?.targets ?? []).map(targetLabel).join(', ') : `etcd ${result.target.etcdVersion}`} — ${ICON.pass} ${claims.pass} pass · ${ICON.fail} ${claims.fail} fail · ${ICON.inconclusive} ${claims.inconclusive} inconclusive`,
    '',
    `${result.run.suite} suite${result.run.repeat > 1 ? ` × ${result.run.repeat} repetitions` : ''} · ${formatDuration(result.run.durationMs)} · network ${result.run.network}${result.target.tls ? ' · TLS' : ''} · exit code ${result.summary.exitCode} · run \`${result.run.id}\``,
  ];
  const caveat = runCaveat(result);
  if (caveat) lines.push('', `> ⚠️ **${caveat}**`);
  const flags = Object.entries(result.target.flags);
  if (flags.length > 0)
    lines.push('', `Flags: ${flags.map(([name, value]) => `\`--${name}=${value}\``).join(' ')}`);
  lines.push(...markdownSetup(result));
  const notPassing = orderedFindings(result.findings).filter(
    (finding) => finding.verdict !== 'pass' && !finding.notRun,
  );
  if (notPassing.length > 0) {
    lines.push(
      '',
      '## Failed and inconclusive',
      '',
      '| | claim | check | expected | observed | why |',
      '|---|---|---|---|---|---|',
    );
    for (const finding of notPassing) {
      lines.push(
        `| ${ICON[finding.verdict]} ${findingWord(finding)} | \`${finding.claim}\` | ${cell(finding.check)}${on(finding.target)}${finding.repetition > 1 ? ` (repetition ${finding.repetition})` : ''} | ${cell(finding.expected)} | ${cell(finding.observed)} | ${cell(finding.reason)}${finding.flagOverrides ? ` (${cell(describeOverrides(finding.flagOverrides))})` : ''} |`,
      );
    }
  }
  lines.push('', '## Claims', '', '| | claim | title | checks |', '|---|---|---|---|');
  for (const entry of result.claims) {
    lines.push(
      `| ${entry.notRun ? '⏹️ NOT RUN' : ICON[entry.verdict]} | \`${entry.id}\` | ${cell(entry.title)} | ${entry.findings} |`,
    );
  }
  if (result.run.repeat > 1) {
    lines.push(
      '',
      `## Stability over ${result.run.repeat} repetitions`,
      '',
      '| | claim | check | pass | fail | inconclusive | flip rate |',
      '|---|---|---|---|---|---|---|',
    );
    for (const row of result.stability) {
      const mark = `${row.flipped ? (row.environmentDependent ? '🔁' : '❌') : '✅'} ${stabilityWord(row)}`;
      lines.push(
        `| ${mark} | \`${row.claim}\` | ${cell(row.check)}${on(row.target)} | ${row.verdicts.pass} | ${row.verdicts.fail} | ${row.verdicts.inconclusive} | ${(row.flipRate * 100).toFixed(0)} % |`,
      );
    }
    const flips = result.stability.filter((row) => row.flipped);
    if (flips.length > 0)
      lines.push(
        '',
        ...flips.map(
          (row) => `- \`${row.claim}\` ${cell(row.check)}: ${describeStability(row, result.run.repeat)}`,
        ),
      );
  }
  const notRun = result.findings.filter((finding) => finding.notRun);
  if (notRun.length > 0) {
    lines.push('', '## Not run', '', '| claim | scenario | why |', '|---|---|---|');
    for (const finding of notRun)
      lines.push(
        `| \`${finding.claim}\` | ${cell(finding.scenario)}${on(finding.target)}${finding.repetition > 1 ? ` (repetition ${finding.repetition})` : ''} | ${cell(finding.reason)} |`,
      );
  }
  for (const scenario of result.scenarios) {
    for (const table of scenario.tables) {
      lines.push(
        '',
        `## ${table.name}`,
        '',
        `| ${table.columns.map(cell).join(' | ')} |`,
        `|${table.columns.map(() => '---').join('|')}|`,
      );
      for (const row of table.rows) lines.push(`| ${row.map((value) => cell(value ?? 'n/a')).join(' | ')} |`);
      if (table.note) lines.push('', `_${table.note}_`);
    }
  }
  const errors = result.scenarios.filter((scenario) => scenario.status !== 'completed');
  if (errors.length > 0) {
    lines.push('', '## Scenarios that did not complete', '');
    for (const scenario of errors)
      lines.push(
        `- \`${scenarioLabel(result, scenario)}\`: ${scenario.status}${scenario.message ? ` — ${cell(scenario.message)}` : ''}`,
      );
  }
  lines.push(
    '',
    `_etcd-chaos ${result.tool.version}, result schema v${result.schemaVersion}; details in report.html and result.json._`,
    '',
  );
  return lines.join('\n');
}

/** The user's setup (--manifest, --kubernetes-version) and every flag a scenario replaced with its own. */
function markdownSetup(result: RunResult): string[] {
  const view = setupView(result);
  const lines: string[] = [];
  const table = (columns: readonly string[], rows: readonly (readonly string[])[]) => [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map((value) => cell(value)).join(' | ')} |`),
  ];
  if (view.headline) {
    lines.push('', '## Your setup', '', view.headline);
    for (const warning of view.warnings) lines.push('', `> ⚠️ **${cell(warning)}**`);
    if (view.flagRows.length > 0) lines.push('', ...table(FLAG_COLUMNS, view.flagRows));
    if (view.differenceRows.length > 0)
      lines.push(
        '',
        "Against etcd's defaults and the guide:",
        '',
        ...table(DIFFERENCE_COLUMNS, view.differenceRows),
      );
  }
  if (view.overrides.length > 0)
    lines.push(
      '',
      '### Flags a scenario replaced with its own',
      '',
      ...table(
        OVERRIDE_COLUMNS,
        view.overrides.map((entry) => [entry.scenario ?? '', `--${entry.flag}`, entry.yours, entry.used]),
      ),
    );
  return lines;
}
