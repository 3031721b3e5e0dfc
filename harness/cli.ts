#!/usr/bin/env node
// The etcd-chaos command line: parses arguments, runs one command, turns every failure into a message and an exit code.
import { Command } from 'commander';
import { registerBench } from './cli/bench-command.js';
import { registerCleanup } from './cli/cleanup-command.js';
import { registerDrill } from './cli/drill-command.js';
import { registerFaults } from './cli/faults-command.js';
import type { GlobalOptions } from './cli/global-options.js';
import { registerImages } from './cli/images-command.js';
import { registerList } from './cli/list-command.js';
import { EXIT, reportError } from './cli/output.js';
import { registerRehearse } from './cli/rehearse-command.js';
import { registerReport } from './cli/report-command.js';
import { registerRun } from './cli/run-command.js';
import { registerSetup } from './cli/setup-command.js';
import { watchTermination } from './cli/signals.js';
import { registerUp } from './cli/up-command.js';
import { registerVerifyBackup } from './cli/verify-backup-command.js';
import { registerVersions } from './cli/versions-command.js';
import { enableVerboseLogging } from './log.js';

async function main(argv: readonly string[]): Promise<number> {
  const termination = watchTermination();
  const program = new Command('etcd-chaos')
    .description(
      'Chaos and conformance harness for etcd: real clusters, real faults, documented claims checked.',
    )
    .option('-v, --verbose', 'debug logging (same as DEBUG=etcd-chaos:*) and stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  const globals = (): GlobalOptions => ({
    verbose: Boolean(program.opts().verbose),
    signal: termination.signal,
  });
  program.hook('preAction', () => {
    if (program.opts().verbose) enableVerboseLogging();
  });
  registerSetup(program, globals);
  registerUp(program, globals);
  registerRun(program, globals);
  registerRehearse(program, globals);
  registerList(program);
  registerReport(program);
  registerCleanup(program);
  registerVersions(program);
  registerFaults(program);
  registerImages(program, globals);
  registerBench(program, globals);
  registerVerifyBackup(program, globals);
  registerDrill(program, globals);
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
  try {
    await program.parseAsync(argv, { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    const aborted = termination.signal.aborted;
    return aborted ? EXIT.interrupted : reportError(error, { verbose: globals().verbose });
  } finally {
    termination.dispose();
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error, { verbose: true })),
);
