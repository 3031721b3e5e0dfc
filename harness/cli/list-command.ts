// `etcd-chaos list`: the scenarios (with the claims they check) and the claims (with their sources).
import type { Command } from 'commander';
import type { ScenarioDefinition } from '../scenario/types.js';
import { collect } from './options.js';
import { printJsonLine } from './output.js';
import { availableScenarios } from './scenario-selection.js';

export function registerList(program: Command, builtIn: readonly ScenarioDefinition[]): void {
  program
    .command('list')
    .description('list scenarios and the claims they check, and every claim with its source')
    .option('--scenario-dir <dir>', 'also list scenarios from this directory (repeatable)', collect)
    .option('--json', 'print one JSON line')
    .action(async (options: { json?: boolean; scenarioDir?: string[] }) => {
      const available = await availableScenarios(builtIn, options.scenarioDir ?? []);
      const scenarios = available.scenarios;
      const claims = available.claims.all().map((entry) => ({
        ...entry,
        scenarios: scenarios
          .filter((scenario) => scenario.claims.includes(entry.id))
          .map((scenario) => scenario.id),
      }));
      if (options.json) {
        printJsonLine({
          scenarios: scenarios.map((scenario) => ({
            id: scenario.id,
            title: scenario.title,
            claims: scenario.claims,
            params: scenario.params,
          })),
          claims,
        });
        return;
      }
      process.stdout.write('Scenarios:\n');
      for (const scenario of scenarios) {
        process.stdout.write(
          `  ${scenario.id.padEnd(22)} ${scenario.title}\n${' '.repeat(25)}claims: ${scenario.claims.join(', ')}\n`,
        );
      }
      process.stdout.write('\nClaims:\n');
      for (const entry of claims) {
        process.stdout.write(
          `  ${entry.id.padEnd(30)} ${entry.statement}\n${' '.repeat(33)}source: ${entry.source}\n${' '.repeat(33)}checked by: ${entry.scenarios.join(', ') || '(no scenario yet)'}\n`,
        );
      }
    });
}
