// The command line as a commander program: every command and option, built from what the composition root
// (harness/cli.ts) hands in. Kept apart from process wiring so tests can inspect it (the README's commands exist).
import { Command } from 'commander';
import type { ScenarioDefinition } from '../scenario/types.js';
import { packageVersion } from '../util/package-info.js';
import { registerAlerts } from './alerts-command.js';
import { registerBench } from './bench-command.js';
import { registerCleanup } from './cleanup-command.js';
import { registerDrill } from './drill-command.js';
import { registerFaults } from './faults-command.js';
import type { GlobalOptions } from './global-options.js';
import { registerImages } from './images-command.js';
import { registerList } from './list-command.js';
import { type RehearsalScenarios, registerRehearse } from './rehearse-command.js';
import { registerReport } from './report-command.js';
import { registerRun } from './run-command.js';
import { registerSetup } from './setup-command.js';
import { registerTune } from './tune-command.js';
import { registerUp } from './up-command.js';
import { registerValidate } from './validate-command.js';
import { registerVerifyBackup } from './verify-backup-command.js';
import { registerVersions } from './versions-command.js';

/** What the application gives the library's CLI: the built-in scenarios, in suite order, and the rehearsals. */
export interface BuiltIns {
  readonly scenarios: readonly ScenarioDefinition[];
  readonly rehearsals: RehearsalScenarios;
}

export function buildProgram(builtIns: BuiltIns, globals: () => GlobalOptions): Command {
  const program = new Command('etcd-chaos')
    .description(
      'Chaos and conformance harness for etcd: real clusters, real faults, documented claims checked.',
    )
    .version(packageVersion(), '-V, --version', 'print the etcd-chaos version')
    .option('-v, --verbose', 'debug logging (same as DEBUG=etcd-chaos:*) and stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerSetup(program, globals);
  registerUp(program, globals);
  registerRun(program, globals, builtIns.scenarios);
  registerRehearse(program, globals, builtIns.rehearsals);
  registerValidate(program);
  registerTune(program, globals);
  registerList(program, builtIns.scenarios);
  registerReport(program);
  registerCleanup(program);
  registerVersions(program);
  registerFaults(program);
  registerImages(program, globals);
  registerBench(program, globals, builtIns.scenarios);
  registerAlerts(program, globals);
  registerVerifyBackup(program, globals);
  registerDrill(program, globals);
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}
