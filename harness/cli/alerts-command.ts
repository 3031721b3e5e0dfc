// `etcd-chaos alerts export|render|check`: the rules files users deploy (the guide's alerts, etcd's mixin), etcd's
// mixin rendered again from its jsonnet source, and promtool's verdict on them.
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { provisionMixin } from '../alerting/mixin.js';
import { checkRules, requireSuccess } from '../alerting/promtool.js';
import {
  compressRules,
  parseRuleSet,
  RULE_SETS,
  type RuleSet,
  rulesOf,
  rulesToYaml,
  shippedRulesPath,
} from '../alerting/rules.js';
import { unservedMetricsNote } from '../alerting/served-metrics.js';
import { resolvePrometheus } from '../binaries/resolve-prometheus.js';
import type { ProgressListener } from '../binaries/types.js';
import { InputError } from '../errors.js';
import { resolveVersion } from '../versions/version.js';
import type { GlobalOptions } from './global-options.js';
import { runWithProgress } from './progress.js';

interface ExportOptions {
  set: RuleSet;
  etcdVersion?: string;
  timeFactor?: number;
}

function parseFactor(value: string): number {
  const factor = Number(value);
  if (!Number.isFinite(factor) || factor < 1)
    throw new InputError(`Expected \`--time-factor\` to be a number ≥ 1, got \`${value}\` (string).`);
  return factor;
}

export function registerAlerts(program: Command, globals: () => GlobalOptions): void {
  const alerts = program
    .command('alerts')
    .description(
      "Prometheus alerting rules: the guide's alerts and etcd's own mixin, exported, rendered, checked",
    );

  alerts
    .command('export')
    .description('print a Prometheus rules file (YAML) on stdout, e.g. `| promtool check rules /dev/stdin`')
    .option('--set <set>', `which rules: ${RULE_SETS.join(' | ')}`, parseRuleSet, 'all')
    .option(
      '--etcd-version <version>',
      'say in the header which rules read metrics this release does not serve with default flags',
    )
    .option(
      '--time-factor <n>',
      "divide every `for:` and range window by n (the harness's time compression; default 1: as written)",
      parseFactor,
    )
    .action(async (options: ExportOptions) => {
      const rules = await rulesOf(options.set);
      const factor = options.timeFactor ?? 1;
      const header = [
        `etcd-chaos alerts export --set ${options.set}${options.etcdVersion ? ` --etcd-version ${options.etcdVersion}` : ''}${factor !== 1 ? ` --time-factor ${factor}` : ''}`,
        `sources: ${options.set === 'mixin' ? '' : 'alerts/etcd-guide.rules.yml (the guide)'}${options.set === 'all' ? ', ' : ''}${options.set === 'guide' ? '' : 'alerts/etcd-mixin.rules.yml (etcd contrib/mixin, rendered)'}`,
        ...(factor !== 1
          ? [
              `TIME-COMPRESSED by ${factor}: every for: and range window divided by ${factor}; not for production`,
            ]
          : []),
        ...(options.etcdVersion ? unservedMetricsNote(rules, resolveVersion(options.etcdVersion)) : []),
      ];
      process.stdout.write(rulesToYaml(compressRules(rules, factor), header));
    });

  alerts
    .command('render')
    .description(
      "render etcd's mixin alerts from its jsonnet source (Go module go.etcd.io/etcd/v3) with go-jsonnet; print or write them",
    )
    .option(
      '--out <file>',
      'write here instead of stdout (the committed copy is alerts/etcd-mixin.rules.yml)',
    )
    .action(async (options: { out?: string }) => {
      let rulesPath = '';
      await runWithProgress(
        [
          {
            title: "etcd's mixin",
            run: async (report: ProgressListener, signal: AbortSignal | undefined) => {
              const mixin = await provisionMixin({ onProgress: report, signal });
              rulesPath = mixin.rulesPath;
              return mixin.rulesPath;
            },
          },
        ],
        { signal: globals().signal },
      );
      const text = await readFile(rulesPath, 'utf8');
      if (options.out) await writeFile(options.out, text);
      else process.stdout.write(text);
    });

  alerts
    .command('check [files...]')
    .description('promtool check rules on the shipped rules files (or on the files given)')
    .action(async (files: string[]) => {
      const prometheus = await resolvePrometheus({ signal: globals().signal });
      const targets = files.length > 0 ? files : [shippedRulesPath('guide'), shippedRulesPath('mixin')];
      const outcome = requireSuccess(await checkRules(prometheus.promtool, targets), 'check rules');
      process.stdout.write(`${outcome.output}\n`);
    });
}
