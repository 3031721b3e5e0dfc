// The Markdown summary: headline, failed and inconclusive findings first (expected vs observed), every claim's
// verdict, and the scenarios' tables (the tuning comparison). Short enough for a CI job summary.
import type { RunResult } from '../result/run-result.js';
import { formatDuration, orderedFindings, verdictWord } from './model.js';

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const;

function cell(text: string | number | null | undefined): string {
  return String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

export function renderMarkdown(result: RunResult): string {
  const { claims } = result.summary;
  const lines: string[] = [
    `# etcd-chaos: etcd ${result.target.etcdVersion} — ${ICON.pass} ${claims.pass} pass · ${ICON.fail} ${claims.fail} fail · ${ICON.inconclusive} ${claims.inconclusive} inconclusive`,
    '',
    `${result.run.suite} suite · ${formatDuration(result.run.durationMs)} · network ${result.run.network}${result.target.tls ? ' · TLS' : ''} · exit code ${result.summary.exitCode} · run \`${result.run.id}\``,
  ];
  const flags = Object.entries(result.target.flags);
  if (flags.length > 0)
    lines.push('', `Flags: ${flags.map(([name, value]) => `\`--${name}=${value}\``).join(' ')}`);
  const notPassing = orderedFindings(result.findings).filter((finding) => finding.verdict !== 'pass');
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
        `| ${ICON[finding.verdict]} ${verdictWord(finding.verdict)} | \`${finding.claim}\` | ${cell(finding.check)} | ${cell(finding.expected)} | ${cell(finding.observed)} | ${cell(finding.reason)} |`,
      );
    }
  }
  lines.push('', '## Claims', '', '| | claim | title | checks |', '|---|---|---|---|');
  for (const entry of result.claims) {
    lines.push(`| ${ICON[entry.verdict]} | \`${entry.id}\` | ${cell(entry.title)} | ${entry.findings} |`);
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
        `- \`${scenario.id}\`: ${scenario.status}${scenario.message ? ` — ${cell(scenario.message)}` : ''}`,
      );
  }
  lines.push(
    '',
    `_etcd-chaos ${result.tool.version}, result schema v${result.schemaVersion}; details in report.html and result.json._`,
    '',
  );
  return lines.join('\n');
}
