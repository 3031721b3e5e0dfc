// The README is true about the command line: every `etcd-chaos ...` it shows (in code spans and code blocks) names a
// command that exists, and every `--option` it passes exists on that command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../harness/cli/program.js';
import { watchTermination } from '../../harness/cli/signals.js';
import type { ScenarioDefinition } from '../../harness/scenario/types.js';
import downgradeRehearsal from '../../scenarios/downgrade-rehearsal.js';
import { BUILT_IN_SCENARIOS } from '../../scenarios/index.js';
import upgradeRehearsal from '../../scenarios/upgrade-rehearsal.js';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

/** Every command line the README shows: from code spans and from lines of code blocks. */
function readmeCommandLines(): string[] {
  const lines: string[] = [];
  for (const match of README.matchAll(/`((?:npx )?etcd-chaos [^`]+)`/g)) lines.push(match[1] as string);
  for (const block of README.matchAll(/```(?:sh|bash|console)?\n([\s\S]*?)```/g))
    for (const line of (block[1] as string).split('\n'))
      if (/^(npx )?etcd-chaos /.test(line.trim())) lines.push(line.trim());
  // `npx etcd-chaos ...` is prose for "any command".
  return lines
    .map((line) => line.replace(/^npx /, '').replace(/\\\|/g, '|'))
    .filter((line) => line !== 'etcd-chaos ...');
}

function program(): Command {
  const termination = watchTermination();
  termination.dispose();
  return buildProgram(
    {
      scenarios: BUILT_IN_SCENARIOS,
      rehearsals: {
        upgrade: upgradeRehearsal as ScenarioDefinition,
        downgrade: downgradeRehearsal as ScenarioDefinition,
      },
    },
    () => ({ verbose: false, signal: termination.signal, termination }),
  );
}

function optionNames(command: Command): Set<string> {
  const names = new Set(['--help', '-h']);
  for (const option of command.options) {
    if (option.long) names.add(option.long);
    if (option.short) names.add(option.short);
  }
  return names;
}

describe('the README', () => {
  const root = program();
  const global = optionNames(root);
  const lines = readmeCommandLines();

  it('shows command lines (the extraction works)', () => {
    expect(lines.length).toBeGreaterThan(15);
  });

  it.each(lines)('`%s`: the command and every option exist', (line) => {
    const tokens = line.replace(/^etcd-chaos\s+/, '').split(/\s+/);
    // `bench cluster|fidelity|load|all`, `images build`: a subcommand may have subcommands, sometimes as alternatives.
    const head = (tokens[0] ?? '').replace(/[[\]]/g, '');
    if (head.startsWith('-')) {
      expect(global.has(head.split('=')[0] as string), `global option ${head}`).toBe(true);
      return;
    }
    const command = root.commands.find((entry) => entry.name() === head);
    expect(command, `command \`${head}\` (from: ${line})`).toBeDefined();
    let target = command as Command;
    const next = (tokens[1] ?? '').replace(/[[\]]/g, '');
    // A command with subcommands may also take arguments itself (`report DIR` and `report merge DIR...`).
    const namesSubcommand =
      next.includes('|') ||
      target.commands.some((entry) => entry.name() === next) ||
      target.registeredArguments.length === 0;
    if (target.commands.length > 0 && next && !next.startsWith('-') && namesSubcommand) {
      const alternatives = next.split('|');
      for (const alternative of alternatives) {
        const sub = target.commands.find((entry) => entry.name() === alternative);
        expect(sub, `subcommand \`${head} ${alternative}\``).toBeDefined();
        // One subcommand named: its options are checked; alternatives share none worth checking.
        if (sub && alternatives.length === 1) target = sub;
      }
    }
    const known = new Set([...optionNames(target), ...global]);
    for (const token of tokens) {
      const option = /^\[?(--?[a-zA-Z][\w-]*)/.exec(token)?.[1];
      if (option)
        expect(known.has(option), `option ${option} of \`${target.name()}\` (from: ${line})`).toBe(true);
    }
  });
});

describe("the README's example scenario", () => {
  it('is the file the package test runs (test/fixtures/user-package/put-get.ts)', () => {
    const example = /```ts\n\/\/ my-scenarios\/put-get\.ts\n([\s\S]*?)```/.exec(README)?.[1];
    const fixture = readFileSync(
      join(import.meta.dirname, '..', 'fixtures', 'user-package', 'put-get.ts'),
      'utf8',
    );
    expect(example).toBeDefined();
    expect(fixture.split('\n').slice(1).join('\n')).toBe(example);
  });
});
